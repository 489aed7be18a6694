// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "aloft",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aloft", targets: ["aloft"]),
        .library(name: "AloftCore", targets: ["AloftCore"]),
        .library(name: "AloftEngine", targets: ["AloftEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .target(name: "AloftCore", swiftSettings: swiftSettings),
        .target(
            name: "AloftLLM",
            dependencies: [
                "AloftCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AloftTools",
            dependencies: [
                "AloftCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AloftStore",
            dependencies: [
                "AloftCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AloftStorePostgres",
            dependencies: [
                "AloftCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AloftRuntime",
            dependencies: [
                "AloftCore", "AloftLLM", "AloftTools",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AloftEngine",
            dependencies: [
                "AloftRuntime",
                "AloftCore", "AloftLLM", "AloftTools", "AloftStore", "AloftStorePostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AloftServer",
            dependencies: [
                "AloftCore", "AloftLLM", "AloftTools", "AloftEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["OpenAPI/openapi.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "aloft",
            dependencies: [
                "AloftCore", "AloftLLM", "AloftTools", "AloftEngine", "AloftServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AloftFuzzing",
            dependencies: ["AloftCore", "AloftLLM", "AloftEngine"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "aloft-fuzz", dependencies: ["AloftFuzzing"], swiftSettings: swiftSettings),
        .target(
            name: "AloftTestSupport",
            dependencies: [
                "AloftCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AloftTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AloftCoreTests", dependencies: ["AloftCore"], swiftSettings: swiftSettings),
        .testTarget(name: "AloftLLMTests", dependencies: ["AloftLLM", "AloftTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AloftToolsTests",
            dependencies: [
                "AloftTools", "AloftTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AloftRuntimeTests", dependencies: ["AloftRuntime", "AloftTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AloftStoreTests", dependencies: ["AloftStore", "AloftTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AloftStorePostgresTests",
            dependencies: ["AloftStorePostgres", "AloftTestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AloftFuzzingTests", dependencies: ["AloftFuzzing"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AloftEngineTests",
            dependencies: [
                "AloftEngine", "AloftStorePostgres", "AloftTestSupport", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AloftServerTests",
            dependencies: [
                "AloftServer", "AloftTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AloftIntegrationTests",
            dependencies: [
                "AloftCore", "AloftLLM", "AloftTestSupport", "aloft", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
