import Foundation
import GatewayCore
import GatewayStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Statements with their downloads, and the `ocgate settle report` view.
struct SettlementPages: Sendable {
    let stores: GatewayStores
    let kit: PageKit

    func register(on router: Router<ConsoleRequestContext>) {
        router.get("/settlement") { _, context in try await show(context) }
        router.get("/settlement/statements/:file") { _, context in try await download(context) }
    }

    private func show(_ context: ConsoleRequestContext) async throws -> Response {
        let report = try await Reconciliation.load(stores, from: nil, to: nil)
        let statements = try await stores.settlement.statements().reversed()
        let values: [String: Any] = [
            "hasInvalid": !report.invalid.isEmpty, "invalid": report.invalid,
            "lines": report.lines.map { line -> [String: Any] in
                func tally(_ tally: Reconciliation.Tally) -> String { "\(tally.total) (\(tally.count))" }
                return [
                    "mg": "\(line.mgOCID)", "currency": line.currency, "issued": tally(line.issued),
                    "delivered": tally(line.delivered), "accepted": tally(line.accepted),
                    "settled": tally(line.settled), "unsettled": tally(line.unsettled),
                ]
            },
            "stuck": report.stuck.map { stuck -> [String: Any] in
                let entry = stuck.entry
                return [
                    "condition": stuck.condition, "txid": entry.ledger.txid, "session": entry.sessionID,
                    "mg": "\(entry.ledger.mgOCID)", "amount": entry.ledger.amount, "currency": entry.ledger.currency,
                    "attempts": entry.deliveryAttempts, "next": ConsoleRenderer.time(entry.nextAttemptAt),
                    "error": entry.lastError ?? "",
                ]
            },
            "statements": statements.map { statement -> [String: Any] in
                [
                    "id": statement.id, "mg": "\(statement.mgOCID)",
                    "period": "\(statement.periodStart.map(ConsoleRenderer.time) ?? "start") – \(ConsoleRenderer.time(statement.periodEnd))",
                    "entries": statement.entryCount, "total": statement.total, "currency": statement.currency,
                    "notify": statement.notifyState?.rawValue ?? "not sent",
                ]
            },
        ]
        return try kit.page(context, .settlement, "settlement", title: "Settlement", values)
    }

    /// `<id>.json` (the signed statement as written) or `<id>.csv` (its entries as written), from the store, so
    /// any host's console serves what the settling host wrote.
    private func download(_ context: ConsoleRequestContext) async throws -> Response {
        _ = try PageKit.login(context)
        let file = context.parameters.get("file") ?? ""
        let (id, format) = file.hasSuffix(".json") ? (String(file.dropLast(5)), "json")
            : file.hasSuffix(".csv") ? (String(file.dropLast(4)), "csv") : ("", "")
        guard !id.isEmpty, let statement = try await stores.settlement.statement(id: id) else {
            throw ConsoleError.notFound("no statement file \(file)")
        }
        let bytes: [UInt8]
        var headers = HTTPFields()
        if format == "json" {
            bytes = statement.signedBody
            headers[.contentType] = "application/json"
        } else {
            bytes = Array(StatementDocument.csv(statement, entries: try await stores.settlement.entries(statementID: id)).utf8)
            headers[.contentType] = "text/csv; charset=utf-8"
        }
        // The id is the store's own (`<mg>-<currency>-<cut-off>`), yet quoted and stripped of quotes all the same.
        headers[.contentDisposition] = "attachment; filename=\"\(file.filter { $0 != "\"" && $0 != "\\" })\""
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
