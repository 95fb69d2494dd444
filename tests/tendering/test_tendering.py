"""招标投标: steps in order, dates against publicity periods in working days, corrections as versions, a push to
every bound owner and delegate once per event, owner and office pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.notifications import fanout
from pmip.notifications.models import Broadcast, Notification
from pmip.registry.models import PropertyCompany
from pmip.tendering import selectors, services
from pmip.tendering.choices import Step
from pmip.tendering.models import TenderStep
from tests.decisions import factories as f
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2025, 12, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with clock.frozen(NOW):
        yield


@pytest.fixture
def companies(city):
    extra = [
        PropertyCompany.objects.create(name=f"深圳市第{i}物业有限公司", credit_code=f"91440300MA5TEST{i:03d}")
        for i in range(3)
    ]
    return [city.companies["wanjia"], city.companies["anju"], *extra]


@pytest.fixture
def people(city):
    """Two bound owners of 莲花山庄, one owner's delegate, and an owner of another project."""
    project = city.projects["lianhua"]
    alice, bob, dave, zoe = (f.person(n) for n in ("甲", "乙", "丁", "戊"))
    f.own(f.unit(project, "9-101", "80.00"), alice)
    f.own(f.unit(project, "9-102", "80.00"), bob)
    f.delegate(bob, project, dave)
    f.own(f.unit(city.projects["haian"], "9-101", "80.00"), zoe)
    return {"alice": alice.account, "bob": bob.account, "dave": dave.account, "zoe": zoe.account}


@pytest.fixture
def tender(city, staff):
    return services.create_tender(
        actor=staff["lianhua"],
        project_id=city.projects["lianhua"].pk,
        title="莲花山庄物业服务招标",
        tenderer_kind="developer",
        method="public",
        agent="深圳某招标代理有限公司",
    )


def _bidders(tender, staff, companies, n=3):
    for c in companies[:n]:
        services.add_bidder(actor=staff["lianhua"], tender_id=tender.pk, credit_code=c.credit_code)


def _step(tender, staff, step, date, **kw):
    return services.record_step(actor=staff["lianhua"], tender_id=tender.pk, step=step, date=date, **kw)


def test_announcement_period_is_counted_in_working_days_across_national_day(tender, staff, companies):
    _step(tender, staff, Step.TENDER, D(2025, 9, 25))
    notice = _step(tender, staff, Step.ANNOUNCEMENT, D(2025, 9, 26))
    # 5 working days from Saturday 09-27: Sunday 09-28 (调休), 09-29, 09-30, 10-09, 10-10.
    assert notice.period_days == 5 and notice.period_ends == D(2025, 10, 10)
    _bidders(tender, staff, companies)
    with pytest.raises(ValidationFailed) as exc:
        _step(tender, staff, Step.OPENING, D(2025, 10, 10))
    assert "公示期至2025-10-10届满" in exc.value.message
    assert _step(tender, staff, Step.OPENING, D(2025, 10, 13)).step == Step.OPENING


def test_steps_cannot_be_skipped_or_repeated(tender, staff):
    with pytest.raises(ValidationFailed, match="不能跳过"):
        _step(tender, staff, Step.OPENING, D(2025, 9, 25))
    _step(tender, staff, Step.TENDER, D(2025, 9, 25))
    with pytest.raises(ValidationFailed, match="已登记"):
        _step(tender, staff, Step.TENDER, D(2025, 9, 26))
    with pytest.raises(ValidationFailed, match="不能早于"):
        _step(tender, staff, Step.ANNOUNCEMENT, D(2025, 9, 24))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        _step(tender, staff, Step.ANNOUNCEMENT, D(2026, 1, 5))


def test_opening_needs_three_bidders_and_winning_names_one(tender, staff, companies):
    _step(tender, staff, Step.TENDER, D(2025, 11, 3))
    _step(tender, staff, Step.ANNOUNCEMENT, D(2025, 11, 3))  # ends 11-10
    _bidders(tender, staff, companies, n=2)
    with pytest.raises(ValidationFailed, match="投标人少于3个"):
        _step(tender, staff, Step.OPENING, D(2025, 11, 11))
    _bidders(tender, staff, companies[2:], n=1)
    with pytest.raises(ValidationFailed, match="已是本次招标的投标人"):
        services.add_bidder(actor=staff["lianhua"], tender_id=tender.pk, credit_code=companies[0].credit_code)
    _step(tender, staff, Step.OPENING, D(2025, 11, 11))
    with pytest.raises(ValidationFailed, match="已开标"):
        services.add_bidder(actor=staff["lianhua"], tender_id=tender.pk, credit_code=companies[3].credit_code)
    _step(tender, staff, Step.OPENING_RESULT, D(2025, 11, 11))  # ends 11-14
    _step(tender, staff, Step.QUALIFIED, D(2025, 11, 14))  # notices may overlap; ends 11-19
    with pytest.raises(ValidationFailed, match="合格投标人公示”的公示期至2025-11-19届满"):
        _step(tender, staff, Step.EVALUATION, D(2025, 11, 19))
    _step(tender, staff, Step.EVALUATION, D(2025, 11, 20))
    _step(tender, staff, Step.EVALUATION_RESULT, D(2025, 11, 20))  # ends 11-25
    _step(tender, staff, Step.AWARD, D(2025, 11, 26))
    with pytest.raises(ValidationFailed, match="中标人"):
        _step(tender, staff, Step.WINNING, D(2025, 11, 27))
    winner = tender.bidders.first()
    _step(tender, staff, Step.WINNING, D(2025, 11, 27), winner_bidder_id=winner.pk)
    winner.refresh_from_db()
    assert winner.winner
    _step(tender, staff, Step.WINNING_RESULT, D(2025, 11, 27))  # ends 12-02
    _step(tender, staff, Step.CONTRACT, D(2025, 12, 3))
    with pytest.raises(ValidationFailed, match="均已登记"):
        _step(tender, staff, Step.CONTRACT, D(2025, 12, 4))
    assert selectors.current_stage(tender) == "合同备案"


def test_a_correction_is_a_new_version_and_keeps_order(tender, staff):
    _step(tender, staff, Step.TENDER, D(2025, 11, 3))
    first = _step(tender, staff, Step.ANNOUNCEMENT, D(2025, 11, 4))
    corrected = services.correct_step(
        actor=staff["lianhua"], tender_id=tender.pk, step=Step.ANNOUNCEMENT, date=D(2025, 11, 5), note="",
        reason="公告日期登记有误",
    )  # fmt: skip
    assert corrected.version == 2 and corrected.supersedes_id == first.pk
    assert TenderStep.objects.filter(tender=tender, step=Step.ANNOUNCEMENT).count() == 2
    entry = AuditEntry.objects.get(action="tendering.step.corrected")
    assert entry.data["before"]["date"] == "2025-11-04" and entry.data["after"]["date"] == "2025-11-05"
    with pytest.raises(ValidationFailed, match="不能早于"):
        services.correct_step(
            actor=staff["lianhua"], tender_id=tender.pk, step=Step.ANNOUNCEMENT, date=D(2025, 11, 1), note="",
            reason="x",
        )  # fmt: skip
    timeline = {i.step: i for i in selectors.timeline(tender)}
    assert timeline[Step.ANNOUNCEMENT].current.version == 2 and timeline[Step.ANNOUNCEMENT].versions == 2


def test_every_step_pushes_once_to_each_owner_and_delegate_of_the_project(tender, staff, people):
    _step(tender, staff, Step.TENDER, D(2025, 11, 3))
    _step(tender, staff, Step.ANNOUNCEMENT, D(2025, 11, 3))
    services.correct_step(
        actor=staff["lianhua"], tender_id=tender.pk, step=Step.ANNOUNCEMENT, date=D(2025, 11, 4), note="",
        reason="更正日期",
    )  # fmt: skip
    for broadcast in Broadcast.objects.all():
        assert fanout.expand(broadcast.pk)
        assert fanout.expand(broadcast.pk)  # expanding again adds nobody
    told = {p: Notification.objects.filter(recipient=people[p]).count() for p in people}
    assert told == {"alice": 3, "bob": 3, "dave": 3, "zoe": 0}
    message = Notification.objects.filter(recipient=people["dave"], kind="tendering.step.notice").first()
    assert message.link == f"/tendering/{tender.pk}/"
    assert "2025年11月11日" in Notification.objects.filter(title__startswith="更正").first().body


def test_scope_and_roles(tender, staff, city):
    with pytest.raises(PermissionDenied):
        services.create_tender(
            actor=staff["company"], project_id=city.projects["lianhua"].pk, title="t", tenderer_kind="developer",
            method="public",
        )  # fmt: skip
    with pytest.raises(NotFound):
        _step(tender, {"lianhua": staff["yuehai"]}, Step.TENDER, D(2025, 11, 3))
    with pytest.raises(ValidationFailed, match="业主决策会议"):
        services.create_tender(
            actor=staff["lianhua"], project_id=city.projects["lianhua"].pk, title="t", tenderer_kind="assembly",
            method="public",
        )  # fmt: skip
    assert list(selectors.tenders_for_staff(actor=staff["company"])) == [tender]  # company reads its project
    assert list(selectors.tenders_for_staff(actor=staff["yuehai"])) == []


def test_owner_pages(client, tender, staff, people, companies):
    _step(tender, staff, Step.TENDER, D(2025, 11, 3))
    _bidders(tender, staff, companies)
    row = TenderStep.objects.get(step=Step.TENDER)
    doc = services.upload_document(
        actor=staff["lianhua"],
        step_id=row.pk,
        title="招标公告",
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"),
    )
    anonymous = client.get(f"/tendering/{tender.pk}/")
    assert anonymous.status_code == 302 and "next=" in anonymous["Location"]
    client.force_login(people["dave"])  # a delegate sees the delegated project's tenders
    page = client.get("/tendering/").content.decode()
    assert "莲花山庄物业服务招标" in page
    detail = client.get(f"/tendering/{tender.pk}/").content.decode()
    assert "招标（备案、公告）" in detail and "2025年11月3日" in detail and "招标公告" in detail
    # the bidders' credit grade from pmip.credit (no entries: the base score 80, grade A), no "not available" hint
    assert companies[0].name in detail and "<td>A</td>" in detail and "信用信息暂未接入" not in detail
    assert client.get(f"/tendering/files/{doc.pk}/").status_code == 200
    client.force_login(people["zoe"])
    assert client.get(f"/tendering/{tender.pk}/").status_code == 404
    assert client.get(f"/tendering/files/{doc.pk}/").status_code == 404
    assert "暂无物业服务招标投标信息" in client.get("/tendering/").content.decode()


def test_office_pages(client, tender, staff):
    login_staff(client, staff["lianhua"])
    assert "莲花山庄物业服务招标" in client.get("/office/tendering/").content.decode()
    response = client.post(f"/office/tendering/{tender.pk}/steps/", {"step": "tender", "date": "2025-11-03"})
    assert response.status_code == 302
    bad = client.post(f"/office/tendering/{tender.pk}/steps/", {"step": "opening", "date": "2025-11-03"})
    assert bad.status_code == 422 and "不能跳过" in bad.content.decode()
    junk = client.post(f"/office/tendering/{tender.pk}/steps/", {"step": "x" * 5000, "date": "nope"})
    assert junk.status_code == 422
    login_staff(client, staff["yuehai"])
    assert client.get(f"/office/tendering/{tender.pk}/").status_code == 404


def test_api(client, tender, staff, people):
    _step(tender, staff, Step.TENDER, D(2025, 11, 3))
    client.force_login(people["alice"])
    listing = client.get("/api/v1/tendering/tenders").json()
    assert listing["count"] == 1 and listing["items"][0]["stage"] == "招标（备案、公告）"
    detail = client.get(f"/api/v1/tendering/tenders/{tender.pk}").json()
    assert [s["recorded"] for s in detail["steps"]][:2] == [True, False]
    assert detail["bidders"] == []
    client.force_login(people["zoe"])
    assert client.get(f"/api/v1/tendering/tenders/{tender.pk}").status_code == 404
    login_staff(client, staff["lianhua"])
    ok = client.post(
        f"/api/v1/office/tendering/tenders/{tender.pk}/steps",
        {"step": "announcement", "date": "2025-11-03"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["steps"][1]["period_ends"] == "2025-11-10"
    bad = client.post(
        f"/api/v1/office/tendering/tenders/{tender.pk}/steps",
        {"step": "contract", "date": "2025-11-03"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "不能跳过" in bad.json()["message"]
    assert client.get("/api/v1/office/tendering/tenders?q=莲花").json()["count"] == 1


def test_project_code_is_resolved_within_the_recording_scope(tender, staff, city):
    code = city.projects["lianhua"].code
    assert (
        services.managed_project_id(actor=staff["lianhua"], code=f" {code} ") == city.projects["lianhua"].pk
    )
    with pytest.raises(NotFound) as outside:
        services.managed_project_id(actor=staff["yuehai"], code=code)  # may record, but not this project
    assert outside.value.field == "project_code"
    with pytest.raises(PermissionDenied):
        services.managed_project_id(actor=staff["company"], code=code)  # a bidder never records
    with pytest.raises(NotFound):
        services.managed_project_id(actor=staff["lianhua"], code="999999999")


def test_a_document_goes_to_the_step_as_it_stands_now(tender, staff):
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as not_yet:
        services.upload_step_document(
            actor=staff["lianhua"], tender_id=tender.pk, step=Step.TENDER, title="招标公告", upload=pdf
        )
    assert not_yet.value.field == "step"
    _step(tender, staff, Step.TENDER, D(2025, 11, 3))
    services.correct_step(
        actor=staff["lianhua"],
        tender_id=tender.pk,
        step=Step.TENDER,
        date=D(2025, 11, 4),
        note="",
        reason="改期",
    )
    document = services.upload_step_document(
        actor=staff["lianhua"], tender_id=tender.pk, step=Step.TENDER, title="招标公告", upload=pdf
    )
    assert document.step == TenderStep.objects.get(tender=tender, step=Step.TENDER, version=2)
    with pytest.raises(NotFound):
        services.upload_step_document(
            actor=staff["yuehai"], tender_id=tender.pk, step=Step.TENDER, title="x", upload=pdf
        )
    with pytest.raises(PermissionDenied):
        services.upload_step_document(
            actor=staff["company"], tender_id=tender.pk, step=Step.TENDER, title="x", upload=pdf
        )
