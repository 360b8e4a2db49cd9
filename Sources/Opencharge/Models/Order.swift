/// A merchant's signed order (spec §4.2). `json` keeps the object exactly as received: the
/// merchant's signature covers that, not a re-encoding of these fields.
public struct Order: Sendable, Equatable {
    public let json: JSONValue
    public let id: String
    public let ocid: UInt64
    public let reference: String?
    public let amount: String
    public let currency: String
    public let items: [OrderItem]
    public let memo: String?
    public let createdAt: Int64
    public let expiresAt: Int64?
    public let accepts: [UInt64]?

    /// Validates an order object; errors name the field under `path`.
    public init(json: JSONValue, path: String = "order") throws(ValidationError) {
        let reader = try FieldReader(json, path: path)
        self.json = json
        id = try reader.string("id", maxLength: Limits.identifierLength)
        ocid = try reader.ocid("ocid")
        reference = try reader.optionalString("reference", maxLength: Limits.identifierLength)
        amount = try reader.amount("amount")
        currency = try reader.currency("currency")
        var items: [OrderItem] = []
        for (index, item) in (try reader.array("items", maxCount: Limits.items) ?? []).enumerated() {
            items.append(try OrderItem(json: item, path: reader.name("items") + "[\(index)]"))
        }
        self.items = items
        memo = try reader.optionalString("memo", maxLength: Limits.textLength)
        createdAt = try reader.integer("createdAt", in: 0...Int64(UInt32.max) * 64)
        expiresAt = try reader.optionalInteger("expiresAt", in: 0...Int64(UInt32.max) * 64)
        if let accepts = try reader.array("accepts", maxCount: Limits.accepts) {
            var ocids: [UInt64] = []
            for (index, element) in accepts.enumerated() {
                ocids.append(try FieldReader.ocid(element, field: reader.name("accepts") + "[\(index)]"))
            }
            self.accepts = ocids
        } else {
            self.accepts = nil
        }
    }

    /// Σ quantity × price, when every price parses; spec §13 item 22 only warns on a mismatch.
    public var itemsTotal: DecimalAmount? {
        var total = DecimalAmount.zero
        for item in items {
            guard let price = DecimalAmount(item.price) else { return nil }
            total += price.times(item.quantity)
        }
        return total
    }
}

/// One line of an order.
public struct OrderItem: Sendable, Equatable {
    public let id: String
    public let name: String
    public let quantity: Int
    public let price: String

    public init(json: JSONValue, path: String) throws(ValidationError) {
        let reader = try FieldReader(json, path: path)
        id = try reader.string("id", maxLength: Limits.identifierLength)
        name = try reader.string("name", maxLength: Limits.textLength)
        quantity = Int(try reader.integer("quantity", in: 1...1_000_000))
        price = try reader.amount("price")
    }
}
