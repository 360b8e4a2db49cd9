import Opencharge
import Testing

struct ModelValidationTests {
    typealias Mutation = @Sendable (inout JSONObject) -> Void

    static func request(_ mutate: @Sendable (inout JSONObject) -> Void = { _ in }) throws -> JSONValue {
        var body = try JSONParser.parse(
            #"{"order":\#(TestVectorTests.orderJSON),"signature":"\#(String(repeating: "11", count: 64))1b","merchantOcid":500,"urls":{"success":"https://m.example/ok","cancel":"https://m.example/no"}}"#
        ).objectValue!
        mutate(&body)
        return .object(body)
    }

    static func order(_ mutate: @Sendable (inout JSONObject) -> Void) throws -> JSONValue {
        try request { body in
            var order = body["order"]!.objectValue!
            mutate(&order)
            body["order"] = .object(order)
        }
    }

    @Test func acceptsTheSpecExample() throws {
        let request = try CheckoutCreateRequest(json: try Self.request())
        #expect(request.order.id == "ord_abc123")
        #expect(request.order.amount == "99.99")
        #expect(request.order.accepts == [100, 101, 102])
        #expect(request.order.items == [try OrderItem(json: ["id": "item_001", "name": "Product A", "quantity": 1, "price": "99.99"], path: "i")])
        #expect(request.merchantOcid == 500)
        #expect(request.urls == CheckoutURLs(success: "https://m.example/ok", cancel: "https://m.example/no"))
        #expect(request.order.itemsTotal == DecimalAmount("99.99"))
    }

    @Test func acceptsMerchantURLNamesAsFallback() throws {
        let json = try Self.request { $0["urls"] = ["completed": "https://m.example/c", "cancelled": "http://m.example/x"] }
        #expect(try CheckoutCreateRequest(json: json).urls == CheckoutURLs(success: "https://m.example/c", cancel: "http://m.example/x"))
    }

    static let orderCases: [(String, Mutation)] = [
        ("order.amount", { (o: inout JSONObject) in o["amount"] = "9.9.9" }),
        ("order.amount", { (o: inout JSONObject) in o["amount"] = "-1.00" }),
        ("order.amount", { (o: inout JSONObject) in o["amount"] = "1e5" }),
        ("order.amount", { (o: inout JSONObject) in o["amount"] = .integer(5) }),
        ("order.amount", { (o: inout JSONObject) in o["amount"] = nil }),
        ("order.id", { (o: inout JSONObject) in o["id"] = .string(String(repeating: "x", count: 201)) }),
        ("order.id", { (o: inout JSONObject) in o["id"] = "" }),
        ("order.ocid", { (o: inout JSONObject) in o["ocid"] = .integer(-5) }),
        ("order.ocid", { (o: inout JSONObject) in o["ocid"] = "500" }),
        ("order.ocid", { (o: inout JSONObject) in o["ocid"] = .number(try! JSONParser.parse("[500.5]").arrayValue![0].numberValue!) }),
        ("order.createdAt", { (o: inout JSONObject) in o["createdAt"] = .number(try! JSONParser.parse("[1.7e9]").arrayValue![0].numberValue!) }),
        ("order.expiresAt", { (o: inout JSONObject) in o["expiresAt"] = "tomorrow" }),
        ("order.accepts[1]", { (o: inout JSONObject) in o["accepts"] = [100, "x"] }),
        ("order.accepts", { (o: inout JSONObject) in o["accepts"] = 100 }),
        ("order.items[0].quantity", { (o: inout JSONObject) in o["items"] = [["id": "a", "name": "n", "quantity": 0, "price": "1"]] }),
        ("order.items[0].price", { (o: inout JSONObject) in o["items"] = [["id": "a", "name": "n", "quantity": 1, "price": "$1"]] }),
        ("order.items[0].name", { (o: inout JSONObject) in o["items"] = [["id": "a", "quantity": 1, "price": "1"]] }),
        ("order.items[0]", { (o: inout JSONObject) in o["items"] = ["not an object"] }),
        ("order.currency", { (o: inout JSONObject) in o["currency"] = "US D" }),
        ("order.memo", { (o: inout JSONObject) in o["memo"] = .string(String(repeating: "m", count: 1_001)) }),
    ]

    @Test(arguments: orderCases)
    func orderErrorsNameTheField(_ field: String, _ mutate: @Sendable (inout JSONObject) -> Void) throws {
        let json = try Self.order(mutate)
        #expect { try CheckoutCreateRequest(json: json) } throws: { ($0 as? ValidationError)?.field == field }
    }

    static let requestCases: [(String, Mutation)] = [
        ("order", { (b: inout JSONObject) in b["order"] = nil }),
        ("order", { (b: inout JSONObject) in b["order"] = [1, 2] }),
        ("signature", { (b: inout JSONObject) in b["signature"] = "abc" }),
        ("signature", { (b: inout JSONObject) in b["signature"] = .integer(1) }),
        ("merchantOcid", { (b: inout JSONObject) in b["merchantOcid"] = nil }),
        ("urls", { (b: inout JSONObject) in b["urls"] = "https://x" }),
        ("urls.success", { (b: inout JSONObject) in b["urls"] = ["cancel": "https://m/x"] }),
        ("urls.success", { (b: inout JSONObject) in b["urls"] = ["success": "/relative", "cancel": "https://m/x"] }),
        ("urls.cancel", { (b: inout JSONObject) in b["urls"] = ["success": "https://m/x", "cancel": "javascript:alert(1)"] }),
    ]

    @Test(arguments: requestCases)
    func requestErrorsNameTheField(_ field: String, _ mutate: @Sendable (inout JSONObject) -> Void) throws {
        let json = try Self.request(mutate)
        #expect { try CheckoutCreateRequest(json: json) } throws: { ($0 as? ValidationError)?.field == field }
    }

    @Test func unknownFieldsAreKeptForTheSignature() throws {
        let json = try Self.order { $0["loyaltyPoints"] = 12 }
        let request = try CheckoutCreateRequest(json: json)
        #expect(CanonicalJSON.string(request.order.json).contains(#""loyaltyPoints":12"#))
    }

    @Test func errorBodyAndStatusComeFromOnePlace() {
        let error = APIError.invalidRequest(ValidationError(field: "order.amount", problem: "must be a decimal string"))
        #expect(error.status == 400)
        #expect(
            CanonicalJSON.string(error.json)
                == #"{"error":{"code":"INVALID_REQUEST","details":{"field":"order.amount","problem":"must be a decimal string"},"message":"order.amount: must be a decimal string"}}"#
        )
        #expect(APIError(.invalidSignature, "bad").status == 401)
        #expect(APIError.invalidOrderSignature("Order signature invalid").status == 400)
        #expect(APIError(.metadataUnavailable, "down").status == 502)
        #expect(APIError(.orderConflict, "x").status == 409)
    }
}

struct DecimalAmountTests {
    @Test func addsExactly() {
        #expect((DecimalAmount("0.10")! + DecimalAmount("0.20")!).description == "0.30")
        #expect(DecimalAmount("0.1")! + DecimalAmount("0.2")! == DecimalAmount("0.3")!)
        #expect((DecimalAmount("1")! + DecimalAmount("0.005")!).description == "1.005")
        // Past 2^53 minor units, where a Double would round.
        let big = DecimalAmount("90071992547409.93")!
        #expect((big + DecimalAmount("0.01")!).description == "90071992547409.94")
        #expect(DecimalAmount("99999999999999999999.99")!.times(3).description == "299999999999999999999.97")
        #expect(DecimalAmount("1.50")! == DecimalAmount("1.5")!)
        #expect(DecimalAmount("1.50")!.hashValue == DecimalAmount("1.5")!.hashValue)
        #expect(DecimalAmount("2")! > DecimalAmount("1.99")!)
        #expect(DecimalAmount("0.000000000000000001")!.description == "0.000000000000000001")
    }

    @Test(arguments: ["", ".5", "5.", "1,00", "-1", "1e3", " 1", "0x10", "١"])
    func refusesMalformed(_ text: String) {
        #expect(DecimalAmount(text) == nil)
    }
}
