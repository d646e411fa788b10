// swift-tools-version: 6.1
import PackageDescription

/// Set by `scripts/fuzz.sh` only, which builds the fuzz products alone (no other product links the fuzzer's
/// runtime): our own modules are compiled with libFuzzer's coverage and AddressSanitizer, and the fuzz
/// targets linked with libFuzzer's driver. The dependencies are not instrumented: they are not what the targets
/// fuzz, and compiling them with the sanitizers took more than half of the fuzz build's eight minutes. So a fuzz
/// build can reuse a test build's dependencies (`FUZZ_BUILD_PATH=.build`).
let fuzzing = Context.environment["CHAMBER_FUZZ"] == "1"

let swiftSettings: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ] + (fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"]), .define("FUZZING")] : [])

/// lld: gold fails on the fuzzer runtime's symbols.
let fuzzTargetLinking: [LinkerSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])] : []

let package = Package(
    name: "ChamberConnect",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chamberconnect", targets: ["chamberconnect"]),
        .executable(name: "chamber-load", targets: ["chamber-load"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // NamedStatement relies on how 1.33 reads a prepared statement's static members: a newer minor is checked first.
        .package(url: "https://github.com/vapor/postgres-nio.git", .upToNextMinor(from: "1.33.2")),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
    ],
    targets: [
        // JSON written in one pass (frames, stored events, the size of a message's data) and read in one pass (client
        // frames, the configuration file, free-form JSON columns). Foundation only.
        .target(
            name: "ChamberJSON",
            swiftSettings: swiftSettings
        ),
        // Pure domain: entities, rules, permissions, ports. No networking, no SQL.
        .target(
            name: "ChamberDomain",
            swiftSettings: swiftSettings
        ),
        // SQL adapters of the domain's store ports: SQLite (embedded default) and PostgreSQL.
        .target(
            name: "ChamberStorage",
            dependencies: [
                "ChamberDomain",
                "ChamberJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Its pool's own errors (a tripped circuit breaker, a pool shut down), which PostgresNIO does not wrap.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The real-time hub: connections, subscriptions, ordered encode-once fan-out, presence, typing, the broker port.
        .target(
            name: "ChamberRealtime",
            dependencies: [
                "ChamberDomain",
                "ChamberJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // hiredis (Debian libhiredis-dev): no Swift Redis client exists here, so Redis goes through the C library.
        // No pkgConfig: its -D_FILE_OFFSET_BITS=64 is a flag SwiftPM refuses (with a warning on every build); the
        // header is at <hiredis/hiredis.h> and the module map links the library.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // The Redis adapter of the hub's broker port: pub/sub fan-out between the nodes of a cluster.
        .target(
            name: "ChamberRedis",
            dependencies: [
                "CHiredis",
                "ChamberDomain",
                "ChamberRealtime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Notification delivery: the providers' wire formats and their HTTP clients.
        .target(
            name: "ChamberNotify",
            dependencies: [
                "ChamberDomain",
                "ChamberJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Card payments: a Stripe-compatible processor's API and its signed webhooks.
        .target(
            name: "ChamberPayments",
            dependencies: [
                "ChamberDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Sign-in with OpenID Connect providers: discovery, the code flow with PKCE, ID tokens checked against JWKS.
        .target(
            name: "ChamberSignIn",
            dependencies: [
                "ChamberDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // File stores: the local file system and S3-compatible object stores (SigV4).
        .target(
            name: "ChamberFiles",
            dependencies: [
                "ChamberDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hummingbird application: REST routes, auth middleware, operations endpoints.
        .target(
            name: "ChamberHTTP",
            dependencies: [
                "ChamberDomain",
                "ChamberRealtime",
                "ChamberJSON",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Configuration and the composition root: the one place where adapters are wired to the domain.
        .target(
            name: "ChamberServer",
            dependencies: [
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                "ChamberDomain",
                "ChamberJSON",
                "ChamberRealtime",
                "ChamberStorage",
                "ChamberRedis",
                "ChamberHTTP",
                "ChamberNotify",
                "ChamberFiles",
                "ChamberPayments",
                "ChamberSignIn",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one executable: the command line over ChamberServer.
        .executableTarget(
            name: "chamberconnect",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                "ChamberDomain",
                "ChamberStorage",
                "ChamberHTTP",
                "ChamberServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzzing (scripts/fuzz.sh): what each target checks; the libFuzzer targets are added below.
        .target(name: "CLibFuzzer", path: "Fuzz/Sources/CLibFuzzer"),
        .target(
            name: "ChamberFuzzing",
            dependencies: ["ChamberDomain", "ChamberRealtime", "ChamberRedis", "ChamberServer", "ChamberStorage", "CLibFuzzer"],
            path: "Fuzz/Sources/ChamberFuzzing",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ChamberFuzzingTests", dependencies: ["ChamberFuzzing"], swiftSettings: swiftSettings),
        // Test helpers shared by the test targets: the database backends under test.
        .target(
            name: "ChamberTestSupport",
            dependencies: [
                "ChamberDomain",
                "ChamberStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Micro-benchmarks of the hot path (run in release: swift run -c release hub-benchmarks).
        .executableTarget(
            name: "hub-benchmarks",
            dependencies: [
                "ChamberDomain",
                "ChamberRealtime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HubBenchmarks",
            swiftSettings: swiftSettings
        ),
        // The load tester's pure parts: scenarios, the run plan, frame scanning, results, the HTML report.
        .target(
            name: "ChamberLoadKit",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "LoadTests/ChamberLoadKit",
            swiftSettings: swiftSettings
        ),
        // chamber-load: the load tester (SwiftNIO client, worker processes). See LoadTests/README.md.
        .executableTarget(
            name: "chamber-load",
            dependencies: [
                "ChamberLoadKit",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "LoadTests/chamber-load",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberLoadTests",
            dependencies: ["ChamberLoadKit", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberRealtimeTests",
            dependencies: [
                "ChamberJSON",
                "ChamberDomain",
                "ChamberRealtime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberDomainTests",
            dependencies: ["ChamberDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberNotifyTests",
            dependencies: [
                "ChamberDomain", "ChamberNotify", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberPaymentsTests",
            dependencies: ["ChamberDomain", "ChamberPayments", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberFilesTests",
            dependencies: ["ChamberDomain", "ChamberFiles", "ChamberTestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberStorageTests",
            dependencies: ["ChamberDomain", "ChamberStorage", "ChamberTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Tests that start servers: REST, the hub and the cluster through real sockets and processes.
        .testTarget(
            name: "ChamberEndToEndTests",
            dependencies: [
                "ChamberDomain",
                "ChamberStorage",
                "ChamberHTTP",
                "ChamberServer",
                "ChamberTestSupport",
                "ChamberNotify",
                "ChamberPayments",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                "ChamberRealtime",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "JWTKit", package: "jwt-kit"),
                "ChamberRedis",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberSignInTests",
            dependencies: ["ChamberSignIn", "ChamberDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberHTTPTests",
            dependencies: [
                "ChamberHTTP",
                "ChamberDomain",
                "ChamberJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberRedisTests",
            dependencies: [
                "ChamberDomain",
                "ChamberRealtime",
                "ChamberRedis",
                "ChamberTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChamberServerTests",
            dependencies: [
                "ChamberDomain", "ChamberHTTP", "ChamberServer", "ChamberStorage", .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

/// The libFuzzer targets (`fuzz-frames`, …), one folder each in `Fuzz/Targets/`; built without libFuzzer, each
/// replays its corpus.
package.targets += ["frames", "moderation", "rules", "redis", "sql", "configuration"].map { name in
    .executableTarget(
        name: "fuzz-\(name)", dependencies: ["ChamberFuzzing"], path: "Fuzz/Targets/\(name)", swiftSettings: swiftSettings,
        linkerSettings: fuzzTargetLinking)
}
