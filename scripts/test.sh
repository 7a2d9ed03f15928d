#!/usr/bin/env bash
# The full test suite: format, lints, then every test on SQLite and again on a throwaway PostgreSQL.
#
#   scripts/test.sh                 # both backends (starts and stops its own PostgreSQL)
#   TEST_DATABASE_URL=postgres://user@host:port/db scripts/test.sh   # use that server instead
#   RARLINK_SKIP_POSTGRES=1 scripts/test.sh                          # SQLite only (quick local run)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> [%ds] %s\n' "$SECONDS" "$*"; }

# The Python tools used by the later steps are installed into venvs under target/ in the
# background while cargo compiles (network-bound work beside CPU-bound work); each step that
# needs them waits for the install and fails with its log if the install failed.
python_venv() { # venv-dir requirements-file executable
  if [[ ! -x "$1/bin/$3" ]]; then
    python3 -m venv "$1" && "$1/bin/pip" install --quiet --disable-pip-version-check -r "$2"
  fi
}
mkdir -p target
fuzz_venv="$PWD/target/fuzz-venv"
client_venv="$PWD/target/client-venv"
python_pids=()
if [[ "${RARLINK_SKIP_FUZZ:-}" != "1" && "${RARLINK_SKIP_POSTGRES:-}" != "1" ]]; then
  python_venv "$fuzz_venv" scripts/requirements.txt schemathesis > target/fuzz-venv.log 2>&1 &
  python_pids+=("fuzz-venv:$!")
fi
if [[ "${RARLINK_SKIP_CLIENT:-}" != "1" && "${RARLINK_SKIP_POSTGRES:-}" != "1" ]]; then
  python_venv "$client_venv" scripts/requirements-client.txt openapi-python-client > target/client-venv.log 2>&1 &
  python_pids+=("client-venv:$!")
fi
wait_for_venv() { # name
  local entry
  for entry in "${python_pids[@]}"; do
    if [[ "${entry%%:*}" == "$1" ]] && ! wait "${entry#*:}"; then
      echo "installing the Python tools for $1 failed:" >&2
      cat "target/$1.log" >&2
      exit 1
    fi
  done
}

# aiosmtpd, the real SMTP server the e-mail tests start and stop (scripts/smtp_sink.py); the
# tests find it through RARLINK_TEST_SMTP_PYTHON and fail, naming this script, without it.
smtp_venv="$PWD/target/smtp-venv"
python_venv "$smtp_venv" scripts/requirements-mail.txt aiosmtpd > target/smtp-venv.log 2>&1 &
python_pids+=("smtp-venv:$!")

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

wait_for_venv smtp-venv
export RARLINK_TEST_SMTP_PYTHON="$smtp_venv/bin/python"

step "tests on SQLite"
env -u TEST_DATABASE_URL cargo test --locked 2>&1 | tee /tmp/rarlink-test-sqlite.log
echo "SQLite: $(grep -E '^test result' /tmp/rarlink-test-sqlite.log | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')"

step "the README's examples, run as written (scripts/readme_example.sh)"
: > /tmp/rarlink-faults.log
bash scripts/readme_example.sh | tee -a /tmp/rarlink-faults.log

if [[ "${RARLINK_SKIP_POSTGRES:-}" == "1" ]]; then
  echo "RARLINK_SKIP_POSTGRES=1: PostgreSQL run skipped"
  exit 0
fi

if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
  # shellcheck source=scripts/pg-throwaway.sh
  source scripts/pg-throwaway.sh
  pg_throwaway_start
  trap pg_throwaway_stop EXIT
fi

step "tests on PostgreSQL (${TEST_DATABASE_URL%%@*}@…)"
cargo test --locked 2>&1 | tee /tmp/rarlink-test-postgres.log
echo "PostgreSQL: $(grep -E '^test result' /tmp/rarlink-test-postgres.log | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')"

if [[ "${RARLINK_SKIP_FAULTS:-}" != "1" ]]; then
  step "fault tests on the built binary (kill -9, overload, two instances, PostgreSQL stopped)"
  # The suite already built target/debug/rarlink (the integration tests run it).
  export RARLINK_BIN="$PWD/target/debug/rarlink"
  test -x "$RARLINK_BIN"
  faults_dir="$(mktemp -d /tmp/rarlink-faults.XXXXXX)"
  python3 scripts/faults.py kill --database "sqlite:$faults_dir/faults.db" | tee -a /tmp/rarlink-faults.log
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS faults_kill" -c "CREATE DATABASE faults_kill"
  python3 scripts/faults.py kill --database "${TEST_DATABASE_URL%/*}/faults_kill" | tee -a /tmp/rarlink-faults.log
  python3 scripts/faults.py overload --database "sqlite:$faults_dir/overload.db" | tee -a /tmp/rarlink-faults.log
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS faults_overload" -c "CREATE DATABASE faults_overload"
  python3 scripts/faults.py overload --database "${TEST_DATABASE_URL%/*}/faults_overload" | tee -a /tmp/rarlink-faults.log
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS faults_cluster" -c "CREATE DATABASE faults_cluster"
  python3 scripts/faults.py twoinstances --database "${TEST_DATABASE_URL%/*}/faults_cluster" | tee -a /tmp/rarlink-faults.log
  if [[ -n "${PG_DATA:-}" ]]; then
    psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS faults_stop" -c "CREATE DATABASE faults_stop"
    pg_ctl_cmd="$PG_BIN/pg_ctl -D $PG_DATA -l $PG_DATA/server.log -o '$PG_OPTIONS'"
    if [[ "$(id -u)" == "0" ]]; then pg_ctl_cmd="runuser -u postgres -- $pg_ctl_cmd"; fi
    python3 scripts/faults.py pgstop --database "${TEST_DATABASE_URL%/*}/faults_stop" --pg-ctl "$pg_ctl_cmd" | tee -a /tmp/rarlink-faults.log
  fi
  rm -rf "$faults_dir"
fi

if [[ "${RARLINK_SKIP_FUZZ:-}" != "1" ]]; then
  step "contract fuzzing: schemathesis against the served OpenAPI document, on both backends"
  export RARLINK_BIN="$PWD/target/debug/rarlink"
  wait_for_venv fuzz-venv
  export PATH="$fuzz_venv/bin:$PATH"
  fuzz_dir="$(mktemp -d /tmp/rarlink-fuzz.XXXXXX)"
  python3 scripts/fuzz.py --database "sqlite:$fuzz_dir/fuzz.db" --max-time "${FUZZ_SECONDS:-90}" | tee -a /tmp/rarlink-faults.log
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS fuzz" -c "CREATE DATABASE fuzz"
  python3 scripts/fuzz.py --database "${TEST_DATABASE_URL%/*}/fuzz" --max-time "${FUZZ_SECONDS:-90}" | tee -a /tmp/rarlink-faults.log
  rm -rf "$fuzz_dir"
fi

if [[ "${RARLINK_SKIP_CLIENT:-}" != "1" ]]; then
  step "typed client: a client generated from openapi/openapi.json drives a case, on both backends"
  export RARLINK_BIN="$PWD/target/debug/rarlink"
  wait_for_venv client-venv
  client_dir="$(mktemp -d /tmp/rarlink-client.XXXXXX)"
  PATH="$client_venv/bin:$PATH" "$client_venv/bin/python" scripts/client_check.py --database "sqlite:$client_dir/client.db" | tee -a /tmp/rarlink-faults.log
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS client" -c "CREATE DATABASE client"
  PATH="$client_venv/bin:$PATH" "$client_venv/bin/python" scripts/client_check.py --database "${TEST_DATABASE_URL%/*}/client" | tee -a /tmp/rarlink-faults.log
  rm -rf "$client_dir"
fi

step "done"
echo "total: $(cat <(grep -hE '^test result' /tmp/rarlink-test-sqlite.log /tmp/rarlink-test-postgres.log | awk '{print $4, $6}') \
  <(grep -hE '^(faults|fuzz|readme|client):' /tmp/rarlink-faults.log | awk '{print $2, $4}') | awk '{p+=$1; f+=$2} END {print p" passed, "f" failed"}')"
