import Foundation
import GatewayOutbound
import GatewayStore
import Logging
import Opencharge

/// The `http` backend (`payment.backend = http`): a generic external processor. A charge starts with a POST to
/// the start URL; `payment.poll` then reads the status URL until the charge settles.
///
/// The session is claimed (`processing`, `payment.poll` queued at once) before the processor hears of the
/// charge, so double clicks and concurrent posts ask for one charge. The start is idempotent on the charge
/// reference, so a poll can finish a start that got no answer (processor down, server killed mid-call).
public struct HTTPPaymentBackend: PaymentBackend {
    /// The one choice the page offers: the processor, not the customer, decides the outcome.
    public static let payChoice = "pay"
    /// What the customer reads when the processor refuses the charge.
    public static let declineReason = "The payment processor declined this payment. No money was taken; you can try again."

    public let name = "http"
    public let sessions: any CheckoutSessionStore
    public let charges: any ChargeStore
    public let processor: ProcessorSettings
    public let client: OutboundClient
    public let time: any TimeSource
    public let logger: Logger

    public init(
        sessions: any CheckoutSessionStore, charges: any ChargeStore, processor: ProcessorSettings, client: OutboundClient, time: any TimeSource,
        logger: Logger
    ) {
        self.sessions = sessions
        self.charges = charges
        self.processor = processor
        self.client = client
        self.time = time
        self.logger = logger
    }

    public var choices: [PaymentChoice] { [PaymentChoice(id: Self.payChoice, label: "Pay now")] }

    /// The processor never settles a charge within its start, so there is nothing for `holder` to finish: the poll
    /// is only queued.
    public func startCharge(for session: CheckoutSessionRecord, choice: String, heldBy holder: JobHolder?)
        async throws(PaymentError) -> ChargeStart
    {
        guard choice == Self.payChoice else { throw .unknownChoice(choice) }
        let now = time.now()
        let reference = ChargeReference.make(prefix: "htp_", at: now)
        let charge = ChargeRecord(
            reference: reference, sessionID: session.id, backend: name, state: .pending, settlesAt: nil, createdAt: now)
        let claim: SessionClaim
        do {
            claim = try await charges.claim(
                sessionID: session.id, for: charge,
                job: PaymentPollJob(session: session.id, charge: reference).job(runAt: now, mgOCID: session.mgOCID),
                now: now)
        } catch {
            throw .unavailable("\(error)")
        }
        switch claim {
        case .claimed: break
        case .notPayable(let current): return .notPayable(current)
        case .unknown: return .notPayable(session)
        }
        do {
            if try await start(reference: reference, session: session) == .failed {
                _ = try await charges.fail(chargeReference: reference, sessionID: session.id, now: time.now())
                return .declined(reason: Self.declineReason)
            }
        } catch let error as ProcessorError {
            if case .refused = error {
                logger.error("charge \(reference) of session \(session.id) failed: \(error)")
                do {
                    _ = try await charges.fail(chargeReference: reference, sessionID: session.id, now: time.now())
                } catch {
                    throw .unavailable("\(error)")
                }
                return .declined(reason: Self.declineReason)
            }
            // Not settled either way: the queued poll starts it again with the same reference.
            logger.warning("charge \(reference) of session \(session.id) not started yet: \(error)")
        } catch {
            throw .unavailable("\(error)")
        }
        return .pending(reference: reference)
    }

    /// Reads the charge at the processor; a charge that never got the processor's answer is started again.
    /// A 4xx reports `failed` (logged with its reason); 5xx, timeouts and network errors throw, so the poll retries.
    public func state(ofCharge reference: String) async throws(PaymentError) -> ChargeRecord.State {
        do {
            guard let charge = try await charges.charge(reference: reference), charge.backend == name else {
                throw PaymentError.unknownCharge(reference)
            }
            guard charge.state == .pending else { return charge.state }
            guard let processorID = charge.processorID else {
                guard let session = try await sessions.session(id: charge.sessionID) else {
                    throw PaymentError.unknownCharge(reference)
                }
                return try await start(reference: reference, session: session)
            }
            return try await call(processor.statusRequest(processorID: processorID), reference: reference).state
        } catch let error as PaymentError {
            throw error
        } catch let error as ProcessorError {
            if case .refused = error {
                logger.error("charge \(reference) failed: \(error)")
                return .failed
            }
            throw .unavailable(error.description)
        } catch {
            throw .unavailable("\(error)")
        }
    }

    /// POSTs the start and records the processor's id of the charge.
    private func start(reference: String, session: CheckoutSessionRecord) async throws -> ChargeRecord.State {
        let body = CanonicalJSON.encode([
            "reference": .string(reference), "session": .string(session.id), "order": .string(session.orderID),
            "amount": .string(session.amount), "currency": .string(session.currency),
        ])
        let reply = try await call(processor.startRequest(reference: reference, body: body), reference: reference)
        _ = try await charges.recordProcessorID(reply.id, forCharge: reference)
        return reply.state
    }

    private func call(_ request: OutboundRequest, reference: String) async throws(ProcessorError) -> ProcessorReply {
        let response: OutboundResponse
        do {
            response = try await client.send(request)
        } catch {
            throw .unavailable(processor.redact(error.description))
        }
        // Redacted before it is cut short, so no part of the secret survives at the cut.
        let excerpt = String(processor.redact(String(decoding: response.body, as: UTF8.self)).prefix(200))
        switch response.status {
        case 200..<300:
            guard let reply = ProcessorReply(response.body) else { throw .malformedReply(excerpt) }
            return reply
        case 400..<500:
            throw .refused(status: response.status, excerpt: excerpt)
        default:
            throw .unavailable("HTTP \(response.status): \(excerpt)")
        }
    }
}

/// The processor's answer to a start or a status read.
struct ProcessorReply: Equatable {
    let id: String
    let state: ChargeRecord.State

    init?(_ body: [UInt8]) {
        guard let json = try? JSONParser.parse(body), let id = json["id"]?.stringValue, !id.isEmpty,
            let status = json["status"]?.stringValue, let state = ChargeRecord.State(rawValue: status)
        else { return nil }
        self.id = id
        self.state = state
    }
}
