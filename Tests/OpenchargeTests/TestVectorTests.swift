import Foundation
import Opencharge
import Testing

/// Spec §11: every vector reproduced byte for byte.
struct TestVectorTests {
    static let key = try! PrivateKey(hex: "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef")
    static let publicHex =
        "bb50e2d89a4ed70663d080659fe0ad4b9bc3e06c17a227433966cb59ceee020decddbf6e00192011648d13b1c00af770c0c1bb609d4d3a5c98a43772e0e18ef4"

    @Test func publicKeyForms() throws {
        #expect(Self.key.publicKey.hex == Self.publicHex)
        #expect(Self.key.publicKey.compressedHex == "02bb50e2d89a4ed70663d080659fe0ad4b9bc3e06c17a227433966cb59ceee020d")
        #expect(try PublicKey(hex: "04" + Self.publicHex) == Self.key.publicKey)
        #expect(try PublicKey(hex: Self.key.publicKey.compressedHex) == Self.key.publicKey)
        #expect(try PublicKey(hex: Self.publicHex.uppercased()) == Self.key.publicKey)
    }

    @Test func tv1RequestSignature() throws {
        let body = Array(#"{"amount":"100.00","currency":"USD"}"#.utf8)
        let canonical = CanonicalRequest(
            ocid: 200, timestamp: 1_706_500_000, nonce: "req_test123", method: "post", path: "/opencharge/payment/create",
            body: body)
        #expect(canonical.bodyHash.hex == "6779770784a6b90aab2c50ad2c48f58eb4d1dc8017e65c5850cdb0869b7060ce")
        #expect(
            canonical.text
                == "200\n1706500000\nreq_test123\nPOST\n/opencharge/payment/create\n6779770784a6b90aab2c50ad2c48f58eb4d1dc8017e65c5850cdb0869b7060ce"
        )
        #expect(canonical.digest.hex == "a51875169505d640b70b0cddb224b4bbb42120a9322abb9951553d2aa0a3fa49")
        let headers = Self.key.signRequest(
            ocid: 200, method: "POST", path: "/opencharge/payment/create", body: body, timestamp: 1_706_500_000,
            nonce: "req_test123")
        #expect(
            headers.signature
                == "08bb6427e9df77920b3c08ba65e7b4d02436ce449441060198a5084f3ca7e82e6c33455681ed53a9125fd2616428a6fb0ecd59e8fc3459175f8759e15e37e9c11b"
        )
        #expect(Self.key.publicKey.verifies(try Signature(hex: headers.signature), over: canonical.digest))
    }

    static let proofJSON = #"{"txid":"test_tx_001","issuer":100,"from":{"ocid":200,"reference":"paypal_tx_123"},"to":{"ocid":300,"reference":"momo_tx_789"},"amount":"10000.00","currency":"UGX","timestamp":1706500500}"#

    @Test func tv2ProofSignature() throws {
        let proof = try JSONParser.parse(Self.proofJSON)
        #expect(
            CanonicalJSON.string(proof)
                == #"{"amount":"10000.00","currency":"UGX","from":{"ocid":200,"reference":"paypal_tx_123"},"issuer":100,"timestamp":1706500500,"to":{"ocid":300,"reference":"momo_tx_789"},"txid":"test_tx_001"}"#
        )
        #expect(SHA256Digest(hashing: CanonicalJSON.encode(proof)).hex == "de7bd3d228672f527ee55effdeb4d4aeb5c52d343bd87c75461478c34580ae5f")
        let signature = Self.key.signObject(proof)
        #expect(
            signature.hex
                == "65c774ae5d87d2724c698fd11f49d444267b15a513c1d70625c29bf965c33bc03ca45e2b78db7ba01c683f279cb431430d59bd0d4753196992074d0b67ff36921b"
        )
        // The typed model rebuilds the same object.
        #expect(CanonicalJSON.encode(try TransferProof(json: proof).json) == CanonicalJSON.encode(proof))
    }

    @Test func tv2LegacyForm() throws {
        let proof = try JSONParser.parse(Self.proofJSON)
        let legacy = CanonicalJSON.encodeLegacy(proof)
        #expect(
            String(decoding: legacy, as: UTF8.self)
                == #"{"amount":"10000.00","currency":"UGX","from":{},"issuer":100,"timestamp":1706500500,"to":{},"txid":"test_tx_001"}"#
        )
        #expect(SHA256Digest(hashing: legacy).hex == "5f27d27e18164a078d35a87d929a054480785e72bf5de708dc6ef1d00f3aa4f0")
        let legacySignature = try Signature(
            hex:
                "5a6ef0aae659a2e3b28d7d86e5f5618b07f789defc0aea0b782c7271b07835430e04158f49217f578c3a9dd022fc04ba2bc0890158216911dd33244072c5096b1c"
        )
        #expect(Self.key.sign(SHA256Digest(hashing: legacy)) == legacySignature)
        #expect(Self.key.publicKey.verifyObject(proof, signature: legacySignature, allowLegacy: true) == .legacy)
        #expect(Self.key.publicKey.verifyObject(proof, signature: legacySignature, allowLegacy: false) == nil)
    }

    static let orderJSON = #"""
        {"id":"ord_abc123","ocid":500,"reference":"INV-001","amount":"99.99","currency":"USD",
         "items":[{"id":"item_001","name":"Product A","quantity":1,"price":"99.99"}],
         "memo":"Order from Merchant Store","createdAt":1706313600,"expiresAt":1706400000,"accepts":[100,101,102]}
        """#

    @Test func tv3OrderSignature() throws {
        let order = try JSONParser.parse(Self.orderJSON)
        let canonical =
            #"{"accepts":[100,101,102],"amount":"99.99","createdAt":1706313600,"currency":"USD","expiresAt":1706400000,"id":"ord_abc123","items":[{"id":"item_001","name":"Product A","price":"99.99","quantity":1}],"memo":"Order from Merchant Store","ocid":500,"reference":"INV-001"}"#
        #expect(CanonicalJSON.string(order) == canonical)
        #expect(SHA256Digest(hashing: CanonicalJSON.encode(order)).hex == "7a4a7a8ee2df3e56d5e6cce997426e19f393dd1c55c777617e1ff15d7e3df983")
        let signature = Self.key.signObject(order)
        #expect(
            signature.hex
                == "a669aa1e5551be4d65848178c3947da0763f8b0cca319437e8da07c0828151442139e883e27942d6448e67870db979968a87afb727d8228160d7ada68817dfb81b"
        )
        #expect(Self.key.publicKey.verifyObject(order, signature: signature, allowLegacy: false) == .recursive)

        let legacy = CanonicalJSON.encodeLegacy(order)
        #expect(
            String(decoding: legacy, as: UTF8.self)
                == canonical.replacingOccurrences(
                    of: #"[{"id":"item_001","name":"Product A","price":"99.99","quantity":1}]"#, with: #"[{"id":"item_001"}]"#)
        )
        #expect(SHA256Digest(hashing: legacy).hex == "c9480154415ef13445cd2af8dab18afa73c27d3aa7e1cb3cba7cb242ffbc9c5c")
        #expect(
            Self.key.sign(SHA256Digest(hashing: legacy)).hex
                == "c9610102834208168b65b8a36d913dd1076bc5a5d1768c8f5778e7a89820d349300726a228cacf0125a4b65bb16007d9fe284e32dda3c30fd56bd7d7a2c15a8c1b"
        )
    }

    @Test func tv4MetadataConfigSignature() throws {
        let config: JSONValue = [
            "publicKey": .string(Self.publicHex), "endpoint": "https://api.wallet.example/opencharge",
            "capabilities": ["checkout.create", "orders.create.session", "transfer.create", "transfer.webhook"],
            "settlement": ["currencies": ["USD", "EUR"], "accepts": [100, 101, 102]],
        ]
        #expect(
            CanonicalJSON.string(config)
                == #"{"capabilities":["checkout.create","orders.create.session","transfer.create","transfer.webhook"],"endpoint":"https://api.wallet.example/opencharge","publicKey":"\#(Self.publicHex)","settlement":{"accepts":[100,101,102],"currencies":["USD","EUR"]}}"#
        )
        #expect(SHA256Digest(hashing: CanonicalJSON.encode(config)).hex == "5001e9217876f464a56b896f32df76e66e42ca6b2e1b284606d1573823efc880")
        #expect(
            Self.key.signObject(config).hex
                == "8872fff7be6b1ec75232a98297eaedc5b1bc4c76bb478857f512a167dc218f5a4e38373dae2b0312007da0879dd30e00296e21f3165539023eb32a1642f5c1e71c"
        )
    }

    @Test func tv5GetWithoutBody() {
        let canonical = CanonicalRequest(
            ocid: 200, timestamp: 1_706_500_000, nonce: "req_test123", method: "GET", path: "/opencharge/capabilities",
            body: [UInt8]())
        #expect(canonical.text.hasSuffix("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        #expect(canonical.bodyHash == SHA256Digest.empty)
        #expect(canonical.digest.hex == "142fb489b0c3b7117ba4e9dae31ab0c2bd0848349ba3adc57cde956eb98bfddc")
        #expect(
            Self.key.sign(canonical.digest).hex
                == "220fdaf64c371c0a18da0fd5a77336f762a694eca553ab89f76296c17d449e73718ad14431aeac3f1e3c9201db734e924231a341f5129044479a8478754349591c"
        )
    }

    @Test func tv6ResponseSignature() {
        let body = Array(#"{"status":"accepted","txid":"test_tx_001"}"#.utf8)
        let canonical = CanonicalResponse(ocid: 300, timestamp: 1_706_500_001, status: 200, body: body)
        #expect(canonical.text == "300\n1706500001\n200\n2344c22c24bcf534723e569043ea5897ffc13d6afed09eb3f93ef89401dba047")
        #expect(canonical.digest.hex == "286141c34c0d47a2a77fcbf75c995fd81b592c97ec82884263cc6c4758008229")
        let headers = Self.key.signResponse(ocid: 300, status: 200, body: body, timestamp: 1_706_500_001)
        #expect(
            headers.signature
                == "941bb40647926852081dbaee0a4c2419b4155a5a4fd4513e02a6e5cb75308ee06ea3b8612becfb958836ae8ddcbe3cb34145a9b68d884dd0f54168ddcbbaf3ab1c"
        )
    }
}
