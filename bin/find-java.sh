# Sourced by ./verge and .ci/run: points JAVA_HOME at a JDK 21 or newer, or stops with advice.
# Looks at JAVA_HOME first, then the JDKs under /usr/lib/jvm (newest first), then java on PATH.

verge_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

verge_find_java() {
  local candidates=() dir major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if [ -d /usr/lib/jvm ]; then
    while IFS= read -r dir; do candidates+=("$dir"); done < <(
      for dir in /usr/lib/jvm/*/; do
        dir=${dir%/}
        [ -x "$dir/bin/javac" ] || continue
        printf '%s %s\n' "$(verge_java_major "$dir")" "$dir"
      done | sort -rn | cut -d' ' -f2-)
  fi
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    major=$(verge_java_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$dir"
      return 0
    fi
  done
  cat >&2 <<'MSG'
verge: no JDK 21 or newer found (looked at JAVA_HOME, /usr/lib/jvm/*, and javac on PATH).
Install one, for example:
  Debian/Ubuntu:  sudo apt-get install openjdk-21-jdk   (or temurin-21-jdk from Adoptium)
  macOS:          brew install openjdk@21
then run this again, or point JAVA_HOME at it.
MSG
  return 1
}
