// The platform-free library: plain Java 11, no Android imports, so the same classes run in the
// app and in the JVM tests (run_jvm_tests.sh runs those tests without Gradle).
plugins {
    `java-library`
}

java {
    sourceCompatibility = JavaVersion.VERSION_11
    targetCompatibility = JavaVersion.VERSION_11
}

tasks.withType<JavaCompile>().configureEach {
    options.compilerArgs.addAll(listOf("-Xlint:all", "-Werror"))
}

dependencies {
    testImplementation(libs.junit)
}

// The golden vectors live in the repository's export/golden/ (tools/make_golden.py writes them;
// web_demo's tests read the same files): on the test class path as /golden/...
sourceSets {
    test {
        resources.setSrcDirs(listOf("../../export"))
    }
}
