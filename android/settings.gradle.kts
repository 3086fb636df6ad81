pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "walkbook"

// core:  generated uniffi bindings + native libraries per ABI (the Rust
//        view models decide every screen, ADR 20).
// logic: JVM tests of those bindings (run here by ./scripts/test-bindings).
// app:   Jetpack Compose screens that render the view models and forward taps.
include(":core", ":logic", ":app")
