/// `[settlement]`: what `ocgate settle` nets into statements, and which MGs get them delivered.
public struct SettlementSection: Sendable, Equatable {
    /// True settles only proofs the MG accepted; false also settles proofs still being delivered.
    public var requireAccepted: Bool
    /// The MGs that get each statement POSTed by a `settle.notify` job; empty (the default) delivers none.
    public var notify: [StatementNotifyTarget]

    /// Makes a section with the documented defaults.
    public init(requireAccepted: Bool = true, notify: [StatementNotifyTarget] = []) {
        self.requireAccepted = requireAccepted
        self.notify = notify
    }

    /// Where this MG's statements are delivered, if anywhere.
    public func notifyURL(for mgOCID: UInt64) -> String? {
        notify.first { $0.mgOCID == mgOCID }?.url
    }
}

/// One MG's statement delivery URL, written `OCID=URL` (`300=https://mg.example/ocgate/statements`).
public struct StatementNotifyTarget: Sendable, Equatable {
    public var mgOCID: UInt64
    public var url: String

    public init(mgOCID: UInt64, url: String) {
        self.mgOCID = mgOCID
        self.url = url
    }
}

extension SettlementSection: ConfigSection {
    static let name = "settlement"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("require_accepted", \.requireAccepted, .flag),
            .value(
                "notify", \.notify,
                ValueFormat.list(of: .notifyTarget).checked("a list of distinct OCID=URL entries, one per MG") {
                    Set($0.map(\.mgOCID)).count == $0.count
                }),
        ]
    }
}

extension ValueFormat where Value == StatementNotifyTarget {
    /// `OCID=URL`, the URL an absolute http(s) URL.
    static var notifyTarget: Self {
        ValueFormat(
            expected: "OCID=URL with an absolute http(s) URL",
            fromText: { text in
                let parts = text.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let ocid = ValueFormat<UInt64>.ocid.fromText(String(parts[0])),
                    let url = ValueFormat<String>.httpURL.fromText(String(parts[1]))
                else { return nil }
                return StatementNotifyTarget(mgOCID: ocid, url: url)
            },
            text: { "\($0.mgOCID)=\($0.url)" })
    }
}
