"""Two service instances on one PostgreSQL under load (run by `scripts/faults.py twoinstances`).

Both instances run the background work every second while clients write through both: each
overdue prompt must be escalated once (one `...overdue` event), the termination-review prompt
raised once, each webhook delivered once, the event feed numbered without gaps or repeats, and
concurrent referral sends must never allocate more RAR days than the order has.
Safeguarding deadlines are days away, so a helper moves open prompts' deadlines into the past
in the database while the load runs: that is what time passing looks like to the escalation task.
"""
import collections
import datetime as dt
import http.server
import subprocess
import threading
import time

from faults import Service, free_port, request

RAR_MAX_DAYS = 10
DRAFTS = 15


def psql(database, sql):
    out = subprocess.run(["psql", database, "-qAtc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def receiver():
    """A webhook endpoint on loopback that counts deliveries per `webhook-id`."""
    counts, lock = collections.Counter(), threading.Lock()

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                counts[self.headers.get("webhook-id")] += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 256  # the default of 5 drops connections when 100 arrive at once

    server = Server(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counts, lock


def token(svc, sub, org, role):
    return svc.token(sub, org, role)


def ok(result, what):
    if result[0] not in (200, 201):
        raise SystemExit(f"setting up the two-instance case failed at {what}: {result[0]} {result[2]}")
    return result[2]


def setup(a, hook_url):
    admin = a.token("admin", "RARLINK", "admin")
    for code, kind in [("PDU-C", "probation"), ("PROV-C", "provider")]:
        ok(request(a, "POST", "/api/v1/organisations", admin, {"code": code, "name": code, "kind": kind}), code)
    ok(request(a, "POST", "/api/v1/webhook-subscriptions", a.token("spo", "PDU-C", "probation_manager"),
               {"url": hook_url, "eventTypes": []}), "subscription")
    pp, worker = a.token("pp", "PDU-C", "probation_practitioner"), a.token("pw", "PROV-C", "provider_worker")
    today = dt.date.today()
    ok(request(a, "PUT", "/api/v1/people/C000001", pp, {
        "firstName": "Two", "lastName": "Instances", "dateOfBirth": "1990-01-01", "managingOrg": "PDU-C"}), "person")
    ok(request(a, "PUT", "/api/v1/people/C000001/risk", pp, {
        "assessedOn": str(today - dt.timedelta(days=30)), "roshChildren": "MEDIUM", "roshPublic": "LOW",
        "roshKnownAdult": "MEDIUM", "roshStaff": "LOW", "whoIsAtRisk": "Partners", "natureOfRisk": "Abuse",
        "imminence": "Not imminent", "riskManagementPlan": "Home visits", "staffSafety": "Office only"}), "risk")
    # Ends within the review lead time, so the background raises the termination-review prompt.
    order = ok(request(a, "POST", "/api/v1/people/C000001/orders", pp, {
        "type": "COMMUNITY_ORDER", "startDate": str(today - dt.timedelta(days=100)),
        "endDate": str(today + dt.timedelta(days=5)), "rarMaxDays": RAR_MAX_DAYS,
        "offences": [{"description": "Assault", "category": "Violence", "domesticAbuseRelated": True}],
        "responsibleOfficer": "pp"}), "order")
    draft = {"providerOrg": "PROV-C", "interventionType": "One-to-one", "rarDays": 1,
             "completionDeadline": str(today + dt.timedelta(days=4)),
             "desiredOutcomes": [{"description": "Manages emotions"}], "offenceSummary": "Assault",
             "riskManagementSummary": "Home visits", "staffSafety": "Office only"}
    drafts = [ok(request(a, "POST", f"/api/v1/orders/{order['id']}/referrals", pp, draft), "draft")["id"]
              for _ in range(DRAFTS + 1)]
    first = drafts.pop()
    ok(request(a, "POST", f"/api/v1/referrals/{first}/send", pp, {}), "send")
    ok(request(a, "POST", f"/api/v1/referrals/{first}/accept", worker, {"riskInformationAcknowledged": True}), "accept")
    return pp, worker, order["id"], first, drafts


def twoinstances_test(database, check):
    server, counts, counts_lock = receiver()
    hook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    background = {"RARLINK_BACKGROUND": "on", "RARLINK_BACKGROUND_INTERVAL_SECS": "1",
                  "RARLINK_WEBHOOK_ALLOW_HOSTS": "127.0.0.1"}  # the receiver is on loopback
    a = Service(database, free_port(), **background)
    a.start()
    b = Service(database, free_port(), **background)
    b.start()
    pp, worker, order_id, referral, drafts = setup(a, hook_url)
    instances = [a, b]

    stop = threading.Event()
    sends, disclosures, lock = [], [], threading.Lock()

    def send(i, draft):
        status = request(instances[i % 2], "POST", f"/api/v1/referrals/{draft}/send", pp, {}, timeout=30)[0]
        with lock:
            sends.append(status)

    def disclose(i):
        n = 0
        while not stop.is_set():
            n += 1
            now = dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")
            status = request(instances[i % 2], "POST", f"/api/v1/referrals/{referral}/disclosures", worker, {
                "type": "HARM_TO_CHILD", "disclosedAt": now, "disclosedBy": "PERSON_ON_PROBATION",
                "summary": f"client {i} disclosure {n}"}, timeout=30)[0]
            with lock:
                disclosures.append(status)

    def make_overdue():
        while not stop.is_set():
            psql(database, "UPDATE safeguarding_prompts SET due_at = (now() AT TIME ZONE 'utc') - interval '1 hour' "
                           "WHERE status = 'OPEN' AND escalated_at IS NULL")
            time.sleep(0.3)

    threads = [threading.Thread(target=disclose, args=(i,)) for i in range(6)]
    threads += [threading.Thread(target=make_overdue)]
    threads += [threading.Thread(target=send, args=(i, d)) for i, d in enumerate(drafts)]
    for t in threads:
        t.start()
    time.sleep(6)
    stop.set()
    for t in threads:
        t.join()
    psql(database, "UPDATE safeguarding_prompts SET due_at = (now() AT TIME ZONE 'utc') - interval '1 hour' "
                   "WHERE status = 'OPEN' AND escalated_at IS NULL")

    # Settled: nothing pending, and still nothing new a webhook tick later (events sealed just
    # now are only fanned out into deliveries on the next tick).
    settled, seen, waiting = False, None, "?"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = psql(database, "SELECT (SELECT count(*) FROM safeguarding_prompts WHERE status = 'OPEN' "
                                 "AND escalated_at IS NULL AND due_at < now() AT TIME ZONE 'utc') "
                                 "+ (SELECT count(*) FROM webhook_deliveries WHERE status <> 'DELIVERED') "
                                 "+ (SELECT count(*) FROM domain_events WHERE seq IS NULL)")
        deliveries = int(psql(database, "SELECT count(*) FROM webhook_deliveries"))
        if waiting == "0" and deliveries > 0:
            if seen == deliveries:
                settled = True
                break
            seen = deliveries
            time.sleep(2.5)
            continue
        seen = None
        time.sleep(0.3)
    check("both instances' background work settled (prompts escalated, webhooks delivered, events sealed)",
          settled, f"still waiting: {waiting}")

    accepted = sum(1 for s in sends if s == 200)
    _, _, rar = request(a, "GET", f"/api/v1/orders/{order_id}/rar", pp)
    check(f"{DRAFTS} referrals sent at once through two instances: {accepted} accepted and the order's "
          f"{RAR_MAX_DAYS} RAR days exactly allocated",
          accepted == RAR_MAX_DAYS - 1 and rar["allocatedDays"] == RAR_MAX_DAYS
          and all(s in (200, 409, 422) for s in sends),
          f"sends {collections.Counter(sends)}, allocated {rar['allocatedDays']}")

    escalated = int(psql(database, "SELECT count(*) FROM safeguarding_prompts WHERE escalated_at IS NOT NULL"))
    overdue = int(psql(database, "SELECT count(*) FROM domain_events "
                                 "WHERE event_type = 'rarlink.safeguarding-prompt.overdue'"))
    repeated = psql(database, "SELECT count(*) FROM (SELECT detail_url FROM domain_events "
                              "WHERE event_type = 'rarlink.safeguarding-prompt.overdue' "
                              "GROUP BY detail_url HAVING count(*) > 1) d")
    check(f"{escalated} prompts escalated by two instances, each exactly once",
          escalated > 0 and overdue == escalated and repeated == "0",
          f"{overdue} overdue events for {escalated} escalated prompts, {repeated} prompts escalated twice")

    reviews = psql(database, "SELECT count(*) FROM safeguarding_prompts WHERE rule = 'termination-review-due' "
                             f"AND order_id = '{order_id}'")
    check("the termination-review prompt was raised once", reviews == "1", f"{reviews} raised")

    expected = set(psql(database, "SELECT event_id FROM webhook_deliveries").split())
    with counts_lock:
        twice = {k: v for k, v in counts.items() if v > 1}
        received = set(counts)
    check(f"{len(expected)} webhooks each delivered once by two instances",
          len(expected) > 0 and received == expected and not twice,
          f"{len(twice)} delivered more than once, {len(expected - received)} never")

    numbered, distinct, span = psql(database, "SELECT count(seq) || ' ' || count(DISTINCT seq) || ' ' || "
                                              "(max(seq) - min(seq) + 1) FROM domain_events").split()
    check(f"the event feed numbers all {numbered} events once, without gaps",
          numbered == distinct == span, f"{numbered} numbered, {distinct} distinct, span {span}")

    status, _, verdict = request(a, "GET", "/api/v1/audit-events/verify", a.token("aud", "RARLINK", "auditor"))
    check("the audit chain sealed by two instances verifies", status == 200 and verdict.get("valid") is True,
          str(verdict))
    served = sum(1 for s in disclosures if s == 201)
    check(f"{served} disclosures recorded through both instances during the run",
          served > 0 and all(s == 201 for s in disclosures), f"{collections.Counter(disclosures)}")
    a.stop()
    b.stop()
    server.shutdown()
