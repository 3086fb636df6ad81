// The Android library that carries the Rust core: the uniffi-generated
// Kotlin (package org.walkbook.core) and libwalkbook_ffi.so for each ABI.
//
// Native libraries are built with cargo-ndk (https://github.com/bbqsrc/cargo-ndk):
//   cargo install cargo-ndk
//   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
// The 16 KB page-size linker flag (required for Android 15+ devices) is set
// for every Android target in /.cargo/config.toml.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val repoRoot = rootProject.projectDir.parentFile
val jniLibsDir = layout.buildDirectory.dir("jniLibs")
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi")

android {
    namespace = "org.walkbook.core"
    compileSdk = 35
    ndkVersion = "27.2.12479018"
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].java.srcDir(generatedKotlin)
    sourceSets["main"].jniLibs.srcDir(jniLibsDir)
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    packaging { jniLibs { useLegacyPackaging = false } }
}

// cargo ndk builds the .so per ABI into build/jniLibs/<abi>/.
val cargoNdk by tasks.registering(Exec::class) {
    group = "rust"
    description = "Builds libwalkbook_ffi.so for every ABI with cargo-ndk"
    workingDir = repoRoot
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "--platform", "26",
        "-o", jniLibsDir.get().asFile.absolutePath,
        "build", "--release", "-p", "walkbook-ffi",
    )
}

// uniffi-bindgen reads the built host library and writes the Kotlin bindings;
// generated files are never edited or committed.
val generateBindings by tasks.registering(Exec::class) {
    group = "rust"
    description = "Generates the Kotlin bindings from the built library"
    workingDir = repoRoot
    commandLine("./scripts/bindings", "kotlin", generatedKotlin.get().asFile.absolutePath)
}

tasks.named("preBuild") { dependsOn(cargoNdk, generateBindings) }

dependencies {
    api("${libs.jna.get()}@aar")
    api(libs.coroutines.core)
}
