#!/usr/bin/env bash
# Source this file: pg_throwaway_start starts a private PostgreSQL on 127.0.0.1 (installing Debian's
# `postgresql` package when missing) and exports TEST_DATABASE_URL; pg_throwaway_stop stops it and
# removes its data. initdb refuses to run as root, so as root the cluster belongs to `postgres`.
# By default the cluster trades durability for speed (fsync, synchronous_commit and
# full_page_writes off: tests throw it away). RARLINK_PG_DURABLE=1 starts it as production runs,
# with all three on (scripts/bench.sh does, so its figures include the cost of a durable commit).

PG_PORT="${RARLINK_TEST_PG_PORT:-55432}"

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_throwaway_start() {
  if [[ -z "$(pg_bin_dir)" ]]; then
    if [[ "$(id -u)" != "0" ]]; then
      echo "PostgreSQL is not installed: install Debian's postgresql package, or set TEST_DATABASE_URL" >&2
      return 1
    fi
    echo "installing Debian's postgresql package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  PG_BIN="$(pg_bin_dir)"
  PG_DATA="$(mktemp -d /tmp/rarlink-pg.XXXXXX)"
  if [[ "$(id -u)" == "0" ]]; then
    chown postgres:postgres "$PG_DATA"
  fi
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust --no-sync >/dev/null
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [[ "${RARLINK_PG_DURABLE:-0}" == "1" ]]; then
    durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  fi
  PG_OPTIONS="-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA $durability -c max_connections=300"
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 -o "$PG_OPTIONS" start >/dev/null
  export PG_BIN PG_DATA PG_OPTIONS
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "throwaway PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_throwaway_stop() {
  if [[ -n "${PG_DATA:-}" && -d "$PG_DATA" ]]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA"
    echo "throwaway PostgreSQL stopped"
  fi
}
