#!/usr/bin/env bash
# The full test suite: format, lints, then every test on SQLite and again on a throwaway PostgreSQL.
#
#   scripts/test.sh                 # both backends (starts and stops its own PostgreSQL)
#   TEST_DATABASE_URL=postgres://user@host:port/db scripts/test.sh   # use that server instead
#   RARLINK_SKIP_POSTGRES=1 scripts/test.sh                          # SQLite only (quick local run)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

step "tests on SQLite"
env -u TEST_DATABASE_URL cargo test --locked 2>&1 | tee /tmp/rarlink-test-sqlite.log
echo "SQLite: $(grep -E '^test result' /tmp/rarlink-test-sqlite.log | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')"

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
echo "total: $(grep -hE '^test result' /tmp/rarlink-test-sqlite.log /tmp/rarlink-test-postgres.log | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')"
