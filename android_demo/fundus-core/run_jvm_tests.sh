#!/usr/bin/env bash
# Compile fundus-core and run its JUnit 4 tests on the JVM: javac and JUnit only, no Gradle, no
# Android SDK. Installs JUnit 4 from Debian's packages when it is missing (CI runs as root).
# Ends with "fundus-core: N passed, M failed"; exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")"

JUNIT=/usr/share/java/junit4.jar
HAMCREST=/usr/share/java/hamcrest-core.jar
if [ ! -f "$JUNIT" ]; then
    # Debian packages Hamcrest as libhamcrest-java (JUnit 4 needs its core matchers).
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq junit4 libhamcrest-java >/dev/null
fi

BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
javac --release 11 -Xlint:all -Werror -d "$BUILD/main" $(find src/main/java -name '*.java')
javac --release 11 -Xlint:all -Werror -d "$BUILD/test" -cp "$BUILD/main:$JUNIT:$HAMCREST" $(find src/test/java -name '*.java')

TESTS=$(cd src/test/java && find . -name '*Test.java' | sed 's#^\./##; s#\.java$##; s#/#.#g' | sort)
status=0
java -cp "$BUILD/main:$BUILD/test:../../export:$JUNIT:$HAMCREST" org.junit.runner.JUnitCore $TESTS \
    | tee "$BUILD/junit.log" || status=$?

# JUnit prints "OK (N tests)" or "Tests run: N,  Failures: M"; repeat it in the plain form CI reads.
if ok=$(grep -oE '^OK \([0-9]+ tests?\)' "$BUILD/junit.log"); then
    echo "fundus-core: $(echo "$ok" | grep -oE '[0-9]+') passed, 0 failed"
else
    run=$(grep -oE 'Tests run: [0-9]+' "$BUILD/junit.log" | grep -oE '[0-9]+' || echo 0)
    failed=$(grep -oE 'Failures: [0-9]+' "$BUILD/junit.log" | grep -oE '[0-9]+' || echo 0)
    echo "fundus-core: $((run - failed)) passed, $failed failed"
    [ "$status" -ne 0 ] || status=1
fi
exit "$status"
