// swift-tools-version:6.1
import PackageDescription

// Strict concurrency is the Swift 6 language mode default; these keep the code honest beyond it.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ocgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ocgate", targets: ["ocgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System C libraries, reached through module maps and pkg-config.
        .systemLibrary(
            name: "CSecp256k1", pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),

        // Protocol and signing: canonical JSON, secp256k1 keys and signatures, wire models.
        .target(
            name: "Opencharge",
            dependencies: [
                "CSecp256k1",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // Configuration: TOML file plus OCGATE_<SECTION>_<KEY> overrides.
        .target(
            name: "GatewayConfig",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict),
        // Storage contracts, the job queue's contract and the worker runtime: no database here.
        .target(
            name: "GatewayStore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The embedded backend: every store contract on SQLite through GRDB (the only module that imports GRDB).
        .target(
            name: "GatewayStoreSQLite",
            dependencies: [
                "GatewayStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The shared backend: every store contract on PostgreSQL through postgres-nio (the only module that imports it).
        .target(
            name: "GatewayStorePostgres",
            dependencies: [
                "GatewayStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // TLS to the database: trust roots and host name checks (`PostgresTLS`).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Outbound HTTP: libcurl with the outbound address policy.
        .target(
            name: "GatewayOutbound",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Gateway logic: identity, checkout, sessions, proofs, ledger, deliveries, settlement.
        .target(
            name: "GatewayCore",
            dependencies: [
                "Opencharge", "GatewayConfig", "GatewayStore", "GatewayOutbound",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        // HTTP server: the acceptor's routes on Hummingbird.
        .target(
            name: "GatewayServer",
            dependencies: [
                "GatewayCore", "GatewayStore", "Opencharge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The operator console: server-rendered pages on their own listener, reading and writing through the store
        // contracts only.
        .target(
            name: "GatewayConsole",
            dependencies: [
                "GatewayCore", "GatewayStore", "GatewayServer", "Opencharge",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Simulated merchant and Merchant Gateway on loopback: what `ocgate demo` and the tests talk to.
        .target(
            name: "GatewaySimulator",
            dependencies: [
                "Opencharge", "GatewayCore", "GatewayStore", "GatewayOutbound",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // The composition root: builds the storage backend `[store]` names, the peer directory and the payment
        // backend once, and hands them to everything else with the long-running pieces as services.
        .target(
            name: "GatewayAssembly",
            dependencies: [
                "GatewayConfig", "GatewayStore", "GatewayStoreSQLite", "GatewayStorePostgres", "GatewayOutbound", "GatewayCore",
                "GatewayServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Command line: every `ocgate` verb.
        .target(
            name: "GatewayCLI",
            dependencies: [
                "Opencharge", "GatewayConfig", "GatewayStore", "GatewayOutbound", "GatewayCore", "GatewayServer",
                "GatewayConsole", "GatewaySimulator", "GatewayAssembly",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "ocgate",
            dependencies: ["GatewayCLI"],
            swiftSettings: strict),

        .testTarget(name: "OpenchargeTests", dependencies: ["Opencharge"], swiftSettings: strict),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig"], swiftSettings: strict),
        .testTarget(
            name: "GatewayStoreTests",
            dependencies: [
                "GatewayStore", "GatewayStoreSQLite", "GatewayTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        // The store contracts' tests, written once against the protocols and run on every backend.
        .testTarget(
            name: "StoreConformanceTests",
            dependencies: [
                "GatewayStore", "GatewayStoreSQLite", "GatewayStorePostgres", "GatewayTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Test-only worker/enqueuer process that GatewayStoreTests spawns for multi-process runs.
        .executableTarget(
            name: "QueueProbe",
            dependencies: [
                "GatewayStore", "GatewayStoreSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Tests/QueueProbe",
            swiftSettings: strict),
        .testTarget(
            name: "GatewayOutboundTests",
            dependencies: [
                "GatewayOutbound", "GatewayTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Test helpers shared by every test target (directories, authenticators, ports, stores on either backend).
        .target(
            name: "GatewayTestSupport",
            dependencies: [
                "Opencharge", "GatewayCore", "GatewayStore", "GatewayStoreSQLite", "GatewayStorePostgres", "GatewayAssembly",
                "GatewayConfig", "GatewaySimulator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/GatewayTestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "GatewayCoreTests",
            dependencies: [
                "GatewayCore", "GatewayAssembly", "GatewayStore", "GatewayConfig", "GatewayOutbound", "GatewaySimulator", "GatewayTestSupport",
                "Opencharge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "GatewayServerTests",
            dependencies: [
                "GatewayServer", "GatewayCore", "GatewayStore", "GatewayConfig", "GatewaySimulator", "GatewayTestSupport",
                "Opencharge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "GatewayConsoleTests",
            dependencies: [
                "GatewayConsole", "GatewayCore", "GatewayStore", "GatewayTestSupport", "Opencharge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "GatewayCLITests",
            dependencies: [
                "GatewayCLI", "GatewayCore", "GatewayStore", "GatewayOutbound", "GatewaySimulator", "GatewayTestSupport",
                "Opencharge",
                // `store migrate`'s test makes and drops its own PostgreSQL database (PostgresAdmin).
                "GatewayStorePostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // A test LISTENs as another host would, to hear what a one-shot verb NOTIFYs.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict),
    ]
)
