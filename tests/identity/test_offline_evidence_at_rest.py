"""Offline-verification evidence at rest (issue 8, item 10): sealed with AES-256-GCM through the evidence storage,
refused (410, never 500) when it does not decrypt, sealed after the fact by `seal_offline_evidence`, and deleted
`PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS` after the decision by a periodic, audited task."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from pmip.audit.models import AuditEntry
from pmip.core import clock, crypto
from pmip.core.errors import Gone
from pmip.identity import offline
from pmip.identity.models import OfflineEvidence
from tests.factories import login_staff
from tests.identity.factories_offline import (
    PDF_BYTES,
    T0,
    application,
    hk_owner,
    jpeg_bytes,
    offline_env,  # noqa: F401 - fixture
    png_bytes,
    three_files,
    upload,
)
from tests.portal.helpers import text as _text

pytestmark = pytest.mark.usefixtures("offline_env")

KEY_A = "ka:" + base64.b64encode(bytes(range(32))).decode()
KEY_B = "kb:" + base64.b64encode(bytes(range(64, 96))).decode()
DAY = dt.timedelta(days=1)


@pytest.fixture
def hk(city):
    return hk_owner(city)


@pytest.fixture
def app(city, hk):
    return application(hk[0], city.projects["lianhua"])


def files_on_disk() -> list[Path]:
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def add(staff, app, files=None) -> list[OfflineEvidence]:
    with clock.frozen(T0):
        return offline.add_evidence(
            actor=staff["committee"], application_id=app.pk, files=files or three_files()
        )


def office_get(client, staff, evidence):
    login_staff(client, staff["committee"])
    return client.get(f"/office/verification/evidence/{evidence.pk}/")


def text(response) -> str:
    return _text(response.content.decode())


def served(response) -> bytes:
    return b"".join(response.streaming_content)


# --- sealed at rest -------------------------------------------------------------------------------------------


def test_the_bytes_on_disk_hold_no_plaintext_and_the_served_file_equals_the_upload(
    client, city, staff, hk, app
):
    photo = png_bytes(size=(64, 64), color=(9, 99, 199))
    rows = add(
        staff, app, {"holding_photo": upload("手持.png", photo), "title_proof": upload("t.pdf", PDF_BYTES)}
    )
    disk = files_on_disk()
    assert len(disk) == 2
    for path in disk:
        blob = path.read_bytes()
        assert blob.startswith(crypto.FILE_MAGIC)
        for plain in (photo, PDF_BYTES):
            assert plain not in blob
            assert plain[:16] not in blob and plain[-16:] not in blob
        assert b"%PDF" not in blob and b"\x89PNG" not in blob
    assert {p.stat().st_mode & 0o777 for p in disk} == {0o600}

    by_kind = {r.kind: r for r in rows}
    response = office_get(client, staff, by_kind["holding_photo"])
    assert response.status_code == 200
    assert served(response) == photo
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == offline.EVIDENCE_CSP  # nothing loads or runs; a sandbox
    assert response["Cache-Control"] == "private, no-store"
    assert served(office_get(client, staff, by_kind["title_proof"])) == PDF_BYTES
    client.force_login(hk[0])
    response = client.get(f"/delegation/offline/evidence/{by_kind['holding_photo'].pk}/")
    assert (response.status_code, served(response)) == (200, photo)


def test_evidence_goes_through_the_configured_storage(city, staff, app, settings):
    """STORAGES["offline_evidence"] decides where files go: another backend (here in memory; object storage in a
    deployment) is a settings change. Nothing then lands under PRIVATE_MEDIA_ROOT."""
    settings.STORAGES = {
        **settings.STORAGES,
        "offline_evidence": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    rows = add(staff, app)
    assert files_on_disk() == []
    storage = offline.evidence_storage()
    for row in rows:
        with storage.open(row.stored_name) as handle:
            assert handle.read().startswith(crypto.FILE_MAGIC)
        assert hashlib.sha256(offline.read_evidence(row)).hexdigest() == row.sha256


def test_a_wrong_key_refuses_with_410_and_shows_nothing(client, city, staff, hk, app, settings):
    settings.PMIP_FIELD_KEY = KEY_A
    rows = add(staff, app)
    settings.PMIP_FIELD_KEY = KEY_B  # the key the files were sealed with is gone from the ring
    response = office_get(client, staff, rows[0])
    assert response.status_code == 410
    assert "无法解密" in text(response)
    client.force_login(hk[0])
    response = client.get(f"/delegation/offline/evidence/{rows[0].pk}/")
    assert response.status_code == 410
    assert "无法解密" in text(response)
    # same key id, other key material: the tag does not verify
    settings.PMIP_FIELD_KEY = "ka:" + base64.b64encode(bytes(range(1, 33))).decode()
    assert office_get(client, staff, rows[0]).status_code == 410
    assert not AuditEntry.objects.filter(action="identity.offline.evidence_viewed").exists()


def test_a_tampered_or_swapped_file_refuses_with_410(client, city, staff, hk, app):
    rows = add(staff, app)
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    first, second = (root / rows[0].stored_name), (root / rows[1].stored_name)
    blob = bytearray(first.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    first.write_bytes(bytes(blob))
    response = office_get(client, staff, rows[0])
    assert (response.status_code, "无法解密" in text(response)) == (410, True)
    # another file's sealed bytes under this name: bound to its own name, so refused too
    first.write_bytes(second.read_bytes())
    assert office_get(client, staff, rows[0]).status_code == 410
    # a file in clear put in place of the sealed one is refused (only sealed files are served)
    first.write_bytes(PDF_BYTES)
    assert office_get(client, staff, rows[0]).status_code == 410
    first.unlink()
    assert office_get(client, staff, rows[0]).status_code == 404
    assert served(office_get(client, staff, rows[1])) == offline.read_evidence(rows[1])


# --- files written before sealing; key rotation --------------------------------------------------------------


def _plaintext_row(app, staff, kind: str, data: bytes, ext: str) -> OfflineEvidence:
    """A file as the platform stored it before sealing: written in clear."""
    name = f"offline/2026/01/legacy{kind}.{ext}"
    offline.evidence_storage().save(name, ContentFile(data))
    return OfflineEvidence.objects.create(
        application=app,
        kind=kind,
        stored_name=name,
        original_name=f"{kind}.{ext}",
        content_type={"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[ext],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=staff["committee"],
        uploaded_at=T0,
    )


def test_seal_offline_evidence_seals_files_written_in_clear(client, city, staff, app, capsys):
    photo = jpeg_bytes(size=(32, 32))
    legacy = _plaintext_row(app, staff, "id_proof", photo, "jpg")
    assert office_get(client, staff, legacy).status_code == 410  # refused until sealed
    call_command("seal_offline_evidence", "--dry-run")
    assert "would seal 1 plaintext file(s)" in capsys.readouterr().out
    assert files_on_disk()[0].read_bytes() == photo

    call_command("seal_offline_evidence")
    assert "sealed 1 plaintext file(s)" in capsys.readouterr().out
    legacy.refresh_from_db()
    assert legacy.stored_name != "offline/2026/01/legacyid_proof.jpg"
    [path] = files_on_disk()
    assert path.read_bytes().startswith(crypto.FILE_MAGIC) and photo[:32] not in path.read_bytes()
    assert served(office_get(client, staff, legacy)) == photo
    call_command("seal_offline_evidence")
    assert "sealed 0 plaintext file(s), 0 re-sealed under the active key, 1 already sealed" in (
        capsys.readouterr().out
    )


def test_seal_offline_evidence_refuses_a_clear_file_that_does_not_match_its_hash(city, staff, app):
    legacy = _plaintext_row(app, staff, "title_proof", PDF_BYTES, "pdf")
    OfflineEvidence.objects.filter(pk=legacy.pk).update(sha256="0" * 64)
    with pytest.raises(CommandError, match="1 file"):
        call_command("seal_offline_evidence")
    assert files_on_disk()[0].read_bytes() == PDF_BYTES  # left as it was, for a person to look at


def test_key_rotation_old_files_stay_readable_and_are_resealed_under_the_new_key(
    client, city, staff, app, settings
):
    settings.PMIP_FIELD_KEY = KEY_A
    rows = add(staff, app)
    originals = {r.pk: offline.read_evidence(r) for r in rows}
    settings.PMIP_FIELD_KEY = f"{KEY_B},{KEY_A}"  # new key first, the old one still in the ring
    assert served(office_get(client, staff, rows[0])) == originals[rows[0].pk]
    call_command("seal_offline_evidence")
    ring = crypto.keyring()
    for path in files_on_disk():
        assert ring.sealed_key_id(path.read_bytes()) == "kb"
    settings.PMIP_FIELD_KEY = KEY_B  # the old key can now leave the ring
    for row in OfflineEvidence.objects.all():
        assert offline.read_evidence(row) == originals[row.pk]
    assert len(files_on_disk()) == 3


# --- retention ------------------------------------------------------------------------------------------------


def _decided(staff, app, at: dt.datetime, *, approve: bool = True):
    with clock.frozen(at):
        if approve:
            offline.approve_offline_verification(actor=staff["committee"], application_id=app.pk)
        else:
            offline.reject_offline_verification(
                actor=staff["committee"], application_id=app.pk, reason="材料不符"
            )


def test_files_are_deleted_the_set_number_of_days_after_the_decision(client, city, staff, hk, app):
    rows = add(staff, app)
    decided = T0 + dt.timedelta(hours=2)
    _decided(staff, app, decided)
    assert offline.evidence_retention_days() == 180
    with clock.frozen(decided + 180 * DAY - dt.timedelta(seconds=1)):
        assert offline.purge_expired_evidence() == 0
    assert len(files_on_disk()) == 3

    with clock.frozen(decided + 180 * DAY):
        assert offline.purge_expired_evidence() == 3
        assert offline.purge_expired_evidence() == 0  # once
    assert files_on_disk() == []
    kept = list(OfflineEvidence.objects.filter(application=app).order_by("pk"))
    assert [(r.kind, r.size, r.sha256, r.deleted_at) for r in kept] == [
        (r.kind, r.size, r.sha256, decided + 180 * DAY) for r in rows
    ]
    assert {r.original_name for r in kept} == {""}  # the uploaded file name may be personal data too
    entry = AuditEntry.objects.get(action="identity.offline.evidence_deleted")
    assert (entry.actor, entry.actor_label, entry.object_id, entry.project_id) == (
        None,
        "系统",
        str(app.pk),
        city.projects["lianhua"].pk,
    )
    assert entry.data == {
        "files": [{"id": r.pk, "kind": r.kind, "size": r.size, "sha256": r.sha256} for r in rows],
        "retention_days": 180,
        "decided_at": decided.isoformat(),
    }

    # pages say so instead of linking to a file that is gone; the file view answers 410 with the date
    login_staff(client, staff["committee"])
    page = text(client.get(f"/office/verification/offline/{app.pk}/"))
    deleted_on = clock.local(decided + 180 * DAY).strftime("%Y-%m-%d")
    assert page.count(f"材料已按规定于{deleted_on}删除") == 3
    assert (
        "/office/verification/evidence/"
        not in client.get(f"/office/verification/offline/{app.pk}/").content.decode()
    )
    response = client.get(f"/office/verification/evidence/{rows[0].pk}/")
    assert response.status_code == 410 and f"该材料已按规定于{deleted_on}删除" in text(response)
    client.force_login(hk[0])
    page = client.get("/delegation/offline/")
    assert text(page).count(f"材料已按规定于{deleted_on}删除") == 3
    assert "线下认证材料在审核完成180天后按规定删除" in text(page)
    assert "/delegation/offline/evidence/" not in page.content.decode()
    assert client.get(f"/delegation/offline/evidence/{rows[0].pk}/").status_code == 410


def test_rejected_applications_too_pending_never_and_the_period_is_a_setting(city, staff, hk, app, settings):
    settings.PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS = 30
    add(staff, app, {"title_proof": upload("t.pdf", PDF_BYTES)})
    with clock.frozen(T0 + 400 * DAY):
        assert offline.purge_expired_evidence() == 0  # still pending: kept
    _decided(staff, app, T0 + DAY, approve=False)
    with clock.frozen(T0 + 30 * DAY):
        assert offline.purge_expired_evidence() == 0
    with clock.frozen(T0 + 31 * DAY):
        assert offline.purge_expired_evidence() == 1
    assert files_on_disk() == []
    assert AuditEntry.objects.get(action="identity.offline.evidence_deleted").data["retention_days"] == 30


def test_a_file_already_missing_is_marked_deleted(city, staff, app):
    rows = add(staff, app)
    _decided(staff, app, T0)
    for path in files_on_disk():
        path.unlink()
    with clock.frozen(T0 + 181 * DAY):
        assert offline.purge_expired_evidence() == 3
    assert not OfflineEvidence.objects.filter(pk__in=[r.pk for r in rows], deleted_at__isnull=True).exists()


def test_the_periodic_task_is_scheduled_and_deletes(city, staff, app):
    from pmip.identity.tasks import purge_offline_evidence

    assert "pmip.identity.tasks.purge_offline_evidence" in {
        path for path, _ in django_settings.PMIP_PERIODIC_TASKS
    }
    add(staff, app)
    _decided(staff, app, T0)
    with clock.frozen(T0 + 200 * DAY):
        assert purge_offline_evidence.call() == 3
    assert files_on_disk() == []


def test_a_deleted_file_is_gone_for_the_service_too(city, staff, hk, app):
    rows = add(staff, app)
    _decided(staff, app, T0)
    with clock.frozen(T0 + 180 * DAY):
        offline.purge_expired_evidence()
    with pytest.raises(Gone, match="已按规定于"):
        offline.open_evidence(actor=hk[0], evidence_id=rows[0].pk)


@override_settings(PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS=0)
def test_the_period_is_at_least_one_day():
    assert offline.evidence_retention_days() == 1
