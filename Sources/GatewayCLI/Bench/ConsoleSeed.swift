import Foundation
import GatewayStore

/// Fills a spool for `bench console` and the browser check through the store contracts: sessions of ten MGs and
/// merchants, and jobs of the gateway's kinds with one attempt each, most succeeded, some dead with an MG's error,
/// the rest scheduled.
struct ConsoleSeed {
    let stores: GatewayStores
    let now: Date

    /// The MGs the seed spreads its rows over.
    static let gateways: [UInt64] = (300..<310).map(UInt64.init)
    static let kinds = ["callback.deliver", "proof.issue", "payment.poll", "settle.notify"]

    /// The first half of the seed's MGs as partners, the last of them disabled (the MG page shows both states).
    func partners() async throws {
        let admitted = Self.gateways.prefix(Self.gateways.count / 2)
        for ocid in admitted {
            try await stores.partners.add(
                Partner(
                    ocid: ocid, name: "Seed MG \(ocid)", publicKey: "02" + String(repeating: "ab", count: 32),
                    endpoint: "https://mg\(ocid).example/webhook", status: .enabled, addedAt: now))
        }
        if let last = admitted.last { try await stores.partners.setStatus(.disabled, for: last) }
    }

    func sessions(_ count: Int) async throws {
        try await inParallel(count) { index in
            let id = String(format: "cs_seed_%08d", index)
            let created = now.addingTimeInterval(-Double(count - index))
            let record = CheckoutSessionRecord(
                id: id, mgOCID: Self.gateways[index % Self.gateways.count], merchantOCID: 500 + UInt64(index % 10),
                orderID: "order-\(index)",
                orderJSON: "{\"items\":[{\"name\":\"Item \(index)\",\"price\":\"4.50\",\"quantity\":1}],\"orderId\":\"order-\(index)\"}",
                orderSignature: String(repeating: "ab", count: 65), requestDigest: id, amount: "4.50", currency: "USD",
                successURL: "https://merchant.example/ok", cancelURL: "https://merchant.example/cancel",
                status: SessionStatus.pending.rawValue, createdAt: created,
                expiresAt: Int64(created.timeIntervalSince1970) + 1800, merchantName: "Seed Shop \(index % 10)")
            _ = try await stores.sessions.create(record, nonce: nil, job: nil)
        }
    }

    /// `count` jobs: 80 % succeeded, 15 % dead, 5 % scheduled for tomorrow; every finished one with its attempt.
    func jobs(_ count: Int) async throws {
        let scheduled = count / 20
        let batch = 1_000
        for start in stride(from: 0, to: count - scheduled, by: batch) {
            let size = min(batch, count - scheduled - start)
            _ = try await stores.jobs.enqueue((start..<start + size).map { job($0, runAt: nil) })
            var finishes: [JobFinish] = []
            while finishes.count < size {
                let claimed = try await stores.jobs.claim(
                    kinds: Set(Self.kinds), limit: size - finishes.count, worker: "seed", lease: .seconds(600))
                if claimed.isEmpty { break }
                finishes += claimed.map { job in
                    let dead = job.id % 20 < 3
                    return JobFinish(job, dead ? .dead(Self.failure(job.id)) : .succeeded(note: "accepted by MG (HTTP 200)"))
                }
            }
            _ = try await stores.jobs.finish(finishes)
        }
        let tomorrow = now.addingTimeInterval(86_400)
        for start in stride(from: count - scheduled, to: count, by: batch) {
            _ = try await stores.jobs.enqueue((start..<min(start + batch, count)).map { job($0, runAt: tomorrow) })
        }
    }

    private func job(_ index: Int, runAt: Date?) -> NewJob {
        let kind = Self.kinds[index % Self.kinds.count]
        return NewJob(
            kind: kind, payload: Data("{\"txid\":\"seed_tx_\(index)\"}".utf8), runAt: runAt,
            uniqueKey: "\(kind):seed_\(index)", mgOCID: Self.gateways[index % Self.gateways.count])
    }

    private static func failure(_ id: Int64) -> AttemptFailure {
        AttemptFailure(
            error: id % 2 == 0 ? "HTTP 503 from the MG: upstream timeout" : "connection refused by 10.0.0.\(id % 250)",
            httpStatus: id % 2 == 0 ? 503 : nil,
            responseExcerpt: id % 2 == 0 ? "<html><body><h1>503 Service Unavailable</h1></body></html>" : nil)
    }

    /// Runs `body` for `0..<count`, 64 at a time, so the stores' group commits batch the writes.
    private func inParallel(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(64, count) {
                let index = next
                group.addTask { try await body(index) }
                next += 1
            }
            while try await group.next() != nil, next < count {
                let index = next
                group.addTask { try await body(index) }
                next += 1
            }
            try await group.waitForAll()
        }
    }
}
