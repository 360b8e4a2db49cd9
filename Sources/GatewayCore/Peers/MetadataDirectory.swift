import Foundation
import GatewayConfig
import GatewayOutbound
import GatewayStore
import Logging
import Opencharge

/// The real `PeerDirectory`: resolves an OCID, fetches its metadata over the outbound policy, verifies it,
/// and caches it for the TTL in memory and in the database (so every process on the spool, and a restarted
/// one, reuses it).
///
/// Concurrent misses for one OCID share one fetch. A failed fetch is not cached and no stale document is
/// served: the caller gets 502 `METADATA_UNAVAILABLE`, which the peer retries, rather than a key the peer
/// may have rotated away from (docs/peers.md).
/// Safe as `@unchecked Sendable`: `entries` is read and written only under `lock`; the rest is immutable.
public final class MetadataDirectory: PeerDirectory, @unchecked Sendable {
    private enum Entry {
        case ready(PeerMetadata, expires: Date)
        case loading(Task<Result<PeerMetadata, APIError>, Never>)
    }

    private let resolver: any OCIDResolving
    private let client: OutboundClient
    private let documents: (any PeerDocumentStore)?
    private let reader: PeerMetadataReader
    private let time: any TimeSource
    private let ttl: Duration
    private let timeout: Duration
    private let logger: Logger
    private let lock = NSLock()
    private var entries: [UInt64: Entry] = [:]

    /// - Parameters:
    ///   - resolver: finds the metadata URL of an OCID.
    ///   - client: fetches documents under the outbound policy.
    ///   - documents: the database half of the cache; nil keeps the cache in memory only.
    ///   - ttl: how long a fetched document is reused.
    ///   - timeout: the time allowed for one fetch.
    ///   - allowLegacy: whether a config signature may verify over the legacy canonical form.
    public init(
        resolver: any OCIDResolving, client: OutboundClient, documents: (any PeerDocumentStore)?, time: any TimeSource = SystemTime(),
        ttl: Duration = .seconds(300), timeout: Duration = .seconds(5), allowLegacy: Bool = true, logger: Logger
    ) {
        self.resolver = resolver
        self.client = client
        self.documents = documents
        self.reader = PeerMetadataReader(allowLegacy: allowLegacy)
        self.time = time
        self.ttl = ttl
        self.timeout = timeout
        self.logger = logger
    }

    /// A directory configured from `registry.*`, `outbound.*` and `checkout.legacy_canonical`.
    /// - Throws: the `ConfigError` of a missing or malformed registry file.
    public convenience init(
        configuration: GatewayConfiguration, client: OutboundClient, documents: any PeerDocumentStore,
        time: any TimeSource = SystemTime(), logger: Logger
    ) throws(ConfigError) {
        self.init(
            resolver: try RegistryResolver(configuration: configuration, client: client), client: client,
            documents: documents, time: time, ttl: configuration.outbound.metadataCacheTTL,
            timeout: configuration.outbound.metadataTimeout, allowLegacy: configuration.checkout.legacyCanonical,
            logger: logger)
    }

    /// An outbound client with the policy of `outbound.*` (HTTPS only except loopback, no redirects, capped).
    public static func outboundClient(_ outbound: OutboundSection, maxConnections: Int = 64, logger: Logger) -> OutboundClient {
        OutboundClient(
            policy: OutboundPolicy(
                allowHosts: outbound.allowHosts, allowLoopback: outbound.allowLoopback,
                maxResponseBytes: outbound.maxResponseBytes, connectTimeout: outbound.metadataTimeout),
            maxConnections: maxConnections, logger: logger)
    }

    public func metadata(for ocid: UInt64) async throws(APIError) -> PeerMetadata {
        let now = time.now()
        // The hot path: a fresh entry is returned under the lock, without a task or a suspension.
        let entry: Entry = lock.withLock {
            switch entries[ocid] {
            case .ready(let metadata, let expires)? where expires > now:
                return .ready(metadata, expires: expires)
            case .loading(let task)?:
                return .loading(task)
            default:
                let task = Task { await self.load(ocid) }
                entries[ocid] = .loading(task)
                return .loading(task)
            }
        }
        switch entry {
        case .ready(let metadata, _): return metadata
        case .loading(let task): return try await task.value.get()
        }
    }

    /// Drops the cached metadata of `ocid` in this process, so the next call fetches it again (the database
    /// copy is still used while fresh).
    public func forget(_ ocid: UInt64) {
        lock.withLock { _ = entries.removeValue(forKey: ocid) }
    }

    private func load(_ ocid: UInt64) async -> Result<PeerMetadata, APIError> {
        let result: Result<(PeerMetadata, fetchedAt: Date), APIError>
        do throws(APIError) {
            result = .success(try await cachedOrFetched(ocid))
        } catch {
            result = .failure(error)
        }
        lock.withLock {
            if case .success(let (metadata, fetchedAt)) = result {
                entries[ocid] = .ready(metadata, expires: fetchedAt.addingTimeInterval(ttl.timeInterval))
            } else {
                entries[ocid] = nil
            }
        }
        return result.map { $0.0 }
    }

    private func cachedOrFetched(_ ocid: UInt64) async throws(APIError) -> (PeerMetadata, fetchedAt: Date) {
        if let stored = await freshStoredDocument(ocid), let read = try? reader.read(stored.document, ocid: ocid) {
            return (read.metadata, stored.fetchedAt)
        }
        let url = try await resolver.metadataURL(for: ocid)
        let fetchedAt = time.now()
        let body = try await fetch(url, ocid: ocid)
        let metadata: PeerMetadata
        do {
            let (read, form) = try reader.read(body, ocid: ocid)
            if form == .flatUnsigned {
                logger.warning("metadata of OCID \(ocid) at \(url) is the legacy flat form with no signature; accepted")
            }
            metadata = read
        } catch {
            logger.warning("metadata of OCID \(ocid) at \(url) refused: \(error)")
            throw APIError(.metadataUnavailable, "metadata of OCID \(ocid) is invalid: \(error)")
        }
        if let documents {
            do {
                try await documents.save(StoredPeerDocument(ocid: ocid, document: body, fetchedAt: fetchedAt))
            } catch {
                logger.error("could not store metadata of OCID \(ocid): \(error)")
            }
        }
        return (metadata, fetchedAt)
    }

    private func freshStoredDocument(_ ocid: UInt64) async -> StoredPeerDocument? {
        guard let documents else { return nil }
        do {
            guard let stored = try await documents.document(for: ocid),
                stored.fetchedAt.addingTimeInterval(ttl.timeInterval) > time.now()
            else { return nil }
            return stored
        } catch {
            logger.error("could not read stored metadata of OCID \(ocid): \(error)")
            return nil
        }
    }

    private func fetch(_ url: String, ocid: UInt64) async throws(APIError) -> [UInt8] {
        let response: OutboundResponse
        do {
            response = try await client.send(OutboundRequest(method: "GET", url: url, timeout: timeout))
        } catch {
            if case .refused = error {
                logger.warning("metadata URL of OCID \(ocid) refused by the outbound policy: \(error)")
            }
            throw APIError(.metadataUnavailable, "metadata of OCID \(ocid) unavailable: \(error)")
        }
        guard response.status == 200 else {
            throw APIError(.metadataUnavailable, "metadata of OCID \(ocid) unavailable: \(url) answered HTTP \(response.status)")
        }
        return response.body
    }
}
