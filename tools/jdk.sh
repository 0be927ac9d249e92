# Sourced by ./bgevl, ./run-tests and .ci/run: points JAVA_HOME at a JDK 25 or fails loudly.
if [[ -z "${JAVA_HOME:-}" || ! -x "${JAVA_HOME}/bin/java" ]] || ! "${JAVA_HOME}/bin/java" -version 2>&1 | grep -q 'version "25'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25; do
    if [[ -x "$candidate/bin/java" ]]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
if [[ -z "${JAVA_HOME:-}" || ! -x "${JAVA_HOME}/bin/java" ]] || ! "${JAVA_HOME}/bin/java" -version 2>&1 | grep -q 'version "25'; then
  echo "error: JDK 25 not found (looked at \$JAVA_HOME and /usr/lib/jvm/temurin-25-jdk-amd64); install Temurin 25 and set JAVA_HOME" >&2
  exit 3
fi
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "error: Apache Maven (mvn) not found on PATH; install it (Debian: apt-get install -y maven)" >&2
  exit 3
fi
