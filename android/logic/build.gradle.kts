// The JVM tests of the generated bindings: every screen decision lives in
// the Rust view models (ADR 20), so this module has no main sources of its
// own. ./scripts/test-bindings compiles and runs these tests with kotlinc
// against the host build and a real server; this Gradle module mirrors it
// for a developer machine (set WALKBOOK_TEST_* as that script does).
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin { compilerOptions { jvmTarget.set(JvmTarget.JVM_17) } }

sourceSets {
    main { kotlin.srcDir(project(":core").layout.buildDirectory.dir("generated/uniffi")) }
}

tasks.named("compileKotlin") { dependsOn(":core:uniffiBindings") }

tasks.test {
    systemProperty("jna.library.path", rootProject.projectDir.parentFile.resolve("target/debug").absolutePath)
}

dependencies {
    implementation(libs.jna)
    implementation(libs.coroutines.core)
    testImplementation(libs.kotlin.test)
    testImplementation(libs.junit)
}
