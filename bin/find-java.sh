# Sourced by ./verge, .ci/run and the distribution's bin/verge: points JAVA_HOME at a Java 21 or
# newer, or stops with advice. Looks at JAVA_HOME first, then /usr/lib/jvm/* (newest first), then
# java on PATH.
#   verge_find_java jdk       a JDK (building from source needs javac)
#   verge_find_java runtime   any Java runtime (running the distribution needs only java)
# Sets JAVA_HOME and VERGE_JAVA_MAJOR (its feature release, e.g. 25).

verge_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

# True when $1 holds what the mode needs.
verge_java_fits() {
  [ -x "$1/bin/java" ] || return 1
  [ "$2" = runtime ] || [ -x "$1/bin/javac" ]
}

verge_find_java() {
  local mode=${1:-jdk} candidates=() dir major tool=java what="Java runtime (JRE or JDK)"
  [ "$mode" = jdk ] && tool=javac && what=JDK
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if [ -d /usr/lib/jvm ]; then
    while IFS= read -r dir; do candidates+=("$dir"); done < <(
      for dir in /usr/lib/jvm/*/; do
        dir=${dir%/}
        verge_java_fits "$dir" "$mode" || continue
        printf '%s %s\n' "$(verge_java_major "$dir")" "$dir"
      done | sort -rn | cut -d' ' -f2-)
  fi
  if command -v "$tool" >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v "$tool")")")")")
  fi
  for dir in "${candidates[@]}"; do
    verge_java_fits "$dir" "$mode" || continue
    major=$(verge_java_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$dir" VERGE_JAVA_MAJOR="$major"
      return 0
    fi
  done
  local package=openjdk-21-jdk
  [ "$mode" = runtime ] && package=openjdk-21-jre-headless
  cat >&2 <<MSG
verge: no $what 21 or newer found (looked at JAVA_HOME, /usr/lib/jvm/*, and $tool on PATH).
Install one, for example:
  Debian/Ubuntu:  sudo apt-get install $package   (or Temurin 21+ from Adoptium)
  macOS:          brew install openjdk@21
then run this again, or point JAVA_HOME at it.
MSG
  return 1
}
