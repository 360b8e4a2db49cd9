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
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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
        // Storage and queue: SQLite through GRDB behind a storage protocol.
        .target(
            name: "GatewayStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
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
        // Command line: every `ocgate` verb.
        .target(
            name: "GatewayCLI",
            dependencies: [
                "Opencharge", "GatewayConfig", "GatewayStore", "GatewayOutbound",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "ocgate",
            dependencies: ["GatewayCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        .testTarget(name: "OpenchargeTests", dependencies: ["Opencharge"], swiftSettings: strict),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig"], swiftSettings: strict),
        .testTarget(name: "GatewayStoreTests", dependencies: ["GatewayStore"], swiftSettings: strict),
        .testTarget(
            name: "GatewayOutboundTests",
            dependencies: [
                "GatewayOutbound",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "GatewayCLITests", dependencies: ["GatewayCLI"], swiftSettings: strict),
    ]
)
