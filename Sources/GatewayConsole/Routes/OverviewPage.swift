import Foundation
import GatewayCore
import GatewayStore
import Hummingbird

/// The overview: activity per minute over the last hour, the queue at a glance, paused deliveries, and the drain
/// switch. It refreshes itself (a meta refresh: no script).
struct OverviewPage: Sendable {
    static let refreshSeconds = 15
    static let minutes = 60

    let stores: GatewayStores
    let actions: ConsoleActions
    let time: any TimeSource
    let kit: PageKit

    func register(on router: Router<ConsoleRequestContext>) {
        router.get("/") { _, context in try await show(context) }
        router.post("/drain") { _, context in
            try await kit.after(context, actions.setDraining(true, client: context.client), to: "/")
        }
        router.post("/resume") { _, context in
            try await kit.after(context, actions.setDraining(false, client: context.client), to: "/")
        }
    }

    private func show(_ context: ConsoleRequestContext) async throws -> Response {
        let now = time.now()
        // Whole minutes: the last bar is the minute in progress.
        let end = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let activity = try await stores.activity.perMinute(from: end.addingTimeInterval(-60 * Double(Self.minutes)), to: end)
        let stats = try await stores.jobs.stats(registeredKinds: GatewayJobs.kinds)
        let draining = try await stores.jobs.isDraining()
        let breakers = try await stores.deliveries.troubledBreakers().filter { $0.isOpen(at: now) }
        var values: [String: Any] = [
            "charts": [
                Self.chart("Checkouts", activity.map { ($0.minute, $0.checkouts, false) }),
                Self.chart("Payments", activity.map { ($0.minute, $0.payments, false) }),
                Self.chart("Proofs", activity.map { ($0.minute, $0.proofs, false) }),
                Self.chart("Deliveries", activity.map { ($0.minute, $0.deliveries, false) }),
                Self.chart("Failed deliveries", activity.map { ($0.minute, $0.deliveryFailures, true) }),
            ],
            "oldestDue": stats.oldestRunnableAge.map(Self.age) ?? "none waiting",
            "deadCount": stats.deadCount, "attemptsLastHour": stats.attemptsLastHour,
            "draining": draining,
            "hasUnhandled": !stats.unhandledKinds.isEmpty, "unhandledKinds": stats.unhandledKinds,
            "states": JobState.allCases.map(\.rawValue),
            "depth": Self.depth(stats),
            "breakers": breakers.map { breaker -> [String: Any] in
                ["mg": "\(breaker.mgOCID)", "failures": breaker.consecutiveFailures, "until": ConsoleRenderer.time(breaker.openUntil)]
            },
        ]
        if draining {
            values["pendingWork"] = try await stores.jobs.pendingWork(excludingKinds: GatewayJobs.maintenanceKinds)
        }
        return try kit.page(context, .overview, "overview", title: "Overview", values, refreshSeconds: Self.refreshSeconds)
    }

    /// One bar per minute, scaled to the busiest minute; each bar's title gives its minute and count.
    static func chart(_ label: String, _ points: [(minute: Date, value: Int, bad: Bool)]) -> [String: Any] {
        let peak = max(points.map(\.value).max() ?? 0, 1)
        let bars = points.enumerated().map { index, point -> [String: Any] in
            let height = point.value == 0 ? 0 : max(1, Int((Double(point.value) / Double(peak) * 78).rounded()))
            return [
                "x": index * 10, "y": 80 - height, "height": height, "bad": point.bad,
                "time": ConsoleRenderer.time(point.minute), "value": point.value,
            ]
        }
        return [
            "label": label, "bars": bars, "lastMinute": points.last?.value ?? 0,
            "total": points.reduce(0) { $0 + $1.value }, "peak": points.map(\.value).max() ?? 0,
        ]
    }

    /// Rows of kinds, a cell per state.
    private static func depth(_ stats: JobStats) -> [[String: Any]] {
        Set(stats.counts.keys.map(\.kind)).sorted().map { kind in
            [
                "kind": kind,
                "cells": JobState.allCases.map { state -> [String: Any] in
                    let count = stats.counts[JobStats.KindState(kind: kind, state: state)] ?? 0
                    return ["kind": kind, "state": state.rawValue, "count": count, "hasCount": count > 0]
                },
            ]
        }
    }

    static func age(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
