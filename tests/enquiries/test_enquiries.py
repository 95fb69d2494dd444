"""互动交流 / 政民互动: routing by category, images re-encoded without metadata, working-day deadlines, escalation
when overdue with notices, answer, rating, reopen once, withdraw; owner pages and the office queue."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.enquiries import selectors, services
from pmip.enquiries.models import Enquiry, Level, State
from pmip.enquiries.services import open_image
from pmip.notifications.models import Notification
from tests.decisions import factories as f
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 9, 26, 2, 0, tzinfo=dt.UTC)  # Friday before 国庆


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with clock.frozen(NOW):
        yield


@pytest.fixture
def owner(city):
    alice = f.person("甲")
    f.own(f.unit(city.projects["lianhua"], "9-101", "80.00"), alice)
    return alice.account


def _jpeg_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(0x8825)[2] = (22.0, 32.0, 0.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    with Image.open(io.BytesIO(out.getvalue())) as check:
        assert check.getexif()[0x010F] == "PhoneMaker"  # the upload does carry metadata
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _open(owner, city, category="consult", **kw):
    return services.open_enquiry(
        actor=owner, channel="community", category=category, title="电梯异响", text="3栋电梯运行时有异响。",
        project_id=city.projects["lianhua"].pk, **kw,
    )  # fmt: skip


def test_routing_by_category_and_deadline_in_working_days(owner, city, staff):
    consult = _open(owner, city, "consult")
    assert consult.level == Level.COMPANY and consult.company_id == city.projects["lianhua"].company_id
    # 5 working days from Friday 09-26: 09-28 (调休 Sunday), 09-29, 09-30, 10-09, 10-10
    assert consult.due_date == dt.date(2025, 10, 10)
    assert _open(owner, city, "suggest").level == Level.COMMITTEE  # the project has a committee account
    assert _open(owner, city, "complain").level == Level.SUBDISTRICT
    company_inbox = Notification.objects.filter(recipient=staff["company"], kind="enquiries.office.notice")
    assert company_inbox.count() == 1


def test_only_owners_of_the_project_ask_there(city, staff):
    stranger = f.person("戊").account
    with pytest.raises(ValidationFailed, match="已绑定"):
        _open(stranger, city)
    gov = services.open_enquiry(
        actor=stranger, channel="government", category="consult", title="维修资金", text="怎么申请使用？",
        district_id=city.districts["futian"].pk, public_consent=True,
    )  # fmt: skip
    assert (
        gov.level == Level.DISTRICT and gov.district_id == city.districts["futian"].pk and gov.public_consent
    )


def test_images_are_reencoded_without_metadata_and_bounded(owner, city, settings):
    enquiry = _open(owner, city, images=[_jpeg_with_gps()])
    [stored] = enquiry.images.all()
    with open_image(stored) as handle, Image.open(handle) as image:
        assert image.format == "JPEG" and not image.getexif()
    with pytest.raises(ValidationFailed, match="最多上传6张"):
        _open(owner, city, images=[_jpeg_with_gps() for _ in range(7)])
    with pytest.raises(ValidationFailed, match="无法识别"):
        _open(owner, city, images=[SimpleUploadedFile("x.jpg", b"\xff\xd8\xff not really")])
    settings.PMIP_ENQUIRY_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationFailed, match="不能超过"):
        _open(owner, city, images=[_jpeg_with_gps()])


def test_overdue_escalates_with_notices_to_both_offices_and_the_asker(owner, city, staff):
    enquiry = _open(owner, city)
    assert services.escalate_overdue(today=dt.date(2025, 10, 10)) == 0  # the last day is still in time
    assert services.escalate_overdue(today=dt.date(2025, 10, 11)) == 1
    enquiry.refresh_from_db()
    assert enquiry.level == Level.SUBDISTRICT and enquiry.escalations == 1 and enquiry.state == State.PENDING
    assert enquiry.due_date == dt.date(2025, 10, 17)  # 10-11 is a 调休 Saturday: counts
    assert Notification.objects.filter(
        recipient=staff["company"], title__startswith="咨询已超期转办"
    ).exists()
    assert Notification.objects.filter(recipient=staff["lianhua"], title__startswith="超期转办").exists()
    assert Notification.objects.filter(recipient=owner, title__startswith="您的咨询已转").exists()
    assert AuditEntry.objects.filter(action="enquiries.enquiry.escalated").count() == 1
    with pytest.raises(NotFound):  # no longer the company's
        services.answer(actor=staff["company"], enquiry_id=enquiry.pk, text="好的")


def test_answer_rate_reopen_once(owner, city, staff):
    enquiry = _open(owner, city)
    services.accept(actor=staff["company"], enquiry_id=enquiry.pk)
    services.answer(actor=staff["company"], enquiry_id=enquiry.pk, text="已安排维保单位检修。")
    assert Notification.objects.filter(recipient=owner, title__startswith="您的咨询已答复").count() == 1
    services.rate(actor=owner, enquiry_id=enquiry.pk, rating="unsatisfied")
    services.reopen(actor=owner, enquiry_id=enquiry.pk, reason="仍有异响")
    services.answer(actor=staff["company"], enquiry_id=enquiry.pk, text="已更换导靴。")
    with pytest.raises(ValidationFailed, match="只能重新打开一次"):
        services.reopen(actor=owner, enquiry_id=enquiry.pk, reason="还有")
    services.rate(actor=owner, enquiry_id=enquiry.pk, rating="satisfied")
    enquiry.refresh_from_db()
    assert enquiry.state == State.CLOSED
    other = _open(owner, city)
    services.withdraw(actor=owner, enquiry_id=other.pk)
    with pytest.raises(ValidationFailed):
        services.withdraw(actor=owner, enquiry_id=other.pk)


def test_office_queue_scope_counts_and_pages(owner, city, staff, client):
    enquiry = _open(owner, city)
    assert selectors.queue_counts(actor=staff["company"])["pending"] == 1
    assert not selectors.queue(actor=staff["yuehai"]).exists()
    login_staff(client, staff["company"])
    page = client.get("/office/enquiries/").content.decode()
    assert "电梯异响" in page and "待受理 1" in page
    client.post(f"/office/enquiries/{enquiry.pk}/answer/", {"text": "已安排检修。"})
    enquiry.refresh_from_db()
    assert enquiry.state == State.ANSWERED
    login_staff(client, staff["yuehai"])
    assert client.get(f"/office/enquiries/{enquiry.pk}/").status_code == 404


def test_owner_pages(owner, city, client):
    client.force_login(owner)
    page = client.get("/enquiries/community/new/").content.decode()
    assert "莲花山庄" in page
    response = client.post(
        "/enquiries/community/new/",
        {"category": "repair", "project_id": city.projects["lianhua"].pk, "title": "水管漏水", "text": "地下室漏水",
         "images": [_jpeg_with_gps()]},
    )  # fmt: skip
    assert response.status_code == 302
    enquiry = Enquiry.objects.get(title="水管漏水")
    detail = client.get(f"/enquiries/{enquiry.pk}/").content.decode()
    assert "答复期限" in detail and "图片1" in detail
    image_id = enquiry.images.get().pk
    assert client.get(f"/enquiries/images/{image_id}/").status_code == 200
    assert "水管漏水" in client.get("/enquiries/community/").content.decode()
    bad = client.post("/enquiries/community/new/", {"category": "x", "title": "", "text": ""})
    assert bad.status_code == 200
    client.force_login(f.person("己").account)
    assert client.get(f"/enquiries/{enquiry.pk}/").status_code == 404
    assert client.get(f"/enquiries/images/{image_id}/").status_code == 404
    assert "暂无可提问的小区" in client.get("/enquiries/community/new/").content.decode()
    assert client.get("/enquiries/government/new/").status_code == 200


def test_the_enquiry_forms_tie_each_error_to_its_input(owner, city, client):
    """政民互动 and 互动交流 (issue 12): every invalid input says aria-invalid and points at its own error text."""
    from tests.ux.aria_errors import assert_errors_tied

    client.force_login(owner)
    for channel in ("government", "community"):
        bad = client.post(f"/enquiries/{channel}/new/", {"category": "x", "title": "", "text": ""})
        found = assert_errors_tied(bad.content.decode(), "这个字段是必须的")
        assert {c.what for c in found} >= {"select#id_category", "input#id_title", "textarea#id_text"}, (
            channel
        )
