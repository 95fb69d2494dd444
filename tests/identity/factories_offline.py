"""Factories and fixtures for the offline-verification, house-queue and delegation tests.

Owners, identities and bindings are created directly (the online binding flow is another feature's).
Import the fixtures you need into the test module: `from tests.identity.factories_offline import offline_env`.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from pmip.core import clock
from pmip.identity.models import (
    Account,
    AccountKind,
    HouseBinding,
    HouseInfoSubmission,
    OfflineVerification,
    OwnerIdentity,
    VerificationMethod,
)
from pmip.integrations.sms import EmbeddedSmsBackend
from pmip.registry.models import Project, TitleRecord, Unit
from tests import factories

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai

# A Hong Kong owner of 莲花山庄 1栋102 with a return-home permit (回乡证): no online face verification possible.
HK_NUMBER = "H12345678"
HK_NAME = "陈大文"
HK_MOBILE = "+85291234567"


@pytest.fixture
def offline_env(settings, tmp_path):
    """Private media in a temporary directory, empty cache and SMS stand-in, a task backend that only records."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    EmbeddedSmsBackend.sent.clear()
    with override_settings(TASKS=DUMMY_TASKS):
        yield settings.PRIVATE_MEDIA_ROOT
    EmbeddedSmsBackend.sent.clear()


def owner_account(username: str, *, mobile: str = "", name: str = "") -> Account:
    return factories.account(username, kind=AccountKind.OWNER, mobile=mobile, name=name or username)


def identity(
    account: Account,
    *,
    holder: str,
    id_type: str,
    number: str,
    verification: str = VerificationMethod.NONE,
) -> OwnerIdentity:
    now = clock.now()
    row = OwnerIdentity(
        account=account,
        holder_name=holder,
        mobile=account.mobile or "+8613900000000",
        agreement_accepted_at=now,
        verification=verification,
        verified_at=now if verification != VerificationMethod.NONE else None,
        created_at=now,
        updated_at=now,
    )
    row.set_id_number(id_type, number)
    row.save()
    return row


def bind(account: Account, title: TitleRecord) -> HouseBinding:
    return HouseBinding.objects.create(
        account=account,
        unit=title.unit,
        project=title.unit.project,
        title_record=title,
        bound_at=clock.now(),
    )


def unit_of(project: Project, building: str, number: str) -> Unit:
    return Unit.objects.get(project=project, building__number=building, number=number)


def hk_owner(city, *, verification: str = VerificationMethod.NONE, project_key: str = "lianhua"):
    """The Hong Kong owner: account, identity, a title of 1栋102 (certificate no. given) and the binding to it."""
    project = city.projects[project_key]
    account = owner_account("hk_owner", mobile=HK_MOBILE, name=HK_NAME)
    title = factories.title(unit_of(project, "1", "102"), HK_NAME, HK_NUMBER, id_type="return_home")
    title.certificate_no = "粤(2016)深圳市不动产权第0012345号"
    title.save()
    person = identity(
        account, holder=HK_NAME, id_type="return_home", number=HK_NUMBER, verification=verification
    )
    binding = bind(account, title)
    return account, person, binding


def mainland_owner(
    city, username: str, n: int, *, project_key: str = "lianhua", unit=("2", "101"), name: str = ""
):
    """A verified mainland owner bound to one unit of the project (a title created for them)."""
    project = city.projects[project_key]
    number = factories.mainland_id(100 + n)
    holder = name or f"业主{n}"
    account = owner_account(username, mobile=f"+86139{n:08d}", name=holder)
    title = factories.title(unit_of(project, *unit), holder, number)
    identity(account, holder=holder, id_type="mainland", number=number, verification=VerificationMethod.FACE)
    bind(account, title)
    return account


def application(account: Account, project: Project, **extra) -> OfflineVerification:
    return OfflineVerification.objects.create(
        account=account, identity=account.owner_identity, project=project, submitted_at=clock.now(), **extra
    )


def submission(account: Account, subdistrict, n: int = 1, **extra) -> HouseInfoSubmission:
    values = dict(
        account=account,
        subdistrict=subdistrict,
        project_name=f"未录入小区{n}",
        address=f"深圳市某路{n}号",
        building_number="3",
        unit_number=f"{n}01",
        certificate_no="",
        submitted_at=clock.now(),
    )
    values.update(extra)
    return HouseInfoSubmission.objects.create(**values)


# --- files ------------------------------------------------------------------------------------------------------


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(size=(8, 8), color=(30, 30, 200)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG")
    return buf.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def three_files() -> dict[str, SimpleUploadedFile]:
    return {
        "title_proof": upload("产权证.pdf", PDF_BYTES, "application/pdf"),
        "id_proof": upload("回乡证.jpg", jpeg_bytes(), "image/jpeg"),
        "holding_photo": upload("手持.png", png_bytes(), "image/png"),
    }
