// Screen state and decisions for the app, in plain Kotlin with no Android
// imports, so ./scripts/test compiles and runs these classes and their tests
// on the JVM against the host build of the Rust core (kotlinc + JNA).
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin { jvmToolchain(17) }

sourceSets {
    main { kotlin.srcDir(rootProject.file("core/build/generated/uniffi")) }
}

dependencies {
    implementation(libs.jna)
    implementation(libs.coroutines.core)
    testImplementation(libs.kotlin.test)
    testImplementation(libs.junit)
}
