"""信息公开 pages and API: public registers (search, initials, masking), 信用信息, 物业服务评价公示, office credit pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from pmip.core import clock
from pmip.credit import scoring, services
from pmip.credit.choices import Category, EntryStatus, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditDispute, CreditEntry
from pmip.registry.models import Committee, DataSharingBank, OwnersAssembly, Practitioner, PropertyCompany
from tests.factories import login_staff
from tests.identity.factories_offline import owner_account

pytestmark = pytest.mark.django_db


def office(account) -> Client:
    client = Client()
    login_staff(client, account)
    return client


@pytest.fixture
def registers(city):
    bank = DataSharingBank.objects.create(
        name="中国建设银行深圳分行", branch="福田支行", address="深南大道1号"
    )
    p = city.projects["lianhua"]
    OwnersAssembly.objects.create(project=p, filing_no="FT-2020-001", bank_account_bank=bank)
    Committee.objects.create(project=p, term_start=dt.date(2024, 1, 1), term_end=dt.date(2029, 1, 1))
    Practitioner.objects.create(
        company=city.companies["wanjia"],
        project=p,
        name="周大明",
        role="project_manager",
        certificate_no="WY-001",
    )
    return bank


def test_menus_have_no_pending_entries_of_this_issue(client):
    body = client.get("/property/disclosure/").text
    for path in (
        "/public/banks/",
        "/public/companies/",
        "/public/practitioners/",
        "/public/assemblies/",
        "/public/credit/",
        "/public/service-evaluation/",
    ):
        assert path in body
    for slug in ("credit", "service-evaluation", "company-search", "data-sharing-banks"):
        assert client.get(f"/soon/{slug}/").status_code == 404


def test_company_search_by_two_characters_initials_and_code(city, registers):
    c = Client()
    assert "深圳市万家物业服务有限公司" in c.get("/public/companies/?q=万家").text
    assert PropertyCompany.objects.get(credit_code="91440300MA5F000001").name_initials.startswith("szswjwy")
    body = c.get("/public/companies/?q=szswj").text
    assert "万家" in body and "安居" not in body
    assert "万家" in c.get("/public/companies/?q=91440300MA5F000001").text
    detail = c.get("/public/companies/91440300MA5F000001/")
    assert detail.status_code == 200 and "莲花山庄" in detail.text and "A（80分）" in detail.text
    assert c.get("/public/companies/nope/").status_code == 404
    assert "未找到" in c.get("/public/companies/?q=" + "长" * 80).text


def test_practitioners_masked_and_assemblies(city, registers):
    c = Client()
    body = c.get("/public/practitioners/?q=周大").text
    assert "周**" in body and "周大明" not in body and "WY-001" in body
    assert "周**" in c.get("/public/practitioners/?q=lhsz").text  # project initials
    body = c.get("/public/assemblies/?q=莲花").text
    assert "FT-2020-001" in body and "中国建设银行深圳分行" in body and "2029-01-01" in body
    assert "福田支行" in c.get("/public/banks/?q=建设").text
    api = c.get("/api/v1/public/practitioners?q=周大").json()
    assert api["items"][0]["name"] == "周**"
    assert c.get("/api/v1/public/companies?q=" + "x" * 60).status_code == 422


def test_credit_pages_privacy_and_dispute(city, staff):
    owner = owner_account("credit_owner", name="张三")
    s = services.create_subject(
        actor=staff["city"], kind=SubjectKind.OWNER, name="张三", project_code="440304001", account=owner
    )
    e = services.add_entry(
        actor=staff["city"],
        subject_id=s.pk,
        polarity=Polarity.BAD,
        severity=Severity.MINOR,
        category=Category.ARREARS,
        title="拖欠物业费",
        points=5,
        document_no="X1",
        issued_on=clock.today(),
    )
    public = Client().get(f"/public/credit/subjects/{s.pk}/").text
    assert "张*" in public and "张三" not in public and "拖欠物业费" not in public
    own = Client()
    own.force_login(owner)
    page = own.get(f"/public/credit/subjects/{s.pk}/").text
    assert "拖欠物业费" in page and "提出异议" in page
    assert own.get("/credit/mine/").status_code == 200
    r = own.post("/credit/dispute/", {"entry": e.pk, "reasons": "已缴清"})
    assert r.status_code == 302
    assert CreditEntry.objects.get(pk=e.pk).status == EntryStatus.DISPUTED
    assert "异议处理中" in own.get(f"/public/credit/subjects/{s.pk}/").text
    stranger = Client()
    stranger.force_login(owner_account("stranger"))
    assert stranger.post("/credit/dispute/", {"entry": e.pk, "reasons": "x"}).status_code == 404
    d = CreditDispute.objects.get()
    city_office = office(staff["city"])
    assert city_office.get("/office/credit/disputes/").status_code == 200
    bad = city_office.post(f"/office/credit/disputes/{d.pk}/", {"decision": "withdraw", "note": "核实"})
    assert bad.status_code == 422  # no confirmation
    ok = city_office.post(
        f"/office/credit/disputes/{d.pk}/", {"decision": "withdraw", "note": "核实", "confirm": "1"}
    )
    assert ok.status_code == 302 and CreditEntry.objects.get(pk=e.pk).status == EntryStatus.WITHDRAWN


def test_owner_private_bad_entry_does_not_show_through_score_grade_or_blacklist(city, staff):
    """Before: the public page and API counted an owner's non-public bad entry in the score (80 − 40 = 40, grade C,
    "不良信息扣分 40") and marked the owner 失信名单, and the public 失信名单 listed them — the entry itself hidden
    but everything about it shown."""
    owner = owner_account("credit_owner", name="张三")
    s = services.create_subject(
        actor=staff["city"], kind=SubjectKind.OWNER, name="张三", project_code="440304001", account=owner
    )
    services.add_entry(
        actor=staff["city"], subject_id=s.pk, polarity=Polarity.BAD, severity=Severity.SERIOUS,
        category=Category.ARREARS, title="拖欠物业费", points=40, document_no="X1", issued_on=clock.today(),
    )  # fmt: skip
    anonymous = Client()
    page = anonymous.get(f"/public/credit/subjects/{s.pk}/").text
    assert "80分 · A级" in page and "不良信息扣分 0" in page and "失信名单</span>" not in page
    api = anonymous.get(f"/api/v1/public/credit/subjects/{s.pk}").json()
    assert (api["score"], api["grade"], api["bad_points"], api["blacklisted"], api["entries"]) == (
        80, "A", 0, False, []
    )  # fmt: skip
    assert "张*" not in anonymous.get("/public/credit/blacklist/").text
    own = Client()
    own.force_login(owner)
    assert "40分 · C级" in own.get(f"/public/credit/subjects/{s.pk}/").text  # the subject sees the real score
    assert office(staff["city"]).get(f"/api/v1/public/credit/subjects/{s.pk}").json()["score"] == 40
    # the policy makes arrears public: then it counts for everyone and the owner is on the 失信名单
    values = {f: getattr(scoring.get_policy(), f) for f in services.POLICY_FIELDS}
    services.update_policy(actor=staff["city"], values=values, public_owner_categories=["arrears"])
    assert anonymous.get(f"/api/v1/public/credit/subjects/{s.pk}").json()["score"] == 40
    assert "张*" in anonymous.get("/public/credit/blacklist/").text


def test_office_entry_import_and_service_evaluation(city, staff):
    client = office(staff["city"])
    r = client.post("/office/credit/subjects/new/", {"kind": "company", "credit_code": "91440300MA5F000001"})
    assert r.status_code == 302
    sid = int(r["Location"].rstrip("/").split("/")[-1])
    r = client.post(
        f"/office/credit/subjects/{sid}/",
        {
            "action": "entry",
            "polarity": "bad",
            "severity": "serious",
            "category": "violation",
            "title": "挪用维修资金",
            "points": "20",
            "document_no": "深住建罚〔2026〕3号",
            "issued_on": clock.today().isoformat(),
        },
    )
    assert r.status_code == 302
    bad = client.post(
        f"/office/credit/subjects/{sid}/", {"action": "entry", "polarity": "bad", "points": "x"}
    )
    assert bad.status_code == 422
    page = Client().get("/public/service-evaluation/").text
    assert "风险名单" in page and "存在严重不良信息" in page
    assert "挪用维修资金" in Client().get(f"/public/service-evaluation/{sid}/").text
    assert "深圳市万家物业服务有限公司" in Client().get("/public/credit/blacklist/").text
    csv = "主体类型,名称,统一社会信用代码,物业项目编号,信息类型,严重程度,类别,标题,内容,分值,文书编号,发布日期,有效期至\n"
    csv += "物业企业,,91440300MA5F000002,,良好信息,,表彰奖励,优秀项目,,5,D-1,2026-01-10,\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    with clock.frozen(dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC)):
        r = client.post("/office/credit/import/", {"file": SimpleUploadedFile("c.csv", csv.encode())})
    assert r.status_code == 302
    assert (
        office(staff["lianhua"])
        .post(
            "/office/credit/import/", {"file": SimpleUploadedFile("c.csv", io.BytesIO(csv.encode()).read())}
        )
        .status_code
        == 422
    )
    api = Client().get("/api/v1/public/service-evaluation?kind=company").json()
    assert {i["subject"]["name"] for i in api["items"]} >= {"深圳市万家物业服务有限公司"}
    assert Client().get("/api/v1/public/risk-list").json()["count"] == 1


def test_the_dispute_decision_is_a_radio_group_tied_to_its_error(city, staff):
    """处理异议 (issue 12): 维持/撤销 is a fieldset with a legend; without a choice it is aria-invalid and points at
    the error; without the tick the tick does."""
    from tests.ux.aria_errors import assert_errors_tied

    owner = owner_account("dispute_owner", name="李四")
    s = services.create_subject(
        actor=staff["city"], kind=SubjectKind.OWNER, name="李四", project_code="440304001", account=owner
    )
    e = services.add_entry(
        actor=staff["city"], subject_id=s.pk, polarity=Polarity.BAD, severity=Severity.MINOR,
        category=Category.ARREARS, title="拖欠物业费", points=5, document_no="X2", issued_on=clock.today(),
    )  # fmt: skip
    services.file_dispute(actor=owner, entry_id=e.pk, reasons="已缴清")
    d = CreditDispute.objects.get()
    city_office = office(staff["city"])
    no_choice = city_office.post(f"/office/credit/disputes/{d.pk}/", {"note": "核实", "confirm": "1"})
    assert no_choice.status_code == 422
    found = assert_errors_tied(no_choice.text, "请选择维持或撤销。")
    assert [c.what for c in found] == ["fieldset[name=]"]
    no_tick = city_office.post(f"/office/credit/disputes/{d.pk}/", {"decision": "uphold", "note": "核实"})
    assert [c.what for c in assert_errors_tied(no_tick.text, "请勾选确认")] == ["input[name=confirm]"]
