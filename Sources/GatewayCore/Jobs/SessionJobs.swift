import Foundation
import GatewayStore

/// `session.open`: finishes a session the acceptor stored. `{"session": id}`, once per session.
public struct SessionOpenJob: JobArguments {
    public static let kind = "session.open"
    public let session: String

    public init(session: String) { self.session = session }

    public init?(payload: Data) {
        guard let fields = JobPayload.decode(payload, "session") else { return nil }
        session = fields[0]
    }

    public var uniqueKey: String? { "\(Self.kind):\(session)" }
    public func encoded() -> Data { JobPayload.encode(["session": session]) }
}

/// The jobs a charge leads to carry `{"session", "charge"}`; their kinds and keys differ.
public protocol ChargeJobArguments: JobArguments {
    var session: String { get }
    var charge: String { get }
    init(session: String, charge: String)
}

extension ChargeJobArguments {
    public init?(payload: Data) {
        guard let fields = JobPayload.decode(payload, "session", "charge") else { return nil }
        self.init(session: fields[0], charge: fields[1])
    }

    public func encoded() -> Data { JobPayload.encode(["session": session, "charge": charge]) }
}

/// `payment.poll`: asks the backend again about a pending charge; once per charge.
public struct PaymentPollJob: ChargeJobArguments {
    public static let kind = "payment.poll"
    public let session: String
    public let charge: String

    public init(session: String, charge: String) {
        self.session = session
        self.charge = charge
    }

    public var uniqueKey: String? { "\(Self.kind):\(charge)" }
}

/// `proof.issue`: issues the proof of a paid session; once per session.
public struct ProofIssueJob: ChargeJobArguments {
    public static let kind = "proof.issue"
    public let session: String
    public let charge: String

    public init(session: String, charge: String) {
        self.session = session
        self.charge = charge
    }

    public var uniqueKey: String? { "\(Self.kind):\(session)" }
}

/// `callback.deliver`: delivers a proof to its MG. `{"txid"}`, once per proof.
public struct ProofDeliveryJob: JobArguments {
    public static let kind = "callback.deliver"
    public let txid: String

    public init(txid: String) { self.txid = txid }

    public init?(payload: Data) {
        guard let fields = JobPayload.decode(payload, "txid") else { return nil }
        txid = fields[0]
    }

    public var uniqueKey: String? { "\(Self.kind):\(txid)" }
    public func encoded() -> Data { JobPayload.encode(["txid": txid]) }
}

/// `settle.notify`: delivers a statement to its MG. `{"statement"}`, once per statement.
public struct StatementNotifyJob: JobArguments {
    public static let kind = "settle.notify"
    public let statement: String

    public init(statement: String) { self.statement = statement }

    public init?(payload: Data) {
        guard let fields = JobPayload.decode(payload, "statement") else { return nil }
        statement = fields[0]
    }

    public var uniqueKey: String? { "\(Self.kind):\(statement)" }
    public func encoded() -> Data { JobPayload.encode(["statement": statement]) }
}
