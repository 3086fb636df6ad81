// The Android library that carries the Rust core: the uniffi-generated
// Kotlin (package org.walkbook.core) and libwalkbook_ffi.so for each ABI.
//
// Native libraries are built with cargo-ndk (https://github.com/bbqsrc/cargo-ndk):
//   cargo install cargo-ndk
//   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
// The 16 KB page-size linker flag (required for Android 15+ devices) is set
// for every Android target in /.cargo/config.toml.
import javax.inject.Inject
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val repoRoot: File = rootProject.projectDir.parentFile

/** The ABIs the Rust library is built for; the app packages only these. */
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")

/** Runs a command in the repository; declared inputs and one output dir,
 *  so Gradle rebuilds only when the Rust sources change. */
abstract class RustTask : DefaultTask() {
    @get:InputFiles
    @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val rustSources: ConfigurableFileCollection

    @get:OutputDirectory
    abstract val outputDir: DirectoryProperty

    @get:Input
    abstract val command: ListProperty<String>

    @get:Internal
    abstract val workDir: DirectoryProperty

    @get:Inject
    abstract val exec: ExecOperations

    @TaskAction
    fun run() {
        val out = outputDir.get().asFile
        exec.exec {
            workingDir = workDir.get().asFile
            commandLine(command.get().map { it.replace("{out}", out.absolutePath) })
        }
    }
}

val rustInputs = fileTree(repoRoot) {
    include("Cargo.toml", "Cargo.lock", "core/**/*.rs", "core/Cargo.toml", "core/migrations/**",
        "bindings/ffi/**", "bindings/uniffi-bindgen/**", "scripts/bindings")
}

// cargo ndk builds the .so per ABI into <out>/<abi>/.
val cargoNdk = tasks.register<RustTask>("cargoNdk") {
    group = "rust"
    description = "Builds libwalkbook_ffi.so for every ABI with cargo-ndk"
    rustSources.from(rustInputs)
    workDir.set(repoRoot)
    outputDir.set(layout.buildDirectory.dir("rust/jniLibs"))
    command.set(
        listOf("cargo", "ndk") + abis.flatMap { listOf("-t", it) } +
            listOf("--platform", "26", "-o", "{out}", "build", "--release", "-p", "walkbook-ffi"),
    )
}

// uniffi-bindgen (pinned to the ffi crate's uniffi) reads the built host
// library and writes the Kotlin bindings; never edited or committed.
val uniffiBindings = tasks.register<RustTask>("uniffiBindings") {
    group = "rust"
    description = "Generates the Kotlin bindings from the built library"
    rustSources.from(rustInputs)
    workDir.set(repoRoot)
    outputDir.set(layout.buildDirectory.dir("generated/uniffi"))
    command.set(listOf("./scripts/bindings", "kotlin", "{out}"))
}

android {
    namespace = "org.walkbook.core"
    compileSdk = 36
    ndkVersion = "27.2.12479018"
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    packaging { jniLibs { useLegacyPackaging = false } }
}

kotlin { compilerOptions { jvmTarget.set(JvmTarget.JVM_17) } }

// Generated sources and native libraries as task outputs: every variant
// depends on the tasks that make them (no stale or missing bindings).
androidComponents {
    onVariants { variant ->
        variant.sources.java?.addGeneratedSourceDirectory(uniffiBindings, RustTask::outputDir)
        variant.sources.jniLibs?.addGeneratedSourceDirectory(cargoNdk, RustTask::outputDir)
    }
}

dependencies {
    // The AAR carries JNA's Android native libraries (5.16+: 16 KB aligned).
    api("${libs.jna.get()}@aar")
    api(libs.coroutines.core)
}
