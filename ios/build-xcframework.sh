#!/usr/bin/env bash
# Builds WalkbookCoreFFI.xcframework for iOS devices and simulators, and
# generates the Swift bindings from the built library. Run on macOS with Xcode:
#
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#   ios/build-xcframework.sh
#
# Then open ios/ in Xcode (Package.swift) or add the package to the app project.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
for t in "${targets[@]}"; do
    cargo rustc --release -p walkbook-ffi --lib --target "$t" --crate-type staticlib
done

# Swift bindings from the host build (same code, same metadata).
cargo build -p walkbook-ffi -p uniffi-bindgen
./scripts/bindings swift ios/WalkbookCore/Sources/WalkbookCore/Generated

gen=ios/WalkbookCore/Sources/WalkbookCore/Generated
headers=ios/build/headers
rm -rf ios/build && mkdir -p "$headers"
cp "$gen/WalkbookCoreFFI.h" "$headers/"
cp "$gen/WalkbookCoreFFI.modulemap" "$headers/module.modulemap"

# One fat simulator library (arm64 + x86_64), one device library.
mkdir -p ios/build/sim
lipo -create \
    target/aarch64-apple-ios-sim/release/libwalkbook_ffi.a \
    target/x86_64-apple-ios/release/libwalkbook_ffi.a \
    -output ios/build/sim/libwalkbook_ffi.a

xcodebuild -create-xcframework \
    -library target/aarch64-apple-ios/release/libwalkbook_ffi.a -headers "$headers" \
    -library ios/build/sim/libwalkbook_ffi.a -headers "$headers" \
    -output ios/build/WalkbookCoreFFI.xcframework
echo "built ios/build/WalkbookCoreFFI.xcframework"
