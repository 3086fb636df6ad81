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

// core: generated uniffi bindings + native libraries per ABI.
// logic: the app's screen state and decisions, plain Kotlin/JVM (no Android
//        imports), compiled and tested on the JVM by ./scripts/test.
// app:   Jetpack Compose screens that render logic's state and forward taps.
include(":core", ":logic", ":app")
