#!/usr/bin/env bash
# Runs the README's shell examples ("Tokens" and "A case, end to end") as written, against a fresh
# service on the embedded default, so the documentation cannot drift from the service. Each
# request must succeed: an HTTP error stops the run and prints the problem the service answered.
#
#   scripts/readme_example.sh            # uses target/debug/rarlink (RARLINK_BIN overrides)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${RARLINK_BIN:-$PWD/target/debug/rarlink}"
test -x "$BIN" || { echo "readme: build rarlink first ($BIN)" >&2; exit 1; }
if ! command -v jq >/dev/null; then
  if [[ "$(id -u)" == "0" ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
  else
    echo "readme: the README's example needs jq (Debian package jq)" >&2
    exit 1
  fi
fi

# The examples are the ```sh blocks under these headings.
block() {
  awk -v heading="$1" '
    $0 == heading { inside = 1; next }
    inside && /^## / { exit }
    inside && /^```sh$/ { code = 1; next }
    inside && code && /^```$/ { exit }
    inside && code { print }
  ' README.md
}
tokens="$(block '## Tokens')"
case_example="$(block '## A case, end to end (curl)')"
[[ -n "$tokens" && -n "$case_example" ]] || { echo "readme: examples not found in README.md" >&2; exit 1; }

dir="$(mktemp -d /tmp/rarlink-readme.XXXXXX)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite:$dir/readme.db" RARLINK_LISTEN="127.0.0.1:$port" RARLINK_LOG=warn
"$BIN" serve >"$dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  command curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
  sleep 0.1
done

# The README builds and runs the binary with cargo and talks to localhost:8080; here the same
# commands run the built binary against this throwaway instance.
cargo() {
  [[ "$1 $2 $3 $4" == "run -q --release --" ]] || { echo "readme: unexpected cargo $*" >&2; return 1; }
  shift 4
  "$BIN" "$@"
}
curl() {
  command curl --fail-with-body "${@//localhost:8080/127.0.0.1:$port}"
}

# Not in an `if`: bash ignores `set -e` inside a tested command, and every step must count.
set +e
(
  set -e
  eval "$tokens"
  eval "$case_example"
) >"$dir/out.log" 2>&1
status=$?
set -e
if [[ $status -ne 0 ]]; then
  echo "FAIL the README's examples: the last output was" >&2
  tail -c 2000 "$dir/out.log" >&2
  echo
  echo "readme: 0 passed, 1 failed"
  exit 1
fi
echo "ok   the README's examples run as written against a fresh service"
echo "readme: 1 passed, 0 failed"
