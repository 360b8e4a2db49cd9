import Foundation

/// How a `JobWorker` runs.
public struct JobWorkerConfiguration: Sendable {
    /// The lease holder's name in the jobs table; unique per worker (host, pid and a random suffix by default).
    public var name: String
    /// Jobs run at once.
    public var concurrency: Int
    /// Only these kinds (of the registered ones); `nil` runs every registered kind.
    public var kinds: Set<String>?
    /// How long a claim holds a job without a heartbeat.
    public var lease: Duration
    /// How often a running job's lease is renewed.
    public var heartbeat: Duration
    /// The longest wait between polls for jobs other processes enqueued (polling starts at 10 ms and doubles).
    public var pollInterval: Duration
    /// How long shutdown waits for running jobs before releasing them back to the queue.
    public var gracePeriod: Duration
    /// A handler still running after this long is abandoned: the attempt ends as a retry, so a hung
    /// handler cannot hold its job forever through its heartbeat.
    public var handlerTimeout: Duration

    public init(
        name: String = JobWorkerConfiguration.defaultName(), concurrency: Int = 64, kinds: Set<String>? = nil,
        lease: Duration = .seconds(30), heartbeat: Duration = .seconds(10), pollInterval: Duration = .seconds(1),
        gracePeriod: Duration = .seconds(30), handlerTimeout: Duration = .seconds(300)
    ) {
        self.name = name
        self.concurrency = concurrency
        self.kinds = kinds
        self.lease = lease
        self.heartbeat = heartbeat
        self.pollInterval = pollInterval
        self.gracePeriod = gracePeriod
        self.handlerTimeout = handlerTimeout
    }

    /// `host:pid:random`, so two workers never share lease tokens.
    public static func defaultName() -> String {
        let info = ProcessInfo.processInfo
        return "\(info.hostName):\(info.processIdentifier):\(UInt32.random(in: 0...UInt32.max))"
    }
}
