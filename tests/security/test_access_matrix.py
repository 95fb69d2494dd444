"""Access matrix generated from the URL resolver (issue 8): every portal, office and API route that takes an id, code or
slug, every method, requested by people who must not reach the victim's object — another owner, a delegate of
someone else, and staff of each scope that does not cover the victim's project (property company, committee,
subdistrict, district; city staff on owner-only routes) — must answer 401/403/404/405 (or send an anonymous visitor
to a log-in page), never 200 with the victim's data, and must write nothing.

HOW TO ADD A ROW (a new route without a row fails `test_every_route_with_a_parameter_has_a_row`):
- Find the route's name as the failure prints it (`namespace:name`, API routes `api:<operation name>`).
- Add it to MATRIX with one entry per URL parameter naming the victim object to put there — one of the keys of
  `World.ids` (add a new key and create the object in `_world` if none fits) — and, if the route is meant to be
  reachable by some of the actors (public pages, the city's office scope), list those in `allow`.
- Routes whose victim object the world cannot build yet go to PENDING with the reason; PENDING may only shrink.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pmip.core import clock
from pmip.credit.models import CreditDispute, CreditEntry, CreditSubject, InspectionScore
from pmip.decisions.models import Ballot, Matter, Meeting, PublicityFile
from pmip.delegation.models import Delegation
from pmip.enquiries.models import Enquiry, EnquiryImage, EnquiryMessage, PublicAnswer
from pmip.evaluation.models import Evaluation, Reply
from pmip.identity.models import (
    AccountKind,
    HouseBinding,
    HouseInfoSubmission,
    OfflineEvidence,
    OfflineVerification,
    ScopeLevel,
)
from pmip.notifications.models import Notification
from pmip.registry.models import District, Project, PropertyCompany, Subdistrict
from pmip.tendering.models import Bidder, Tender, TenderDocument, TenderStep
from pmip.weather.models import WarningTask
from tests import factories as base
from tests.decisions import factories as f
from tests.security.matrix_worlds import credit as credit_world
from tests.security.matrix_worlds import enquiries as enquiries_world
from tests.security.matrix_worlds import evaluation as evaluation_world
from tests.security.matrix_worlds import funds as funds_world
from tests.security.matrix_worlds import jobs as jobs_world
from tests.security.matrix_worlds import tendering as tendering_world
from tests.security.matrix_worlds import verification as verification_world
from tests.security.matrix_worlds import weather as weather_world

OWNER_ONLY = ("company", "committee", "subdistrict", "district", "city")  # staff have no owner pages at all
STAFF_OUT_OF_SCOPE = ("company", "committee", "subdistrict", "district")
OWNERS = ("other_owner", "delegate")  # owner accounts outside the victim's project
PUBLIC = ("other_owner", "delegate", "company", "committee", "subdistrict", "district", "city", "anonymous")


@dataclass(frozen=True)
class Row:
    params: dict[str, str]
    allow: tuple[str, ...] = ()  # actors that may reach the object (public data, the city's scope)
    # texts the allowed actors must not be shown (a person's name, private entries), but those in `full` (offices)
    hidden: tuple[str, ...] = ()
    full: tuple[str, ...] = ()
    # JSON sent with API writes, so that they reach the scope check ("<key>" values: w.ids[key])
    body: dict[str, object] | None = None


def office(params: dict[str, str]) -> Row:
    """A back-office route: the city scope covers every project (allowed), every other scope must not."""
    return Row(params, allow=("city",))


def public(params: dict[str, str], hidden: tuple[str, ...] = (), full: tuple[str, ...] = ()) -> Row:
    return Row(params, allow=PUBLIC, hidden=hidden, full=full)


M = {"pk": "meeting"}
MATRIX: dict[str, Row] = {
    # office: decisions
    **{
        f"office_decisions:{n}": office(M)
        for n in [
            "detail",
            "edit",
            "matter_add",
            "file_upload",
            "notice",
            "open",
            "close",
            "cancel",
            "turnout",
            "paper",
            "results",
            "publish",
            "export",
            "bulletin",
            "roll",
            "audit",
        ]
    },
    "office_decisions:matter_edit": office({"pk": "meeting", "matter_id": "matter"}),
    "office_decisions:matter_remove": office({"pk": "meeting", "matter_id": "matter"}),
    "office_decisions:export_matter": office({"pk": "meeting", "matter_id": "matter"}),
    "office_decisions:file": office({"file_id": "file"}),
    # office: verification
    "office_verification:offline_detail": office({"pk": "offline"}),
    "office_verification:offline_upload": office({"pk": "offline"}),
    "office_verification:offline_approve": office({"pk": "offline"}),
    "office_verification:offline_reject": office({"pk": "offline"}),
    # office: registry
    "office:project_detail": office({"code": "code"}),
    "office:project_edit": office({"code": "code"}),
    "office:building_detail": office({"code": "code", "building_id": "building"}),
    # office: funds pages keyed by the project code alone
    **{
        f"office_funds:{n}": office({"code": "code"})
        for n in [
            "project",
            "ledger",
            "flags",
            "repairs",
            "repair_new",
            "post_first",
            "post_monthly",
            "post_interest",
            "accounts",
            "account_open",
            "disclosures",
            "disclosure_new",
            "reports",
            "report_open",
        ]
    },
    "office_funds:building": office({"code": "code", "building_id": "building"}),
    "office_funds:unit": office({"code": "code", "unit_id": "unit"}),
    # API: office
    **{
        f"api:{n}": office({"meeting_id": "meeting"})
        for n in [
            "get_meeting",
            "get_turnout",
            "get_tally",
            "get_export",
            "add_matter",
            "upload_file",
            "publish_notice",
            "open_voting",
            "close_voting",
            "publish_results",
            "cancel_meeting",
        ]
    },
    **{
        f"api:{n}": office({"code": "code"})
        for n in [
            "project_overview",
            "project_buildings",
            "project_entries",
            "list_repairs",
            "create_repair",
            "list_disclosures",
            "list_reports",
            "preview_repair",
            "get_project",
            "patch_project",
        ]
    },
    # API: owner
    "api:revoke": Row({"delegation_id": "delegation"}),
    "api:read_one": Row({"notification_id": "notification"}),
    "api:binding_detail": Row({"binding_id": "binding"}),
    "api:meeting_detail": Row({"meeting_id": "meeting"}),
    "api:cast": Row({"meeting_id": "meeting"}),
    "api:results": Row({"meeting_id": "meeting"}),
    "api:bulletin": Row({"meeting_id": "meeting"}),
    # API: 互动交流 / 政民互动 — the asker's own, and the office handling it now (the victim's company: nobody here)
    **{
        f"api:{n}": Row({"enquiry_id": "enquiry"})
        for n in ("my_enquiry", "withdraw_enquiry", "rate_enquiry", "reopen_enquiry", "enquiry_consent")
    },
    **{
        f"api:{n}": Row({"enquiry_id": "enquiry"})
        for n in (
            "office_enquiry",
            "accept_enquiry",
            "answer_enquiry",
            "publish_enquiry",
            "take_down_enquiry",
        )
    },
    # API: 招标投标 writes (the victim project's tender; the city's office scope covers it)
    **{
        f"api:{n}": office({"tender_id": "tender"})
        for n in ("office_correct_step", "office_add_bidder", "office_upload_document")
    },
    # portal: owner pages
    "portal_inbox:detail": Row({"notification_id": "notification"}),
    "portal_account:binding_detail": Row({"binding_id": "binding"}),
    "portal_delegation:revoke": Row({"pk": "delegation"}),
    **{
        f"portal_decisions:{n}": Row({"meeting_id": "meeting"})
        for n in ("meeting", "publicity", "voters", "results", "bulletin")
    },
    **{f"portal_decisions:{n}": Row({"matter_id": "matter"}) for n in ("matter", "confirm", "cast")},
    "portal_decisions:receipt": Row({"matter_id": "matter", "unit_id": "unit"}),
    "portal_decisions:file": Row({"file_id": "file"}),
    # 维修资金 (tests/security/matrix_worlds/funds.py): back office and staff API — the city's scope only
    "office_funds:reverse": office({"code": "code", "entry_id": "fund_entry"}),
    **{
        f"office_funds:{n}": office({"code": "code", "repair_id": "fund_repair"})
        for n in ("repair", "repair_charge", "repair_cancel", "repair_edit")
    },
    **{
        f"office_funds:{n}": office({"code": "code", "account_id": "fund_account"})
        for n in ("account", "account_statement", "account_close")
    },
    **{
        f"office_funds:{n}": office({"code": "code", "disclosure_id": "fund_disclosure"})
        for n in ("disclosure", "disclosure_edit", "disclosure_publish")
    },
    **{
        f"office_funds:{n}": office({"code": "code", "report_id": "fund_report"})
        for n in ("report", "report_line_add", "report_publish")
    },
    "office_funds:report_line_remove": office(
        {"code": "code", "report_id": "fund_report", "line_id": "fund_report_line"}
    ),
    "office_funds:report_correct": office({"code": "code", "report_id": "fund_report_published"}),
    "office_funds:report_download": office(
        {"code": "code", "report_id": "fund_report", "fmt": "fund_format"}
    ),
    "api:unit_ledger": office({"unit_id": "unit"}),
    **{
        f"api:{n}": office({"repair_id": "fund_repair"})
        for n in ("get_repair", "charge_repair", "cancel_repair", "update_repair")
    },
    "api:get_report": office({"report_id": "fund_report"}),
    "api:correct_report": office({"report_id": "fund_report_published"}),
    "api:reverse_entry": office({"entry_id": "fund_entry"}),
    "api:publish_disclosure": office({"disclosure_id": "fund_disclosure"}),
    # 维修资金 of the owners: only owners bound in the project and their delegates (none of the actors here; staff
    # have their own pages), and a unit's sub-ledger only for that unit's owner — the published report and notice,
    # which those owners do see, are the ones tried
    **{
        f"api:{n}": Row({"project_id": "fund_project"})
        for n in (
            "project_overview@api/v1/funds/projects/<project_id>",
            "project_entries@api/v1/funds/projects/<project_id>/entries",
            "project_buildings@api/v1/funds/projects/<project_id>/buildings",
            "project_charts",
            "project_repairs",
            "project_accounts",
            "project_reports",
            "project_disclosures",
        )
    },
    **{
        f"api:{n}": Row({"building_id": "building"})
        for n in ("building_overview", "building_entries", "building_units")
    },
    "api:unit_overview": Row({"unit_id": "unit"}),
    "api:unit_ledger@api/v1/funds/units/<unit_id>/ledger": Row({"unit_id": "unit"}),
    "api:account_flows": Row({"account_id": "fund_account"}),
    "api:report_detail": Row({"report_id": "fund_report_published"}),
    "api:report_download": Row({"report_id": "fund_report_published", "fmt": "fund_format"}),
    "api:disclosure_detail": Row({"disclosure_id": "fund_disclosure_published"}),
    "portal_funds:project": Row({"project_id": "fund_project"}),
    "portal_funds:building": Row({"building_id": "building"}),
    "portal_funds:unit": Row({"unit_id": "unit"}),
    "portal_funds:report": Row({"report_id": "fund_report_published"}),
    "portal_funds:report_download": Row({"report_id": "fund_report_published", "fmt": "fund_format"}),
    "portal_funds:disclosure": Row({"disclosure_id": "fund_disclosure_published"}),
    # 关注 (维修金概览): any owner may follow any project (its figures are public); it writes only their own follow
    **{
        n: Row({"code": "code"}, allow=OWNERS)
        for n in ("portal_funds:follow", "portal_funds:unfollow", "api:unfollow")
    },
    # verification: evidence files (the applicant and the project's verifiers only: committee, subdistrict — not
    # the city) and house-information submissions (the chosen subdistrict's queue only)
    "office_verification:evidence_file": Row({"pk": "evidence"}),
    "office_verification:house_detail": Row({"pk": "house_submission"}),
    "portal_delegation:offline_evidence": Row({"pk": "evidence"}),
    # 招标投标: owners and delegates of the project; staff whose scope covers it
    **{
        f"office_tendering:{n}": office({"pk": "tender"})
        for n in ("detail", "record_step", "correct_step", "add_bidder", "upload_document")
    },
    "office_tendering:document": office({"document_id": "tender_document"}),
    "api:office_tender": office({"tender_id": "tender"}),
    "api:office_record_step": Row(
        {"tender_id": "tender"}, allow=("city",), body={"step": "announcement", "date": "<today>"}
    ),
    "api:owner_tender": Row({"tender_id": "tender"}),
    "portal_tendering:detail": Row({"tender_id": "tender"}),
    "portal_tendering:document": Row({"document_id": "tender_document"}),
    # 预警防御检查: the project's company and the offices in scope
    "office_weather:done": office({"pk": "weather_task"}),
    # 业主评价: owners and delegates of the project; staff in scope read; only the project's company (office
    # evaluations) or committee replies — not the city
    "api:project_evaluations": Row({"code": "code", "target": "target"}),
    "api:reply": Row({"evaluation_id": "evaluation"}, body={"body": "越权回复"}),
    "api:edit": Row({"evaluation_id": "evaluation"}, body={"body": "越权回复"}),
    "office_evaluation:reply": office({"evaluation_id": "evaluation"}),
    "portal_evaluation:targets": Row({"project_id": "project_id"}),
    **{
        f"portal_evaluation:{n}": Row({"project_id": "project_id", "target": "target"})
        for n in ("rate", "details", "stats")
    },
    # rankings and open data: public by design, anonymised (no evaluator, not even masked)
    **{
        f"api:{n}": public({"period": "period", "kind": "ranking_kind"}, hidden=("陈*", "陈受害"))
        for n in ("open_ranking", "open_scores", "open_scores_csv", "ranking_page")
    },
    # 信用信息: city and the subject's district office manage; public pages show a natural person masked, without
    # phone, and an owner's entries only of public categories
    "api:add_entry": Row(
        {"subject_id": "credit_person"},
        allow=("city",),
        body={
            "polarity": "bad",
            "severity": "minor",
            "title": "越权录入",
            "points": 1,
            "document_no": "X-1",
            "issued_on": "<today>",
        },
    ),  # fmt: skip
    "api:decide": Row(
        {"dispute_id": "credit_dispute"}, allow=("city",), body={"uphold": False, "note": "越权"}
    ),
    "office_credit:subject": office({"subject_id": "credit_person"}),
    "office_credit:dispute": office({"dispute_id": "credit_dispute"}),
    **{
        n: public({"subject_id": "credit_person"}, hidden=credit_world.PRIVATE, full=("city",))
        for n in ("api:credit_subject", "portal_public:credit_subject")
    },
    "portal_public:service_evaluation_detail": public(
        {"subject_id": "credit_leader"}, hidden=credit_world.PRIVATE
    ),
    "api:company": public({"credit_code": "credit_code"}, hidden=credit_world.PRIVATE),
    "portal_public:company": public({"credit_code": "credit_code"}, hidden=credit_world.PRIVATE),
    # 互动交流: the asker, and the office handling it now (the victim's subdistrict: nobody here); any owner has
    # the list and the form of a channel, showing only their own
    "office_enquiries:detail": Row({"pk": "enquiry_with_image"}),
    "office_enquiries:act": Row({"pk": "enquiry_with_image", "action": "office_action"}),
    "office_enquiries:image": Row({"image_id": "enquiry_image"}),
    "portal_enquiries:detail": Row({"enquiry_id": "enquiry_with_image"}),
    "portal_enquiries:act": Row({"enquiry_id": "enquiry_with_image", "action": "owner_action"}),
    "portal_enquiries:image": Row({"image_id": "enquiry_image"}),
    **{
        f"portal_enquiries:{n}": Row(
            {"channel": "channel"},
            allow=("other_owner", "delegate"),
            hidden=("您的咨询", "您的投诉", "陈受害"),
        )
        for n in ("index", "new")
    },
    # public by design (the project's public page, and places with no object behind the parameter)
    "api:project_detail": public({"code": "code"}),
    "api:project_weather": public({"code": "code"}),
    "portal:project_detail": public({"code": "code"}),
    "portal:project_section": public({"code": "code", "section": "section"}),
    "api:unknown": public({"path": "path"}),
    "office_calendar:year": Row({"year": "year"}, allow=STAFF_OUT_OF_SCOPE + ("city",)),
    # 后台任务: its starter (the victim project's committee) and the offices whose scope covers it (the city here)
    "office_jobs:detail": office({"job_id": "office_job"}),
    "api:get_job": office({"job_id": "office_job"}),
}

# Routes listed but not exercised yet: the world below cannot build their victim object. May only shrink.
PENDING: dict[str, str] = {}


def _routes() -> dict[str, str]:
    """name → route of every portal/office/API route with a parameter (the admin under /ops/ has its own login)."""
    out: dict[str, str] = {}

    def walk(resolver, prefix: str, ns: tuple[str, ...]):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, prefix + str(p.pattern), ns + ((p.namespace,) if p.namespace else ()))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if not re.search(r"[<{]", route) or route.startswith(("ops/", "captcha/", "static/")):
                    continue
                name = ":".join((*ns, p.name or route))
                # one name may serve several routes: two API operations with the same function name on different
                # paths (the staff and the owner `unit_ledger`). The first keeps the name, the others are
                # `name@route`, so that none goes untested.
                if out.setdefault(name, route) != route:
                    out.setdefault(f"{name}@{route}", route)

    walk(get_resolver(), "", ())
    return out


def test_every_route_with_a_parameter_has_a_row():
    routes = _routes()
    missing = sorted(set(routes) - set(MATRIX) - set(PENDING))
    assert missing == [], (
        "routes without a row in tests/security/test_access_matrix.py MATRIX (see its docstring): "
        + ", ".join(f"{n} ({routes[n]})" for n in missing)
    )
    stale = sorted((set(MATRIX) | set(PENDING)) - set(routes))
    assert stale == [], f"rows for routes that no longer exist: {stale}"
    assert not set(MATRIX) & set(PENDING)


@dataclass
class World:
    ids: dict[str, object] = field(default_factory=dict)
    actors: dict[str, Client] = field(default_factory=dict)


def _world() -> World:
    """The victim (an owner of 海岸城小区 in another district, with a meeting, a binding, a delegation, a message and
    an offline application) and the people who must not reach any of it."""
    place = f.place()  # 罗湖区 / 东门街道: the attackers' side
    company_a = PropertyCompany.objects.create(name="甲物业", credit_code="91440300MA5F0000A1", phone="1")
    company_b = PropertyCompany.objects.create(name="乙物业", credit_code="91440300MA5F0000B1", phone="2")
    Project.objects.filter(pk=place.project.pk).update(company=company_a)
    district_b = District.objects.create(code="440305", name="南山区")
    sub_b = Subdistrict.objects.create(district=district_b, name="粤海街道")
    victim_project = base.project(code="440305001", name="海岸城小区", subdistrict=sub_b, company=company_b)
    convener = f.committee_staff(victim_project, "victim_convener")

    victim, other, delegate, principal, applicant = (
        f.person("陈受害"),
        f.person("李其他"),
        f.person("王受托"),
        f.person("赵委托"),
        f.person("钱申请", verified=False),
    )
    unit = f.unit(victim_project, "1-101", "90.00")
    f.own(unit, victim)
    f.own(f.unit(victim_project, "1-102", "80.00"), applicant)
    f.own(f.unit(place.project, "1-101", "90.00"), other)
    f.own(f.unit(place.project, "1-102", "70.00"), principal)
    f.delegate(principal, place.project, delegate)
    meeting = f.open_meeting(convener, victim_project, [f.question()])
    matter = meeting.matters.get()
    f.vote(victim, matter, unit, "yes")
    victim_delegation = Delegation.objects.create(
        owner=victim.account,
        project=victim_project,
        delegate_name="孙受托",
        delegate_mobile="+8613900009999",
        status="revoked",
        granted_at=f.T0,
    )
    notification = Notification.objects.create(recipient=victim.account, kind="test.victim", title="您的消息")
    from pmip.identity import offline

    application = offline.apply_offline_verification(actor=applicant.account, project=victim_project)
    from pmip.enquiries import services as enquiry_services

    enquiry = enquiry_services.open_enquiry(
        actor=victim.account, channel="community", category="consult", title="您的咨询", text="陈受害的问题",
        project_id=victim_project.pk,
    )  # fmt: skip

    w = World()
    w.ids = {
        "meeting": meeting.pk,
        "matter": matter.pk,
        "file": PublicityFile.objects.filter(meeting=meeting).values_list("pk", flat=True).first(),
        "unit": unit.pk,
        "building": unit.building_id,
        "code": victim_project.code,
        "binding": HouseBinding.objects.get(account=victim.account, unit=unit).pk,
        "delegation": victim_delegation.pk,
        "notification": notification.pk,
        "offline": application.pk,
        "enquiry": enquiry.pk,
        "section": "info",
        "feature": "x",
        "path": "nothing/here",
        "year": 2026,
    }
    w.ids.update(funds_world.build(project=victim_project, unit=unit, owner=victim.account))
    w.ids["today"] = clock.today().isoformat()
    w.ids |= verification_world.build(
        project=victim_project, application=application, verifier=convener, applicant=applicant.account
    )
    w.ids |= tendering_world.build(project=victim_project, manager=convener)
    w.ids |= weather_world.build(project=victim_project)
    w.ids |= evaluation_world.build(project=victim_project, owner=victim.account)
    w.ids |= credit_world.build(project=victim_project, owner=victim.account)
    w.ids |= enquiries_world.build(project=victim_project, asker=victim.account)
    w.ids |= jobs_world.build(project=victim_project, starter=convener)

    def client(account=None) -> Client:
        c = Client()
        if account is not None and account.kind == AccountKind.OWNER:
            c.force_login(account, backend="django.contrib.auth.backends.ModelBackend")
        elif account is not None:
            base.login_staff(c, account)  # both log-in steps, as the back office requires
        return c

    w.actors = {
        "anonymous": client(),
        "other_owner": client(other.account),
        "delegate": client(delegate.account),
        "company": client(f.staff("atk_company", level=ScopeLevel.COMPANY, company=company_a)),
        "committee": client(f.committee_staff(place.project, "atk_committee")),
        "subdistrict": client(
            f.staff("atk_sub", level=ScopeLevel.SUBDISTRICT, subdistrict=place.subdistrict)
        ),
        "district": client(f.staff("atk_district", level=ScopeLevel.DISTRICT, district=place.district)),
        "city": client(f.staff("atk_city", level=ScopeLevel.CITY)),
    }
    return w


def _fingerprint() -> tuple:
    """Everything a write to the victim's objects would change."""
    return (
        tuple(Meeting.objects.order_by("pk").values_list("pk", "state", "title", "ballot_sequence")),
        tuple(Matter.objects.order_by("pk").values_list("pk", "title")),
        tuple(Ballot.objects.order_by("pk").values_list("pk", "superseded_at")),
        tuple(PublicityFile.objects.order_by("pk").values_list("pk")),
        tuple(Delegation.objects.order_by("pk").values_list("pk", "status")),
        tuple(HouseBinding.objects.order_by("pk").values_list("pk", "status")),
        tuple(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        tuple(OfflineVerification.objects.order_by("pk").values_list("pk", "status")),
        tuple(Project.objects.order_by("pk").values_list("pk", "name", "address")),
        tuple(
            Enquiry.objects.order_by("pk").values_list("pk", "state", "rating", "reopened", "public_consent")
        ),
        tuple(EnquiryMessage.objects.order_by("pk").values_list("pk")),
        funds_world.fingerprint(),
        tuple(PublicAnswer.objects.order_by("pk").values_list("pk", "withdrawn_at")),
        tuple(Tender.objects.order_by("pk").values_list("pk", "title")),
        tuple(TenderStep.objects.order_by("pk").values_list("pk")),
        tuple(Bidder.objects.order_by("pk").values_list("pk", "winner")),
        tuple(TenderDocument.objects.order_by("pk").values_list("pk")),
        tuple(EnquiryImage.objects.order_by("pk").values_list("pk")),
        tuple(OfflineEvidence.objects.order_by("pk").values_list("pk")),
        tuple(HouseInfoSubmission.objects.order_by("pk").values_list("pk", "status", "reply")),
        tuple(WarningTask.objects.order_by("pk").values_list("pk", "done_at", "note")),
        tuple(Evaluation.objects.order_by("pk").values_list("pk", "is_current")),
        tuple(Reply.objects.order_by("pk").values_list("pk", "body", "updated_at")),
        tuple(CreditSubject.objects.order_by("pk").values_list("pk", "name", "phone")),
        tuple(CreditEntry.objects.order_by("pk").values_list("pk", "status", "title")),
        tuple(CreditDispute.objects.order_by("pk").values_list("pk", "state", "decision_note")),
        tuple(InspectionScore.objects.order_by("pk").values_list("pk", "score")),
        jobs_world.fingerprint(),
    )


DENIED = {401, 403, 404, 405}
# The victim's data that must never appear in an answer to anyone else.
MARKERS = (
    "陈受害",
    "陈*",
    "孙受托",
    "孙*",
    "您的消息",
    "钱申请",
    "钱*",
    *funds_world.MARKERS,
    *jobs_world.MARKERS,
)


def _verdict(client: Client, actor: str, method: str, url: str, response) -> str:
    """'' when the answer reveals and does nothing, else what is wrong."""
    status = response.status_code
    location = response.headers.get("Location", "")
    body = "" if response.streaming else response.content.decode(errors="replace")
    leaked = next((m for m in MARKERS if m in body), None)
    if leaked:
        return (
            f"{status} {location} with the victim's {leaked}"  # a refusal that shows the data is no refusal
        )
    if status in DENIED or (status == 302 and "login" in location):
        return ""
    if status in (400, 422) and method != "get" and url.startswith("/api/"):
        return ""  # the API refused the (empty) body before reading anything; the fingerprint checks no write
    if status == 200 and actor == "anonymous" and "登录" in body and not any(m in body for m in MARKERS):
        return ""  # the owner pages' "please log in" page
    if status == 302 and location.startswith("/") and not location.startswith("//"):
        follow = client.get(location)
        if follow.status_code in DENIED or (
            follow.status_code == 302 and "login" in follow.headers.get("Location", "")
        ):
            return ""  # sent back to a page that is itself closed to them
    return f"{status} {location}"


def _fill(route: str, params: dict[str, str], ids: dict[str, object]) -> str:
    def sub(m):
        return str(ids[params[m.group(1)]])

    url = re.sub(r"<(?:\w+:)?(\w+)>", sub, route)
    url = re.sub(r"\{(\w+)\}", sub, url)
    return "/" + url


def _body(body: dict[str, object], ids: dict[str, object]) -> dict[str, object]:
    """The row's JSON body with "<key>" values taken from the world's ids."""
    out = {}
    for k, v in body.items():
        m = re.fullmatch(r"<(\w+)>", v) if isinstance(v, str) else None
        out[k] = ids[m.group(1)] if m else v
    return out


def _shown(response, hidden: tuple[str, ...]) -> list[str]:
    """Which of the hidden texts an answer to an allowed actor shows (JSON decoded: Chinese is escaped there)."""
    if response.status_code >= 500:
        return [f"status {response.status_code}"]
    if not hidden or response.status_code != 200 or getattr(response, "streaming", False):
        return []
    text = response.content.decode(errors="replace")
    if response.headers.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return [h for h in hidden if h in text]


@pytest.mark.django_db
@pytest.mark.usefixtures("quiet_request_log")
def test_nobody_reaches_another_persons_object(private_media):
    world = _world()
    routes = _routes()
    before = _fingerprint()
    failures = []
    for name, row in sorted(MATRIX.items()):
        url = _fill(routes[name], row.params, world.ids)
        if "{" in url or "<" in url:
            failures.append(f"{name}: parameter not filled in {url}")
            continue
        methods = ("get", "post", "put", "patch", "delete") if url.startswith("/api/") else ("get", "post")
        for actor, client in world.actors.items():
            if actor in row.allow:
                shown = _shown(client.get(url), () if actor in row.full else row.hidden)
                if shown:
                    failures.append(f"{actor} GET {url} ({name}) shows {shown}")
                continue
            for method in methods:
                kwargs = {}
                if row.body is not None and method != "get" and url.startswith("/api/"):
                    kwargs = {
                        "data": json.dumps(_body(row.body, world.ids)),
                        "content_type": "application/json",
                    }
                wrong = _verdict(client, actor, method, url, getattr(client, method)(url, **kwargs))
                if wrong:
                    failures.append(f"{actor} {method.upper()} {url} ({name}) → {wrong}")
        if _fingerprint() != before:
            failures.append(f"{name}: a request changed the victim's data")
            before = _fingerprint()
    assert failures == [], "\n".join(failures)
