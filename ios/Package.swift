// swift-tools-version:5.9
// The Rust core for iOS: the generated uniffi Swift bindings (WalkbookCore)
// over an XCFramework built by build-xcframework.sh (iOS device and
// simulator slices only). Every screen decision is in the core's view
// models (ADR 20); the app in App/ only renders them.
import PackageDescription

let package = Package(
    name: "WalkbookCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "WalkbookCore", targets: ["WalkbookCore"]),
    ],
    targets: [
        .binaryTarget(name: "WalkbookCoreFFI", path: "build/WalkbookCoreFFI.xcframework"),
        .target(
            name: "WalkbookCore",
            dependencies: ["WalkbookCoreFFI"],
            path: "WalkbookCore/Sources/WalkbookCore",
            exclude: ["Generated/WalkbookCoreFFI.h", "Generated/WalkbookCoreFFI.modulemap"]
        ),
    ]
)
