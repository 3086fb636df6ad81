// swift-tools-version:5.9
// The Rust core for iOS: the generated uniffi Swift bindings (WalkbookCore)
// over an XCFramework built by build-xcframework.sh, plus the app's logic
// layer (WalkbookApp), which mirrors android/logic one to one.
import PackageDescription

let package = Package(
    name: "WalkbookCore",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "WalkbookCore", targets: ["WalkbookCore"]),
        .library(name: "WalkbookApp", targets: ["WalkbookApp"]),
    ],
    targets: [
        .binaryTarget(name: "WalkbookCoreFFI", path: "build/WalkbookCoreFFI.xcframework"),
        .target(
            name: "WalkbookCore",
            dependencies: ["WalkbookCoreFFI"],
            path: "WalkbookCore/Sources/WalkbookCore",
            exclude: ["Generated/WalkbookCoreFFI.h", "Generated/WalkbookCoreFFI.modulemap"]
        ),
        .target(name: "WalkbookApp", dependencies: ["WalkbookCore"], path: "WalkbookCore/Sources/WalkbookApp"),
    ]
)
