#!/usr/bin/env python3
"""Contract fuzzing: schemathesis against the OpenAPI document the service serves, with valid
tokens and a seeded case, bounded in time. Fails on any 5xx and on any response that the
document does not describe (status, content type, headers, body schema), and on an undeclared
method that is not answered 405 with `Allow` (RFC 9110).

  scripts/fuzz.py --database sqlite:/tmp/fuzz.db --max-time 120
  scripts/fuzz.py --database postgres://postgres@127.0.0.1:55432/fuzz --max-time 60

Every operation runs as a caller allowed to call it (admin, auditor, integration client,
probation officer or provider), with its path parameters bound to a real resource of the seeded
case, so the fuzzer reaches the handlers' logic instead of stopping at 403 or 404. Bodies and
query strings are generated (valid and invalid) from the document. RARLINK_BIN picks the binary.
Prints a closing 'fuzz: N passed, N failed' line; exits non-zero on failure.
"""
import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time

from faults import BINARY, Service, free_port, request

CHECKS = os.environ.get("FUZZ_CHECKS") or ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "unsupported_method",
])

PROBATION, PROVIDER, CRN = "PDU-FUZZ", "PROV-FUZZ", "X000001"

def token(svc, sub, org, *roles):
    args = [BINARY, "token", "--sub", sub, "--org", org]
    for role in roles:
        args += ["--role", role]
    return subprocess.run(args, env=svc.env(), capture_output=True, text=True, check=True).stdout.strip()


def ok(result, what):
    status, _, body = result
    if status not in (200, 201):
        raise SystemExit(f"seeding failed at {what}: {status} {body}")
    return body


def seed(svc):
    """One realistic case: returns tokens by caller and the ids of each kind of resource."""
    admin = token(svc, "fuzz-admin", "RARLINK", "admin")
    for code, kind in [(PROBATION, "probation"), (PROVIDER, "provider")]:
        ok(request(svc, "POST", "/api/v1/organisations", admin, {"code": code, "name": code, "kind": kind}), "organisation")
    tokens = {
        "admin": admin,
        "auditor": token(svc, "fuzz-auditor", "RARLINK", "auditor"),
        "integration": token(svc, "fuzz-ndelius", PROBATION, "integration"),
        "probation": token(svc, "fuzz-officer", PROBATION, "probation_practitioner", "probation_manager"),
        "provider": token(svc, "fuzz-worker", PROVIDER, "provider_worker", "provider_manager"),
    }
    pp, worker = tokens["probation"], tokens["provider"]
    today = dt.date.today()
    ok(request(svc, "PUT", f"/api/v1/people/{CRN}", pp, {
        "firstName": "Fuzz", "lastName": "Case", "dateOfBirth": "1990-05-01", "managingOrg": PROBATION}), "person")
    ok(request(svc, "PUT", f"/api/v1/people/{CRN}/risk", pp, {
        "assessedOn": str(today - dt.timedelta(days=30)), "roshChildren": "MEDIUM", "roshPublic": "LOW",
        "roshKnownAdult": "MEDIUM", "roshStaff": "LOW", "flags": ["DOMESTIC_ABUSE_PERPETRATOR"],
        "whoIsAtRisk": "Partners and their children", "natureOfRisk": "Domestic abuse",
        "imminence": "Not imminent", "increasingFactors": ["alcohol"], "reducingFactors": [],
        "riskToSelf": {"suicide": False, "selfHarm": False}, "maracCount": 0,
        "riskManagementPlan": "Monthly home visits", "staffSafety": "Office appointments only"}), "risk")
    member = ok(request(svc, "POST", f"/api/v1/people/{CRN}/household-members", pp, {
        "name": "Jane Doe", "relationship": "PARTNER", "livesInHousehold": True,
        "source": {"kind": "PROBATION_PRACTITIONER", "name": "Officer", "reportedOn": str(today - dt.timedelta(days=10))},
        "verified": False}), "household member")
    order = ok(request(svc, "POST", f"/api/v1/people/{CRN}/orders", pp, {
        "type": "COMMUNITY_ORDER", "startDate": str(today - dt.timedelta(days=200)),
        "endDate": str(today + dt.timedelta(days=200)), "rarMaxDays": 30,
        "offences": [{"description": "Assault", "category": "Violence", "domesticAbuseRelated": True}],
        "responsibleOfficer": {"sub": "fuzz-officer", "name": "Fuzz Officer"}}), "order")
    draft = {
        "providerOrg": PROVIDER, "interventionType": "Mental health one-to-one sessions", "rarDays": 5,
        "completionDeadline": str(today + dt.timedelta(days=150)),
        "desiredOutcomes": [{"description": "Manages emotions in relationships"}],
        "offenceSummary": "Assault on a partner", "riskManagementSummary": "Monthly home visits",
        "staffSafety": "Office appointments only"}
    referral = ok(request(svc, "POST", f"/api/v1/orders/{order['id']}/referrals", pp, draft), "referral")
    ok(request(svc, "POST", f"/api/v1/referrals/{referral['id']}/send", pp, {}), "send")
    ok(request(svc, "POST", f"/api/v1/referrals/{referral['id']}/accept", worker,
               {"riskInformationAcknowledged": True}), "accept")
    # A session starting in a moment: it must follow the referral, and attendance needs it begun.
    starts = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)).replace(microsecond=0)
    appointment = ok(request(svc, "POST", f"/api/v1/referrals/{referral['id']}/appointments", worker, {
        "startsAt": starts.isoformat().replace("+00:00", "Z"), "durationMinutes": 60, "kind": "DELIVERY",
        "method": "IN_PERSON", "location": "Office"}), "appointment")
    ok(request(svc, "POST", f"/api/v1/referrals/{referral['id']}/disclosures", worker, {
        "type": "PREGNANCY", "disclosedAt": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
        "disclosedBy": "PERSON_ON_PROBATION", "summary": "Partner is pregnant",
        "details": {"whoIsPregnant": "PARTNER", "claimsParentage": True}}), "disclosure")
    prompts = ok(request(svc, "GET", "/api/v1/safeguarding-prompts?status=OPEN", pp), "prompts")["items"]
    subscription = ok(request(svc, "POST", "/api/v1/webhook-subscriptions", tokens["probation"], {
        "url": "https://ndelius.invalid/hooks", "eventTypes": ["rarlink.person.upserted"]}),
        "webhook subscription")
    time.sleep(max(0.0, (starts - dt.datetime.now(dt.timezone.utc)).total_seconds() + 0.5))
    review = ok(request(svc, "GET", f"/api/v1/orders/{order['id']}/termination-review", pp), "review")
    ids = {
        "referral": referral["id"], "order": order["id"], "appointment": appointment["id"],
        "member": member["id"], "prompt": prompts[0]["id"] if prompts else None,
        "subscription": subscription["id"],
        "item": review["items"][0]["id"] if review.get("items") else None,
    }
    return tokens, ids


def caller_for(api_path, method, op):
    """The caller an operation is for: the first of its declared `x-access.callers`."""
    callers = (op.get("x-access") or {}).get("callers") or []
    if not callers or callers[0] == "anyone":
        raise SystemExit(f"{method.upper()} {api_path} declares no caller in x-access")
    return callers[0]


def path_parameters(path, ids):
    """The seeded resource each `{id}` of a path names."""
    params = {}
    if "{crn}" in path:
        params["path.crn"] = CRN
    owner = path.split("/")[3] if path.startswith("/api/v1/") else ""
    resource = {"referrals": "referral", "orders": "order", "appointments": "appointment",
                "safeguarding-prompts": "prompt", "webhook-subscriptions": "subscription"}.get(owner)
    if "/household-members/{id}" in path:
        resource = "member"
    if "{id}" in path and resource and ids.get(resource):
        params["path.id"] = ids[resource]
    if "{itemId}" in path and ids.get("item"):
        params["path.itemId"] = ids["item"]
    return params


def toml_string(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(svc, tokens, ids, path):
    _, _, spec = request(svc, "GET", "/openapi.json")
    lines = []
    for api_path, item in spec["paths"].items():
        for method, op in item.items():
            op_id = op.get("operationId")
            if not op_id or not api_path.startswith("/api/"):
                continue
            caller = caller_for(api_path, method, op)
            lines.append("[[operations]]")
            lines.append(f"include-operation-id = {toml_string(op_id)}")
            lines.append(f"headers = {{ Authorization = {toml_string('Bearer ' + tokens[caller])} }}")
            params = path_parameters(api_path, ids)
            if params:
                inner = ", ".join(f"{toml_string(k)} = {toml_string(v)}" for k, v in params.items())
                lines.append(f"parameters = {{ {inner} }}")
            lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--max-time", type=int, default=120, help="seconds for the whole schemathesis run")
    parser.add_argument("--seed", help="schemathesis seed, to reproduce a run")
    parser.add_argument("--report-dir", help="keep schemathesis' JUnit report here")
    args = parser.parse_args()
    schemathesis = shutil.which("schemathesis") or shutil.which("st")
    if not schemathesis:
        raise SystemExit("schemathesis is not installed: pip install -r scripts/requirements.txt")

    svc = Service(args.database, free_port())
    svc.start()
    workdir = tempfile.mkdtemp(prefix="rarlink-fuzz.")
    try:
        tokens, ids = seed(svc)
        config = os.path.join(workdir, "schemathesis.toml")
        write_config(svc, tokens, ids, config)
        # One worker: with two, CPython 3.11's ast module is not thread-safe under hypothesis and
        # schemathesis can die with "AST constructor recursion depth mismatch" (a tool crash, not ours).
        command = [schemathesis, "--no-color", "--config-file", config, "run", f"{svc.base}/openapi.json",
                   "--checks", CHECKS, "--max-time", str(args.max_time), "--workers", "1",
                   "--request-timeout", "10",
                   "--report", "junit", "--report-dir", args.report_dir or workdir,
                   "--suppress-health-check", "all"]
        if args.seed:
            command += ["--seed", args.seed]
        print("+ " + " ".join(command), flush=True)
        code = subprocess.run(command, cwd=workdir).returncode  # its cache stays out of the repo
        alive = request(svc, "GET", "/health/live")[0] == 200
    finally:
        svc.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    passed = code == 0 and alive
    print(f"{'ok  ' if passed else 'FAIL'} schemathesis on {args.database.split(':')[0]}: "
          f"{'no failures' if code == 0 else f'exit {code}'}{'' if alive else '; the service died'}")
    print(f"fuzz: {int(passed)} passed, {int(not passed)} failed")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
