#!/usr/bin/env python3
"""Typed-client check: generates a Python client from the committed contract
(openapi/openapi.json) with openapi-python-client, as an integrator would, and drives one case end
to end through it against a freshly started rarlink. Fails on any generator warning, any
unexpected status, and any response the generated client cannot parse into its typed model.

  scripts/client_check.py --database sqlite:/tmp/client.db
  scripts/client_check.py --database postgres://postgres@127.0.0.1:55432/client

RARLINK_BIN picks the binary (scripts/test.sh uses target/debug/rarlink). Prints a closing
'client: N passed, N failed' line; exits non-zero on failure.
"""
import argparse
import datetime as dt
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

from faults import BINARY, Service, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTRACT = os.path.join(ROOT, "openapi", "openapi.json")
PROBATION, PROVIDER, CRN = "PDU-CLIENT", "PROV-CLIENT", "X000002"
# No post hooks: the generated code is imported, not formatted (ruff is not needed).
GENERATOR_CONFIG = "post_hooks: []\npackage_name_override: rarlink_client\n"


def generate(workdir):
    """Generates the client into workdir; any warning fails the check."""
    generator = shutil.which("openapi-python-client")
    if not generator:
        raise SystemExit("openapi-python-client is not installed: pip install -r scripts/requirements-client.txt")
    config = os.path.join(workdir, "generator.yaml")
    with open(config, "w") as f:
        f.write(GENERATOR_CONFIG)
    out = subprocess.run([generator, "generate", "--path", CONTRACT, "--meta", "none",
                          "--output-path", os.path.join(workdir, "rarlink_client"),
                          "--config", config, "--fail-on-warning"],
                         capture_output=True, text=True, cwd=workdir)
    text = out.stdout + out.stderr
    if out.returncode != 0 or "warning" in text.lower():
        raise AssertionError(f"the generator warned or failed (exit {out.returncode}):\n{text}")
    sys.path.insert(0, workdir)
    return importlib.import_module("rarlink_client")


def token(svc, sub, org, *roles):
    args = [BINARY, "token", "--sub", sub, "--org", org, "--name", sub]
    for role in roles:
        args += ["--role", role]
    return subprocess.run(args, env=svc.env(), capture_output=True, text=True, check=True).stdout.strip()


class Driver:
    """Calls generated operations, insisting on the status and the typed model of each answer."""

    def __init__(self, client_module, base, svc):
        self.m = client_module
        self.api = importlib.import_module("rarlink_client.api")
        self.models = importlib.import_module("rarlink_client.models")
        self.base, self.svc, self.steps = base, svc, 0

    def client(self, sub, org, *roles):
        return self.m.AuthenticatedClient(base_url=self.base, token=token(self.svc, sub, org, *roles),
                                          raise_on_unexpected_status=True)

    def call(self, what, operation, expected, model, /, *args, **kwargs):
        module = importlib.import_module(f"rarlink_client.api.{operation}")
        response = module.sync_detailed(*args, **kwargs)
        if response.status_code != expected:
            raise AssertionError(f"{what}: expected {expected}, got {response.status_code}: "
                                 f"{response.content.decode(errors='replace')[:2000]}")
        parsed = response.parsed
        if model is not None and not isinstance(parsed, model):
            raise AssertionError(f"{what}: the client read {type(parsed).__name__}, not {model}: "
                                 f"{response.content.decode(errors='replace')[:2000]}")
        self.steps += 1
        print(f"ok   {what}", flush=True)
        return parsed


def drive(d):
    M = d.models
    today = dt.date.today()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    admin = d.client("client-admin", "RARLINK", "admin")
    for code, kind in [(PROBATION, M.OrganisationKind.PROBATION), (PROVIDER, M.OrganisationKind.PROVIDER)]:
        d.call(f"register {code}", "organisations.create_organisation", 201, M.OrganisationView,
               client=admin, body=M.CreateOrganisation(code=code, name=code, kind=kind))
    pp = d.client("client-officer", PROBATION, "probation_practitioner", "probation_manager")
    worker = d.client("client-worker", PROVIDER, "provider_worker", "provider_manager")
    integration = d.client("client-ndelius", PROBATION, "integration")

    d.call("person", "people.upsert_person", 201, M.PersonView, CRN, client=pp,
           body=M.PersonDetails(first_name="Client", last_name="Case", date_of_birth=dt.date(1990, 5, 1),
                                managing_org=PROBATION))
    d.call("risk", "risk.record_risk", 201, M.RiskRecorded, CRN, client=pp, body=M.RiskAssessment(
        assessed_on=today - dt.timedelta(days=30), rosh_children=M.RoshLevel.MEDIUM,
        rosh_public=M.RoshLevel.LOW, rosh_known_adult=M.RoshLevel.MEDIUM, rosh_staff=M.RoshLevel.LOW,
        flags=[M.RiskFlag.DOMESTIC_ABUSE_PERPETRATOR], who_is_at_risk="Partners and their children",
        nature_of_risk="Domestic abuse", imminence="Not imminent", increasing_factors=["alcohol"],
        risk_to_self=M.RiskToSelf(suicide=False, self_harm=False), risk_management_plan="Monthly home visits",
        staff_safety="Office appointments only"))
    member = d.call("household member", "household.add_member", 201, M.MemberView, CRN, client=pp,
                    body=M.HouseholdMember(name="Jane Doe", relationship=M.Relationship.PARTNER,
                                           lives_in_household=True, verified=False,
                                           source=M.Source(kind=M.SourceKind.PROBATION_PRACTITIONER,
                                                           reported_on=today - dt.timedelta(days=10))))
    patched = d.call("household member merge patch", "household.update_member", 200, M.MemberView, CRN,
                     member.id, client=pp, body=M.HouseholdMemberPatch(verified=True, notes="Seen at home"))
    assert patched.verified is True and patched.notes == "Seen at home", patched

    offences = [M.Offence(description="Assault", category="Violence", domestic_abuse_related=True)]
    order_kwargs = dict(type_=M.OrderType.COMMUNITY_ORDER, start_date=today - dt.timedelta(days=200),
                        end_date=today + dt.timedelta(days=200), rar_max_days=30, offences=offences)
    plain = d.call("order, officer as a subject id", "orders.create_order", 201, M.OrderView, CRN, client=pp,
                   body=M.NewOrder(responsible_officer="client-officer", **order_kwargs))
    assert plain.responsible_officer.sub == "client-officer", plain
    order = d.call("order, officer as {sub, name}", "orders.create_order", 201, M.OrderView, CRN, client=pp,
                   body=M.NewOrder(responsible_officer=M.NamedOfficer(sub="client-officer", name="C Officer"),
                                   **order_kwargs))
    assert order.responsible_officer.name == "C Officer", order

    referral = d.call("referral draft", "referrals.create_referral", 201, M.ProbationReferralView, order.id,
                      client=pp, body=M.ReferralDraft(
                          provider_org=PROVIDER, intervention_type="Mental health one-to-one sessions", rar_days=5,
                          completion_deadline=today + dt.timedelta(days=150),
                          desired_outcomes=[M.OutcomeInput(description="Manages emotions in relationships")],
                          offence_summary="Assault on a partner", risk_management_summary="Monthly home visits",
                          staff_safety="Office appointments only"))
    referral_view = (M.ProbationReferralView, M.SharedReferralView)
    d.call("send", "referrals.send_referral", 200, referral_view, referral.id, client=pp)
    d.call("accept", "referrals.accept_referral", 200, referral_view, referral.id, client=worker,
           body=M.AcceptReferral(risk_information_acknowledged=True))

    details = M.PregnancyDetails(who_is_pregnant=M.WhoIsPregnant.PARTNER, claims_parentage=True,
                                 expected_due_date=today + dt.timedelta(days=120), partner_name="Jane Doe")
    recorded = d.call("disclosure with typed pregnancy details", "disclosures.provider_disclosure", 201,
                      M.DisclosureRecorded, referral.id, client=worker, body=M.NewDisclosure(
                          type_=M.DisclosureType.PREGNANCY, disclosed_at=now, summary="Partner is pregnant",
                          disclosed_by=M.DisclosedBy.PERSON_ON_PROBATION, details=details))
    assert isinstance(recorded.details, M.PregnancyDetails), recorded.details
    assert recorded.details.expected_due_date == details.expected_due_date, recorded.details
    listed = d.call("disclosures", "disclosures.list_disclosures", 200, M.PageDisclosureView, CRN, client=pp)
    assert isinstance(listed.items[0].details, M.PregnancyDetails), listed.items[0].details

    prompts = d.call("prompts", "safeguarding_prompts.list_prompts", 200, M.PagePromptView, client=pp,
                     status=M.PromptStatus.OPEN)
    assert prompts.items, "the pregnancy disclosure raised prompts"
    officer_prompt = next((p for p in prompts.items if p.assignee_role != "PROVIDER"), prompts.items[0])
    d.call("prompt", "safeguarding_prompts.get_prompt", 200, M.PromptView, officer_prompt.id, client=pp)
    d.call("resolve prompt", "safeguarding_prompts.resolve_prompt", 200, M.PromptView, officer_prompt.id,
           client=pp, body=M.ResolvePrompt(outcome=M.Outcome.ACTIONED, note="Referred to MASH",
                                           external_reference="MASH-1"))

    review = d.call("termination review", "termination.get_review", 200, M.ReviewView, order.id, client=pp)
    if review.items:
        d.call("confirm a review item", "termination.confirm_item", 200, M.ReviewView, order.id,
               review.items[0].id, client=pp, body=M.ConfirmItem(note="Checked"))

    chronology = d.call("chronology", "chronology.chronology", 200, M.PageChronologyEntry, CRN,
                        client=pp)
    # The generator names the page's entry type after the page; what matters is that each entry
    # comes back typed (dates parsed, role an enum) and the provider's words are there.
    assert chronology.items and all(
        isinstance(e.occurred_at, dt.datetime) and isinstance(e.recorded_at, dt.datetime)
        and isinstance(e.summary, str) for e in chronology.items), chronology
    assert any(e.kind == "disclosure" and "Partner is pregnant" in e.summary
               for e in chronology.items), chronology

    events = d.call("events", "events.list_events", 200, M.EventPage, client=integration, limit=200)
    kinds = {type(e).__name__ for e in events.items}
    for expected in ["PersonUpsertedEvent", "RiskAssessedEvent", "OrderCreatedEvent", "ReferralSentEvent",
                     "ReferralAcceptedEvent", "DisclosureRecordedEvent", "SafeguardingPromptRaisedEvent"]:
        assert expected in kinds, f"no {expected} among {sorted(kinds)}"
    for event in events.items:
        # Each envelope was read as the model of its own type, payload included.
        assert str(event.event_type) == event.to_dict()["eventType"], event
        assert type(event.additional_information).__name__.endswith("AdditionalInformation"), event
    sent = d.call("events of one type", "events.list_events", 200, M.EventPage, client=integration,
                  type_=M.EventType.RARLINK_REFERRAL_SENT).items
    assert [type(e).__name__ for e in sent] == ["ReferralSentEvent"], sent
    assert str(sent[0].additional_information.referral_id) == str(referral.id), sent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="rarlink-client.")
    svc = Service(args.database, free_port())
    passed, steps = False, 0
    try:
        client_module = generate(workdir)
        print("ok   generated a client from openapi/openapi.json with no warnings", flush=True)
        svc.start()
        d = Driver(client_module, svc.base, svc)
        try:
            drive(d)
            passed = True
        finally:
            steps = d.steps
    except Exception:  # noqa: BLE001 - any failure fails the check, with its trace
        traceback.print_exc()
    finally:
        svc.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    backend = args.database.split(":")[0]
    print(f"{'ok  ' if passed else 'FAIL'} typed client on {backend}: {steps} calls")
    print(f"client: {int(passed)} passed, {int(not passed)} failed")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
