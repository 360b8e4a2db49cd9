import Foundation
import GatewayConfig
import GatewayCore
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

struct PeersDirectoryTests {
    let server = MetadataServer.shared
    let time = ManualTime()
    let logs = RecordedLogs()

    func directory(
        _ resolver: any OCIDResolving, documents: (any PeerDocumentStore)? = nil, timeout: Duration = .seconds(60),
        allowLegacy: Bool = true
    ) -> MetadataDirectory {
        MetadataDirectory(
            resolver: resolver, client: loopbackClient, documents: documents,
            time: time, ttl: .seconds(300), timeout: timeout, allowLegacy: allowLegacy, logger: logs.logger)
    }

    /// The error a look-up throws, or nil when it succeeded.
    func failure(of directory: MetadataDirectory, for ocid: UInt64) async -> APIError? {
        do {
            _ = try await directory.metadata(for: ocid)
            return nil
        } catch {
            return error
        }
    }

    /// Publishes `body` and returns a directory that resolves `ocid` to it.
    func serving(_ body: [UInt8], ocid: UInt64, name: String, documents: (any PeerDocumentStore)? = nil, status: Int = 200)
        async throws -> MetadataDirectory
    {
        let url = try await server.publish(name, body: body, status: status)
        return directory(RegistryResolver(entries: [ocid: url]), documents: documents)
    }

    @Test func resolvesFromTheRegistryFileAndReadsTheNestedForm() async throws {
        let peer = TestPeer(ocid: 300)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).toml").path
        let name = uniqueName()
        let url = try await server.publish(name, body: peer.nested())
        try "\"300\" = \"\(url)\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        var configuration = GatewayConfigurationFixture.make()
        configuration.registry.file = file
        let resolver = try RegistryResolver(configuration: configuration, client: loopbackClient)
        #expect(try await resolver.metadataURL(for: 300) == url)

        let metadata = try await directory(resolver).metadata(for: 300)
        #expect(metadata.ocid == 300)
        #expect(metadata.name == "Test MG")
        #expect(metadata.publicKey == peer.key.publicKey)
        #expect(metadata.endpoint == "https://mg.example/opencharge")
        #expect(metadata.capabilities == ["transfer.webhook"])
        #expect(metadata.currencies == ["USD"])
        #expect(metadata.accepts == [100, 200])
        #expect(metadata.previousKey == nil)
    }

    @Test func asksTheIndexForOCIDsTheFileDoesNotList() async throws {
        let peer = TestPeer(ocid: 301)
        let index = uniqueName("index")
        let metadataURL = try await server.publish(uniqueName(), body: peer.nested())
        _ = try await server.publish("\(index)-301", body: CanonicalJSON.encode(["metadataUrl": .string(metadataURL)]))
        let resolver = RegistryResolver(
            entries: [:], indexURL: "\(try await server.baseURL())/index/\(index)", client: loopbackClient)
        #expect(try await resolver.metadataURL(for: 301) == metadataURL)
        #expect(try await directory(resolver).metadata(for: 301).publicKey == peer.key.publicKey)

        // The index does not know 302: 404 there is UNKNOWN_OCID, not a gateway error.
        await #expect(throws: APIError.self) { try await resolver.metadataURL(for: 302) }
        let error = await failure(of: directory(resolver), for: 302)
        #expect(error?.code == .unknownOCID)
        #expect(error?.status == 401)
    }

    @Test func anOCIDUnknownEverywhereIs401UnknownOCID() async throws {
        let error = await failure(of: directory(RegistryResolver(entries: [:])), for: 999)
        #expect(error?.code == .unknownOCID)
        #expect(error?.status == 401)
        #expect(error?.message.contains("999") == true)
    }

    @Test func aServerThatIsDownIs502NamingTheOCID() async throws {
        let directory = directory(RegistryResolver(entries: [303: "http://127.0.0.1:1/metadata.json"]))
        let error = await #expect(throws: APIError.self) { try await directory.metadata(for: 303) }
        #expect(error?.code == .metadataUnavailable)
        #expect(error?.status == 502)
        #expect(error?.message.contains("OCID 303") == true)
    }

    @Test func aServerHangingPastTheTimeoutIs502() async throws {
        let name = uniqueName()
        let url = try await server.publish(name, body: TestPeer(ocid: 304).nested(), delay: .seconds(10))
        let directory = directory(RegistryResolver(entries: [304: url]), timeout: .milliseconds(300))
        let started = ContinuousClock.now
        let error = await #expect(throws: APIError.self) { try await directory.metadata(for: 304) }
        #expect(error?.code == .metadataUnavailable)
        #expect(error?.message.contains("timed out") == true)
        // Bounded: the call gave up long before the server's 10 s answer.
        #expect(ContinuousClock.now - started < .seconds(8))
    }

    @Test func aNon200AnswerIs502() async throws {
        let directory = try await serving(Array("oops".utf8), ocid: 305, name: uniqueName(), status: 500)
        let error = await #expect(throws: APIError.self) { try await directory.metadata(for: 305) }
        #expect(error?.code == .metadataUnavailable)
        #expect(error?.message.contains("HTTP 500") == true)
    }

    @Test func aBadConfigSignatureIs502() async throws {
        let peer = TestPeer(ocid: 306)
        let directory = try await serving(peer.nested(signedBy: .generate()), ocid: 306, name: uniqueName())
        let error = await #expect(throws: APIError.self) { try await directory.metadata(for: 306) }
        #expect(error?.code == .metadataUnavailable)
        #expect(error?.message.contains("signature") == true)
    }

    @Test(arguments: [
        (#"[1,2]"#, "not a JSON object"),
        (#"{"name":"x","config":{}}"#, "opencharge"),
        (#"{"opencharge":"0.1","config":{}}"#, "name"),
        (#"{"opencharge":"0.1","name":"x","config":{"publicKey":"abcd"}}"#, "config.publicKey"),
        (#"{"opencharge":"0.1","name":"x","config":5}"#, "config"),
    ])
    func aDocumentFailingTheSchemaIs502NamingTheField(document: String, field: String) async throws {
        let directory = try await serving(Array(document.utf8), ocid: 307, name: uniqueName())
        let error = await #expect(throws: APIError.self) { try await directory.metadata(for: 307) }
        #expect(error?.code == .metadataUnavailable)
        #expect(error?.message.contains(field) == true)
    }

    @Test func schemaChecksEndpointAndCapabilities() throws {
        let reader = PeerMetadataReader(allowLegacy: true)
        let key = PrivateKey.generate()
        func document(_ config: JSONValue) -> [UInt8] {
            CanonicalJSON.encode([
                "opencharge": "0.1", "name": "x", "config": config, "signature": .string(key.signObject(config).hex),
            ])
        }
        let relative: JSONValue = ["publicKey": .string(key.publicKey.hex), "endpoint": "/api", "capabilities": []]
        #expect(throws: MetadataProblem.self) { try reader.read(document(relative), ocid: 1) }
        let noCapabilities: JSONValue = ["publicKey": .string(key.publicKey.hex), "endpoint": "https://a.example"]
        #expect(throws: MetadataProblem.self) { try reader.read(document(noCapabilities), ocid: 1) }
        let compressed: JSONValue = [
            "publicKey": .string(key.publicKey.compressedHex), "endpoint": "https://a.example", "capabilities": [],
        ]
        #expect(try reader.read(document(compressed), ocid: 1).metadata.publicKey == key.publicKey)
    }

    @Test func aLegacyCanonicalSignatureVerifiesOnlyWhenAllowed() throws {
        let key = PrivateKey.generate()
        // A nested object makes the legacy (replacer-array) form differ from the recursive one.
        let config: JSONValue = [
            "publicKey": .string(key.publicKey.hex), "endpoint": "https://a.example", "capabilities": [],
            "settlement": ["currencies": ["USD"]],
        ]
        let legacySignature = key.sign(SHA256Digest(hashing: CanonicalJSON.encodeLegacy(config)))
        let body = CanonicalJSON.encode([
            "opencharge": "0.1", "name": "x", "config": config, "signature": .string(legacySignature.hex),
        ])
        #expect(try PeerMetadataReader(allowLegacy: true).read(body, ocid: 1).form == .signed(canonical: .legacy))
        #expect(throws: MetadataProblem.self) { try PeerMetadataReader(allowLegacy: false).read(body, ocid: 1) }
    }

    @Test func flatLegacyMetadataIsAccepted() async throws {
        let peer = TestPeer(ocid: 308)
        let directory = try await serving(peer.flat, ocid: 308, name: uniqueName())
        let metadata = try await directory.metadata(for: 308)
        #expect(metadata.publicKey == peer.key.publicKey)
        #expect(metadata.endpoint == peer.endpoint)
        #expect(try PeerMetadataReader(allowLegacy: true).read(peer.flat, ocid: 308).form == .flatUnsigned)
        #expect(logs.messages(at: .warning).contains { $0.contains("OCID 308") && $0.contains("flat") })
    }

    @Test func aCacheHitDoesNotRefetchUntilTheTTLPasses() async throws {
        let name = uniqueName()
        let directory = try await serving(TestPeer(ocid: 309).nested(), ocid: 309, name: name)
        for _ in 0..<5 { _ = try await directory.metadata(for: 309) }
        #expect(server.hits(name) == 1)
        time.advance(by: .seconds(299))
        _ = try await directory.metadata(for: 309)
        #expect(server.hits(name) == 1)
        time.advance(by: .seconds(2))
        _ = try await directory.metadata(for: 309)
        #expect(server.hits(name) == 2)
    }

    @Test func theCacheSurvivesANewDirectoryOnTheSameDatabase() async throws {
        let documents = try TestStores.sqlite(durability: .normal).peerDocuments
        let name = uniqueName()
        let peer = TestPeer(ocid: 310)
        let url = try await server.publish(name, body: peer.nested())
        _ = try await directory(RegistryResolver(entries: [310: url]), documents: documents).metadata(for: 310)
        #expect(server.hits(name) == 1)

        // A "restarted" process: new directory, same database, within the TTL.
        time.advance(by: .seconds(200))
        let restarted = directory(RegistryResolver(entries: [310: url]), documents: documents)
        #expect(try await restarted.metadata(for: 310).publicKey == peer.key.publicKey)
        #expect(server.hits(name) == 1)

        // Past the TTL the stored copy is not used.
        time.advance(by: .seconds(101))
        _ = try await directory(RegistryResolver(entries: [310: url]), documents: documents).metadata(for: 310)
        #expect(server.hits(name) == 2)
    }

    @Test func fiftyConcurrentMissesShareOneFetch() async throws {
        let name = uniqueName()
        let url = try await server.publish(name, body: TestPeer(ocid: 311).nested(), delay: .milliseconds(200))
        let directory = directory(RegistryResolver(entries: [311: url]))
        let keys = try await withThrowingTaskGroup(of: PublicKey.self) { group in
            for _ in 0..<50 { group.addTask { try await directory.metadata(for: 311).publicKey } }
            return try await group.reduce(into: Set<PublicKey>()) { $0.insert($1) }
        }
        #expect(keys.count == 1)
        #expect(server.hits(name) == 1)
    }

    @Test func aFailedFetchIsNotCached() async throws {
        let name = uniqueName()
        let peer = TestPeer(ocid: 312)
        let url = try await server.publish(name, body: [], status: 503)
        let directory = directory(RegistryResolver(entries: [312: url]))
        await #expect(throws: APIError.self) { try await directory.metadata(for: 312) }
        _ = try await server.publish(name, body: peer.nested())
        #expect(try await directory.metadata(for: 312).publicKey == peer.key.publicKey)
        #expect(server.hits(name) == 2)
    }

    @Test func aURLTheOutboundPolicyRefusesIs502() async throws {
        // Plain http to a non-loopback host is refused before any connection is made.
        let directory = directory(RegistryResolver(entries: [313: "http://peer.example/metadata.json"]))
        let error = await #expect(throws: APIError.self) { try await directory.metadata(for: 313) }
        #expect(error?.code == .metadataUnavailable)
        #expect(error?.message.contains("refused") == true)
        #expect(logs.messages(at: .warning).contains { $0.contains("OCID 313") && $0.contains("refused") })
    }

    @Test func previousKeyIsRead() async throws {
        let old = PrivateKey.generate()
        let peer = TestPeer(ocid: 314)
        let directory = try await serving(peer.nested(previousKey: old.publicKey), ocid: 314, name: uniqueName())
        let metadata = try await directory.metadata(for: 314)
        #expect(metadata.previousKey == old.publicKey)
        #expect(metadata.verificationKeys == [peer.key.publicKey, old.publicKey])
    }
}
