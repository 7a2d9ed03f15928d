#!/usr/bin/env python3
"""Fault tests against the built binary (standard library only; RARLINK_BIN picks the binary,
default target/release/rarlink).

  kill     kill -9 the service during a write load; every write acknowledged with 2xx before
           the kill must be there after a restart. Then kill -9 it during a read load: every
           read answered 200 before the kill must have its audit entry after a restart (reads
           are audited by group commit, and answer only once their entry is committed).
  pgstop   stop PostgreSQL under load: requests fail fast with a 503 problem and Retry-After,
           /health/ready is 503, and the service recovers by itself once the database is back.
  overload more clients than connections: requests wait a bounded time, then get a 503 problem
           with Retry-After; on PostgreSQL a lock held elsewhere ends at statement_timeout (503).
  twoinstances  two services on one PostgreSQL under load: background work (escalation, review
           prompts, webhook delivery, sealing) acts once per item; RAR allocation stays exact.

  scripts/faults.py kill   --database sqlite:/tmp/x.db
  scripts/faults.py kill   --database postgres://postgres@127.0.0.1:55432/faults
  scripts/faults.py pgstop --database postgres://... --pg-ctl "runuser -u postgres -- pg_ctl -D DIR"
  scripts/faults.py overload --database sqlite:/tmp/x.db      (or postgres://...)
  scripts/faults.py twoinstances --database postgres://postgres@127.0.0.1:55432/cluster

Prints one line per check and a closing 'N passed, N failed' line; exits non-zero on failure.
"""
import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("RARLINK_BIN", os.path.join(ROOT, "target", "release", "rarlink"))
SECRET = "faults-secret-faults-secret-faults-secret-01"
RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, database, port, **settings):
        self.database, self.port = database, port
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None
        self.settings = settings

    def env(self):
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database,
            "RARLINK_LISTEN": f"127.0.0.1:{self.port}",
            "RARLINK_LOG": "warn",
            "RARLINK_JWT_SECRET": SECRET,
            "RARLINK_DB_POOL_TIMEOUT_MS": "1000",
            # These scripts drive the service hard as a few callers; the rate limit has its own tests.
            "RARLINK_RATE_LIMIT_PER_SECOND": "0",
        })
        env.update(self.settings)
        return env

    def start(self):
        # The service's log goes to a file beside its database, not into the test's output.
        log = open(f"/tmp/rarlink-faults-{self.port}.log", "ab")
        self.proc = subprocess.Popen([BINARY, "serve"], env=self.env(), stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(150):
            if request(self, "GET", "/health/ready")[0] == 200:
                return
            time.sleep(0.1)
        raise SystemExit("the service did not become ready")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)

    def token(self, sub, org, role):
        out = subprocess.run([BINARY, "token", "--sub", sub, "--org", org, "--role", role],
                             env=self.env(), capture_output=True, text=True, check=True)
        return out.stdout.strip()


def request(svc, method, path, token=None, body=None, timeout=10):
    """Returns (status, headers, parsed body); status 0 when the connection failed."""
    data = json.dumps(body).encode() if body is not None else None
    base = svc if isinstance(svc, str) else svc.base
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
            return res.status, dict(res.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return e.code, dict(e.headers), parsed
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, {}, None


def setup_case(svc):
    admin = svc.token("admin", "RARLINK", "admin")
    request(svc, "POST", "/api/v1/organisations", admin, {"code": "PDU-F", "name": "PDU F", "kind": "probation"})
    pp = svc.token("pp", "PDU-F", "probation_practitioner")
    status, _, _ = request(svc, "PUT", "/api/v1/people/F000001", pp, {
        "firstName": "Fault", "lastName": "Test", "dateOfBirth": "1990-01-01", "managingOrg": "PDU-F"})
    assert status in (200, 201), status
    return pp


def writer(svc, token, stop, acknowledged, lock, n):
    i = 0
    while not stop.is_set():
        i += 1
        status, _, body = request(svc, "POST", "/api/v1/people/F000001/household-declarations", token, {
            "declaredAt": "2026-01-01T10:00:00Z", "childrenInHousehold": False,
            "contactWithChildren": False, "statement": f"writer {n} write {i}"}, timeout=5)
        if status == 201 and isinstance(body, dict):
            with lock:
                acknowledged.add(body["id"])
        elif status == 0:
            time.sleep(0.01)


def all_declarations(svc, token):
    ids, cursor = set(), None
    while True:
        path = "/api/v1/people/F000001/household-declarations?limit=200" + (f"&cursor={cursor}" if cursor else "")
        status, _, body = request(svc, "GET", path, token)
        assert status == 200, (status, body)
        ids.update(item["id"] for item in body["items"])
        cursor = body["nextCursor"]
        if not cursor:
            return ids


def kill_test(database):
    svc = Service(database, free_port())
    svc.start()
    token = setup_case(svc)
    stop, lock, acknowledged = threading.Event(), threading.Lock(), set()
    threads = [threading.Thread(target=writer, args=(svc, token, stop, acknowledged, lock, n)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(3)
    svc.kill9()
    with lock:
        before_kill = set(acknowledged)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    svc.start()
    present = all_declarations(svc, token)
    missing = before_kill - present
    check(f"kill -9 during writes on {database.split(':')[0]}: {len(before_kill)} acknowledged writes all present",
          len(before_kill) > 0 and not missing, f"{len(missing)} missing" if missing else "")
    status, _, verdict = request(svc, "GET", "/api/v1/audit-events/verify", svc.token("aud", "RARLINK", "auditor"))
    check("the audit chain verifies after the kill", status == 200 and verdict.get("valid") is True, str(verdict))
    svc.stop()


def reader(svc, token, stop, answered, lock):
    while not stop.is_set():
        status, headers, _ = request(svc, "GET", "/api/v1/people/F000001", token, timeout=5)
        if status == 200:
            rid = next(v for k, v in headers.items() if k.lower() == "x-request-id")
            with lock:
                answered.add(rid)
        elif status == 0:
            time.sleep(0.01)


def audited_reads(svc, sub):
    """Request ids of the 200 reads by `sub` in the audit log."""
    auditor, ids, cursor = svc.token("aud", "RARLINK", "auditor"), set(), None
    while True:
        path = f"/api/v1/audit-events?actor={sub}&limit=200" + (f"&cursor={cursor}" if cursor else "")
        status, _, body = request(svc, "GET", path, auditor, timeout=30)
        assert status == 200, (status, body)
        ids.update(e["requestId"] for e in body["items"] if e["method"] == "GET" and e["status"] == 200)
        cursor = body["nextCursor"]
        if not cursor:
            return ids


def kill_reads_test(database):
    svc = Service(database, free_port())
    svc.start()
    setup_case(svc)
    token = svc.token("kill-reader", "PDU-F", "probation_practitioner")
    stop, lock, answered = threading.Event(), threading.Lock(), set()
    threads = [threading.Thread(target=reader, args=(svc, token, stop, answered, lock)) for _ in range(16)]
    for t in threads:
        t.start()
    time.sleep(3)
    svc.kill9()
    with lock:
        before_kill = set(answered)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    svc.start()
    missing = before_kill - audited_reads(svc, "kill-reader")
    check(f"kill -9 during reads on {database.split(':')[0]}: {len(before_kill)} reads answered 200, each audited",
          len(before_kill) > 0 and not missing, f"{len(missing)} without an audit entry" if missing else "")
    status, _, verdict = request(svc, "GET", "/api/v1/audit-events/verify", svc.token("aud", "RARLINK", "auditor"))
    check("the audit chain verifies after the kill during reads", status == 200 and verdict.get("valid") is True, str(verdict))
    svc.stop()


def pgstop_test(database, pg_ctl):
    svc = Service(database, free_port())
    svc.start()
    token = setup_case(svc)
    subprocess.run(shlex.split(pg_ctl) + ["-m", "fast", "-w", "stop"], check=True, capture_output=True)
    started = time.monotonic()
    status, headers, body = request(svc, "GET", "/api/v1/people/F000001", token)
    elapsed = time.monotonic() - started
    check("with PostgreSQL stopped a request fails fast with a 503 problem and Retry-After",
          status == 503 and any(k.lower() == "retry-after" for k in headers) and elapsed < 5, f"status {status} after {elapsed:.1f}s")
    ready, _, _ = request(svc, "GET", "/health/ready")
    check("/health/ready reports 503 while the database is down", ready == 503, f"got {ready}")
    subprocess.run(shlex.split(pg_ctl) + ["-w", "start"], check=True, capture_output=True)
    back = time.monotonic()
    recovered = None
    while time.monotonic() - back < 20:
        if request(svc, "GET", "/health/ready")[0] == 200 and request(svc, "GET", "/api/v1/people/F000001", token)[0] == 200:
            recovered = time.monotonic() - back
            break
        time.sleep(0.2)
    check("the service recovers by itself once PostgreSQL is back", recovered is not None,
          f"in {recovered:.1f}s" if recovered is not None else "not within 20s")
    svc.stop()


def hold_write_lock(database, seconds):
    """Holds the database's write lock from another process for `seconds` (in the background)."""
    if database.startswith("postgres"):
        sql = f"BEGIN; LOCK TABLE people IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({seconds}); COMMIT;"
        return subprocess.Popen(["psql", database, "-qc", sql], stdout=subprocess.DEVNULL)
    code = ("import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('BEGIN IMMEDIATE'); time.sleep(float(sys.argv[2])); c.execute('COMMIT')")
    return subprocess.Popen([sys.executable, "-c", code, database.split(":", 1)[1], str(seconds)])


def overload_test(database):
    backend = database.split(":")[0]
    svc = Service(database, free_port(), RARLINK_DB_POOL_SIZE="1", RARLINK_DB_POOL_TIMEOUT_MS="200",
                  RARLINK_DB_STATEMENT_TIMEOUT_MS="1000", RARLINK_BACKGROUND="off")
    svc.start()
    token = setup_case(svc)
    results, lock = [], threading.Lock()
    # The one connection gets stuck behind a lock held elsewhere; everyone else must not wait long.
    # The clients write: reads run in read transactions that a held SQLite write lock no longer
    # blocks (their audit rows queue at the audit writer instead), so only writes need the one
    # connection to get the lock.
    holder = hold_write_lock(database, 2)
    time.sleep(0.3)
    deadline = time.monotonic() + 1.5

    def reader():
        while time.monotonic() < deadline:
            started = time.monotonic()
            status, headers, body = request(svc, "POST", "/api/v1/people/F000001/household-declarations", token, {
                "declaredAt": "2026-01-01T10:00:00Z", "childrenInHousehold": False,
                "contactWithChildren": False, "statement": "overload"}, timeout=30)
            with lock:
                results.append((status, time.monotonic() - started, headers, body))

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    holder.wait()
    refused = [r for r in results if r[0] == 503]
    slowest = max(r[1] for r in results)
    slowest_refusal = max((r[1] for r in refused), default=0)
    check(f"16 clients on 1 stuck connection ({backend}): every request answered 201 or 503, the slowest "
          f"in {slowest:.2f}s", all(r[0] in (201, 503) for r in results) and slowest < 6,
          f"statuses {sorted({r[0] for r in results})}")
    check(f"{len(refused)} of {len(results)} refused, each a 503 problem with Retry-After within "
          f"{slowest_refusal:.2f}s (pool timeout 0.2s)", len(refused) > 0 and slowest_refusal < 1.5 and all(
              any(k.lower() == "retry-after" for k in r[2]) and isinstance(r[3], dict) and r[3].get("status") == 503
              for r in refused))
    if backend == "postgres":
        holder = hold_write_lock(database, 3)
        time.sleep(0.5)
        started = time.monotonic()
        status, headers, _ = request(svc, "GET", "/api/v1/people/F000001", token, timeout=30)
        elapsed = time.monotonic() - started
        check("a request behind a lock held elsewhere ends at statement_timeout with a 503 and Retry-After",
              status == 503 and any(k.lower() == "retry-after" for k in headers) and elapsed < 2.5,
              f"status {status} after {elapsed:.1f}s")
        holder.wait()
    status = request(svc, "GET", "/api/v1/people/F000001", token)[0]
    check("once the lock is released the service answers normally", status == 200, f"got {status}")
    svc.stop()


def main():
    from faults_cluster import twoinstances_test
    parser = argparse.ArgumentParser()
    parser.add_argument("test", choices=["kill", "pgstop", "overload", "twoinstances"])
    parser.add_argument("--database", required=True)
    parser.add_argument("--pg-ctl", help="command prefix that runs pg_ctl for the cluster (pgstop)")
    args = parser.parse_args()
    if args.test == "kill":
        kill_test(args.database)
        kill_reads_test(args.database)
    elif args.test == "pgstop":
        pgstop_test(args.database, args.pg_ctl)
    elif args.test == "overload":
        overload_test(args.database)
    else:
        twoinstances_test(args.database, check)
    passed = sum(RESULTS)
    print(f"faults: {passed} passed, {len(RESULTS) - passed} failed")
    sys.exit(0 if passed == len(RESULTS) else 1)


if __name__ == "__main__":
    main()
