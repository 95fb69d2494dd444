"""公开答复: an answered 政民互动 enquiry published by the answering office, anonymised, only with the asker's consent;
the asker withdraws consent and the copy leaves the public list at once; audited; public page, API and open data."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.enquiries import public, services
from pmip.enquiries.models import PublicAnswer
from pmip.notifications.models import Notification
from tests.decisions import factories as f
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 9, 26, 2, 0, tzinfo=dt.UTC)
QUESTION = (
    "我是莲花山庄3栋1201室的业主陈小明，电话13812345678，身份证440304199001011234。"
    "物业王经理说维修资金不能用于电梯更换，请问是否属实？邮箱 cxm@example.com，房号也可写作3-1201。"
)


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with clock.frozen(NOW):
        yield


@pytest.fixture
def asker(city):
    person = f.person("陈小明")
    f.own(f.unit(city.projects["lianhua"], "9-101", "80.00"), person)
    return person.account


def _ask(asker, city, consent=True, channel="government"):
    return services.open_enquiry(
        actor=asker, channel=channel, category="consult", title="陈小明：维修资金能否用于电梯更换",
        text=QUESTION, district_id=city.districts["futian"].pk, project_id=city.projects["lianhua"].pk,
        public_consent=consent,
    )  # fmt: skip


def _answered(asker, city, staff, **kw):
    enquiry = _ask(asker, city, **kw)
    services.answer(
        actor=staff["futian"],
        enquiry_id=enquiry.pk,
        text="陈小明您好：电梯更换属于共用设施设备的更新改造，可以申请使用维修资金。",
    )
    return enquiry


def test_anonymise_removes_what_points_at_a_person():
    text = public.anonymise(QUESTION, names=("陈小明",))
    for secret in ("陈小明", "13812345678", "440304199001011234", "1201", "cxm@example.com", "王经理"):
        assert secret not in text, secret
    assert (
        "陈**" in text
        and "【电话已隐去】" in text
        and "【证件号码已隐去】" in text
        and "【房号已隐去】" in text
    )
    assert "某经理" in text and "维修资金" in text and "电梯更换" in text
    assert public.anonymise("0755-83881234 或 83881234") == "【电话已隐去】 或 【电话已隐去】"
    assert public.anonymise("粤B12345 停在2单元门口") == "【车牌已隐去】 停在【房号已隐去】门口"


def test_publish_anonymised_with_consent_and_audited(asker, city, staff):
    enquiry = _answered(asker, city, staff)
    row = public.publish(actor=staff["futian"], enquiry_id=enquiry.pk)
    assert row.title.startswith("陈**")
    for field in (row.title, row.question, row.answer):
        assert "陈小明" not in field and "13812345678" not in field and "1201" not in field
    assert row.office_label == "福田区住房和建设局" and row.asked_on == dt.date(2025, 9, 26)
    assert list(public.published()) == [row]
    assert list(public.published(q="电梯")) == [row] and list(public.published(q="停车")) == []
    assert AuditEntry.objects.filter(action="enquiries.answer.published").count() == 1
    assert Notification.objects.filter(recipient=asker, title__startswith="您的问答已匿名公开").count() == 1
    with pytest.raises(ValidationFailed, match="已公开过"):
        public.publish(actor=staff["futian"], enquiry_id=enquiry.pk)


def test_the_office_edits_are_anonymised_again(asker, city, staff):
    enquiry = _answered(asker, city, staff)
    row = public.publish(
        actor=staff["futian"], enquiry_id=enquiry.pk, title="电梯更换", question="陈小明问：13900001111",
        answer="可以。",
    )  # fmt: skip
    assert row.question == "陈**问：【电话已隐去】"
    with pytest.raises(ValidationFailed):
        public.publish(actor=staff["futian"], enquiry_id=_answered(asker, city, staff).pk, answer="  ")


def test_no_consent_no_publication_and_only_the_answering_office(asker, city, staff):
    refused = _answered(asker, city, staff, consent=False)
    with pytest.raises(ValidationFailed, match="未同意"):
        public.publish(actor=staff["futian"], enquiry_id=refused.pk)
    unanswered = _ask(asker, city)
    with pytest.raises(ValidationFailed, match="答复后"):
        public.publish(actor=staff["futian"], enquiry_id=unanswered.pk)
    consented = _answered(asker, city, staff)
    for other in ("yuehai", "company", "lianhua"):
        with pytest.raises(NotFound):
            public.publish(actor=staff[other], enquiry_id=consented.pk)
    community = _ask(asker, city, channel="community")
    with pytest.raises(ValidationFailed):
        public.set_consent(actor=asker, enquiry_id=community.pk, consent=True)
    assert not PublicAnswer.objects.exists()
    # consent given later is enough
    public.set_consent(actor=asker, enquiry_id=refused.pk, consent=True)
    assert public.publish(actor=staff["futian"], enquiry_id=refused.pk)


def test_the_asker_withdraws_consent_and_the_copy_goes(asker, city, staff):
    enquiry = _answered(asker, city, staff)
    public.publish(actor=staff["futian"], enquiry_id=enquiry.pk)
    stranger = f.person("李四").account
    with pytest.raises(NotFound):
        public.set_consent(actor=stranger, enquiry_id=enquiry.pk, consent=False)
    public.set_consent(actor=asker, enquiry_id=enquiry.pk, consent=False)
    assert list(public.published()) == []
    assert PublicAnswer.objects.get().withdrawn_reason == "提问人撤回同意"
    entry = AuditEntry.objects.get(action="enquiries.consent.changed")
    assert entry.data == {"consent": False, "taken_down": True}
    with pytest.raises(ValidationFailed):
        public.publish(actor=staff["futian"], enquiry_id=enquiry.pk)


def test_office_takes_it_down(asker, city, staff):
    enquiry = _answered(asker, city, staff)
    public.publish(actor=staff["futian"], enquiry_id=enquiry.pk)
    with pytest.raises(ValidationFailed):
        public.take_down(actor=staff["futian"], enquiry_id=enquiry.pk, reason="")
    public.take_down(actor=staff["futian"], enquiry_id=enquiry.pk, reason="内容过时")
    assert list(public.published()) == []
    assert AuditEntry.objects.filter(action="enquiries.answer.withdrawn").count() == 1


def test_pages(client, asker, city, staff):
    enquiry = _answered(asker, city, staff)
    login_staff(client, staff["futian"])
    page = client.get(f"/office/enquiries/{enquiry.pk}/").content.decode()
    assert 'id="publish"' in page and "13812345678" not in page.split('id="publish"')[1]
    response = client.post(
        f"/office/enquiries/{enquiry.pk}/publish/",
        {"title": "维修资金能否用于电梯更换", "question": "电梯更换能否用维修资金？", "answer": "可以。"},
    )
    assert response.status_code == 302
    assert 'id="public-answer"' in client.get(f"/office/enquiries/{enquiry.pk}/").content.decode()
    client.logout()
    listing = client.get("/enquiries/answers/")  # no log-in needed
    body = listing.content.decode()
    assert listing.status_code == 200 and "维修资金能否用于电梯更换" in body and "陈小明" not in body
    assert "暂无" not in body
    assert "没有找到" in client.get("/enquiries/answers/", {"q": "停车"}).content.decode()
    client.force_login(asker)
    detail = client.get(f"/enquiries/{enquiry.pk}/").content.decode()
    assert "本问答已匿名公开" in detail
    assert client.post(f"/enquiries/{enquiry.pk}/consent/", {"consent": "no"}).status_code == 302
    assert "暂无公开答复" in client.get("/enquiries/answers/").content.decode()


def test_api_and_open_data(client, asker, city, staff):
    enquiry = _answered(asker, city, staff)
    login_staff(client, staff["yuehai"])
    other = client.post(f"/api/v1/office/enquiries/{enquiry.pk}/publish", {}, content_type="application/json")
    assert other.status_code == 404
    login_staff(client, staff["futian"])
    made = client.post(f"/api/v1/office/enquiries/{enquiry.pk}/publish", {}, content_type="application/json")
    assert made.status_code == 201, made.content
    assert "陈小明" not in made.content.decode() and made.json()["office"] == "福田区住房和建设局"
    client.logout()
    listing = client.get("/api/v1/public/enquiries/answers", {"q": "电梯"}).json()
    assert listing["count"] == 1 and "asker" not in listing["items"][0]
    assert client.get("/api/v1/public/enquiries/answers", {"category": "nope"}).status_code == 422
    csv = client.get("/api/v1/public/enquiries/answers.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "电梯更换" in text and "陈小明" not in text and "13812345678" not in text
    client.force_login(asker)
    mine = client.post(
        f"/api/v1/me/enquiries/{enquiry.pk}/consent", {"consent": False}, content_type="application/json"
    )
    assert mine.status_code == 200 and mine.json()["published"] is False
    assert client.get("/api/v1/public/enquiries/answers").json()["count"] == 0
