"""线下认证 services and selectors: who may apply, who may see and decide, evidence files, approve and reject."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.identity import offline
from pmip.identity.models import (
    AccountKind,
    OfflineEvidence,
    OfflineVerification,
    OwnerIdentity,
    ScopeLevel,
    StaffRole,
    VerificationMethod,
)
from pmip.notifications.models import Notification
from tests import factories
from tests.identity.factories_offline import (
    HK_NUMBER,
    PDF_BYTES,
    T0,
    application,
    hk_owner,
    jpeg_bytes,
    mainland_owner,
    offline_env,  # noqa: F401 - fixture
    png_bytes,
    three_files,
    upload,
)

pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def hk(city):
    return hk_owner(city)


@pytest.fixture
def other_committee(city):
    """The committee of 景华苑 — same subdistrict as 莲花山庄, but another project."""
    user = factories.account(
        "staff_jinghua", kind=AccountKind.STAFF, mobile="+8613800009999", name="景华苑业委会"
    )
    StaffRole.objects.create(account=user, level=ScopeLevel.COMMITTEE, project=city.projects["jinghua"])
    return user


def files_on_disk(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


# --- applying -----------------------------------------------------------------------------------------------


def test_owner_applies_for_a_bound_project(city, hk):
    account, person, _ = hk
    with clock.frozen(T0):
        app = offline.apply_offline_verification(actor=account, project=city.projects["lianhua"])
    assert (app.account, app.identity, app.project, app.status, app.submitted_at) == (
        account,
        person,
        city.projects["lianhua"],
        "pending",
        T0,
    )
    entry = AuditEntry.objects.get(action="identity.offline.applied")
    assert (entry.actor, entry.object_id, entry.project_id, entry.data) == (
        account,
        str(app.pk),
        city.projects["lianhua"].pk,
        {},
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unbound_project", "您在该小区没有已绑定的房屋，请选择已绑定房屋所在的小区。"),
        ("verified", "您已完成身份认证（已人脸认证），无需申请线下认证。"),
        (
            "pending",
            "您已有待审核的线下认证申请（莲花山庄），请携带材料联系该小区业委会（筹备组）或街道办办理。",
        ),
    ],
)
def test_apply_refusals(city, hk, case, message):
    account, person, _ = hk
    project = city.projects["lianhua"]
    if case == "unbound_project":
        project = city.projects["jinghua"]
    elif case == "verified":
        OwnerIdentity.objects.filter(pk=person.pk).update(verification=VerificationMethod.FACE)
    else:
        application(account, city.projects["lianhua"])
    before = OfflineVerification.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        offline.apply_offline_verification(actor=account, project=project)
    assert exc.value.message == message
    assert OfflineVerification.objects.count() == before
    assert not AuditEntry.objects.filter(action="identity.offline.applied").exists()


def test_apply_needs_an_owner_identity_and_an_owner_account(city, staff):
    bare = factories.account("bare_owner", kind=AccountKind.OWNER, mobile="+8613911110000")
    with pytest.raises(ValidationFailed, match="请先完成业主身份绑定"):
        offline.apply_offline_verification(actor=bare, project=city.projects["lianhua"])
    with pytest.raises(PermissionDenied):
        offline.apply_offline_verification(actor=staff["committee"], project=city.projects["lianhua"])
    assert OfflineVerification.objects.count() == 0


# --- scope --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [HK_NUMBER, " h1234 5678 ", "Ｈ１２３４５６７８"])
def test_committee_and_subdistrict_find_the_application_by_id_number(city, staff, hk, number):
    app = application(hk[0], city.projects["lianhua"])
    assert offline.find_applications(actor=staff["committee"], id_number=number) == [app]
    assert offline.find_applications(actor=staff["lianhua"], id_number=number) == [app]


def test_out_of_scope_verifiers_find_nothing_and_cannot_open_it(city, staff, hk, other_committee):
    app = application(hk[0], city.projects["lianhua"])
    for actor in (staff["yuehai"], other_committee):
        assert offline.find_applications(actor=actor, id_number=HK_NUMBER) == []
        with pytest.raises(NotFound):
            offline.get_application_for_verifier(actor=actor, application_id=app.pk)
        assert offline.pending_count_for_verifier(actor=actor) == 0
    assert offline.pending_count_for_verifier(actor=staff["committee"]) == 1
    assert offline.pending_count_for_verifier(actor=staff["lianhua"]) == 1


@pytest.mark.parametrize("role", ["city", "futian", "company"])
def test_other_levels_do_not_verify(city, staff, hk, role):
    app = application(hk[0], city.projects["lianhua"])
    assert not offline.is_verifier(staff[role])
    with pytest.raises(PermissionDenied):
        offline.find_applications(actor=staff[role], id_number=HK_NUMBER)
    with pytest.raises(NotFound):
        offline.get_application_for_verifier(actor=staff[role], application_id=app.pk)


def test_owner_accounts_are_never_verifiers(city, hk):
    app = application(hk[0], city.projects["lianhua"])
    with pytest.raises(NotFound):
        offline.get_application_for_verifier(actor=hk[0], application_id=app.pk)


def test_malformed_id_number_is_refused(city, staff, hk):
    with pytest.raises(ValidationFailed) as exc:
        offline.find_applications(actor=staff["committee"], id_number="12-34")
    assert exc.value.message == "证件号码格式不正确，请核对后重新输入。"


def test_another_persons_number_finds_nothing(city, staff, hk):
    application(hk[0], city.projects["lianhua"])
    assert offline.find_applications(actor=staff["committee"], id_number="H12345679") == []


def test_titles_to_check_are_masked(city, staff, hk):
    app = application(hk[0], city.projects["lianhua"])
    rows = offline.titles_to_check(application=app)
    assert [
        (r.unit_label, r.holder_masked, r.id_type_label, r.id_masked, r.share, r.certificate_no) for r in rows
    ] == [
        (
            "1栋102",
            "陈**",
            "港澳居民来往内地通行证",
            "H******78",
            Decimal("1.0000"),
            "粤(2016)深圳市不动产权第0012345号",
        )
    ]
    assert rows[0].matches_identity is True


# --- evidence -----------------------------------------------------------------------------------------------


def test_three_files_are_stored_privately_with_their_hashes(city, staff, hk):
    app = application(hk[0], city.projects["lianhua"])
    files = three_files()
    contents = {kind: f.read() for kind, f in files.items()}
    for f in files.values():
        f.seek(0)
    with clock.frozen(T0):
        rows = offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=files)
    assert [(r.kind, r.content_type, r.original_name, r.size) for r in rows] == [
        ("title_proof", "application/pdf", "产权证.pdf", len(PDF_BYTES)),
        ("id_proof", "image/jpeg", "回乡证.jpg", len(contents["id_proof"])),
        ("holding_photo", "image/png", "手持.png", len(contents["holding_photo"])),
    ]
    root = offline.private_root().resolve()
    for row in rows:
        path = (root / row.stored_name).resolve()
        assert root in path.parents
        on_disk = path.read_bytes()
        assert on_disk.startswith(b"PMIPSEAL1\n") and contents[row.kind][:32] not in on_disk  # sealed at rest
        assert offline.read_evidence(row) == contents[row.kind]
        assert row.sha256 == hashlib.sha256(contents[row.kind]).hexdigest()
        assert row.stored_name.startswith("offline/2026/03/")
        assert row.original_name not in row.stored_name
        assert (row.uploaded_by, row.uploaded_at) == (staff["committee"], T0)
    entry = AuditEntry.objects.get(action="identity.offline.evidence_added")
    assert entry.actor == staff["committee"]
    assert entry.data == {
        "files": [
            {"id": r.pk, "kind": r.kind, "size": r.size, "sha256": r.sha256, "type": r.content_type}
            for r in rows
        ]
    }
    assert len(files_on_disk(offline.private_root())) == 3


def test_configured_private_root_is_outside_every_public_location():
    """The project's own configuration (not the test override): evidence never sits where a URL serves files."""
    from config import settings as configured

    private = Path(configured.PRIVATE_MEDIA_ROOT).resolve()
    public = [Path(configured.STATIC_ROOT), configured.BASE_DIR / "pmip", configured.BASE_DIR / "templates"]
    public += [Path(d[1] if isinstance(d, tuple) else d) for d in configured.STATICFILES_DIRS]
    if getattr(configured, "MEDIA_ROOT", ""):
        public.append(Path(configured.MEDIA_ROOT))
    assert getattr(configured, "MEDIA_URL", "") in ("", None)  # nothing is served from a media URL
    for location in public:
        location = location.resolve()
        assert location != private and location not in private.parents, location


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, "身份证件证明只能上传JPG、PNG图片或PDF文件。"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "身份证件证明只能上传JPG、PNG图片或PDF文件。"),
        ("scan.pdf", b"%PDF-1.4\nnot really a pdf", "身份证件证明只能上传JPG、PNG图片或PDF文件。"),
        (
            "page.html",
            b"<html><script>alert(1)</script></html>",
            "身份证件证明只能上传JPG、PNG图片或PDF文件。",
        ),
        ("empty.jpg", b"", "身份证件证明文件是空的，请重新选择。"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_kept(city, staff, hk, name, data, message):
    app = application(hk[0], city.projects["lianhua"])
    files = {"title_proof": upload("ok.pdf", PDF_BYTES), "id_proof": upload(name, data, "image/jpeg")}
    with pytest.raises(ValidationFailed) as exc:
        offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=files)
    assert (exc.value.message, exc.value.field) == (message, "id_proof")
    assert OfflineEvidence.objects.count() == 0
    assert files_on_disk(offline.private_root()) == []
    assert not AuditEntry.objects.filter(action="identity.offline.evidence_added").exists()


def test_size_limit(city, staff, hk, settings):
    settings.PMIP_OFFLINE_EVIDENCE_MAX_BYTES = 1024 * 1024
    app = application(hk[0], city.projects["lianhua"])
    big = png_bytes(size=(1200, 1200), color=(1, 2, 3))
    noisy = jpeg_bytes()
    assert len(big) < 1024 * 1024  # a small PNG passes...
    offline.add_evidence(
        actor=staff["committee"], application_id=app.pk, files={"id_proof": upload("a.png", big)}
    )
    too_big = noisy + b"\x00" * (1024 * 1024)  # ...one byte over the limit does not
    with pytest.raises(ValidationFailed) as exc:
        offline.add_evidence(
            actor=staff["committee"], application_id=app.pk, files={"holding_photo": upload("b.jpg", too_big)}
        )
    assert exc.value.message == "本人手持证件照片文件过大：每个文件不能超过1MB。"
    assert OfflineEvidence.objects.count() == 1
    assert len(files_on_disk(offline.private_root())) == 1


def test_exactly_at_the_limit_is_accepted(city, staff, hk, settings):
    data = PDF_BYTES
    settings.PMIP_OFFLINE_EVIDENCE_MAX_BYTES = len(data)
    app = application(hk[0], city.projects["lianhua"])
    rows = offline.add_evidence(
        actor=staff["committee"], application_id=app.pk, files={"title_proof": upload("a.pdf", data)}
    )
    assert [r.size for r in rows] == [len(data)]
    settings.PMIP_OFFLINE_EVIDENCE_MAX_BYTES = len(data) - 1
    with pytest.raises(ValidationFailed, match="文件过大"):
        offline.add_evidence(
            actor=staff["committee"], application_id=app.pk, files={"title_proof": upload("b.pdf", data)}
        )


def test_out_of_scope_upload_is_not_found_and_writes_nothing(city, staff, hk, other_committee):
    app = application(hk[0], city.projects["lianhua"])
    for actor in (staff["yuehai"], other_committee, staff["city"]):
        with pytest.raises(NotFound):
            offline.add_evidence(actor=actor, application_id=app.pk, files=three_files())
    assert OfflineEvidence.objects.count() == 0
    assert files_on_disk(offline.private_root()) == []
    assert AuditEntry.objects.count() == 0


# --- decisions ----------------------------------------------------------------------------------------------


def test_approve_needs_all_three_kinds(city, staff, hk):
    app = application(hk[0], city.projects["lianhua"])
    files = three_files()
    del files["holding_photo"]
    offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=files)
    with pytest.raises(ValidationFailed) as exc:
        offline.approve_offline_verification(actor=staff["committee"], application_id=app.pk)
    assert exc.value.message == "请先上传全部线下认证材料，还缺少：本人手持证件照片。"
    app.refresh_from_db()
    assert app.status == "pending"
    assert OwnerIdentity.objects.get(pk=hk[1].pk).verification == "none"
    assert not AuditEntry.objects.filter(action="identity.offline.approved").exists()
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("role", ["committee", "lianhua"])
def test_approve_marks_the_person_verified_offline(city, staff, hk, role):
    account, person, _ = hk
    app = application(account, city.projects["lianhua"])
    actor = staff[role]
    offline.add_evidence(actor=actor, application_id=app.pk, files=three_files())
    with clock.frozen(T0):
        offline.approve_offline_verification(actor=actor, application_id=app.pk)
    app.refresh_from_db()
    person.refresh_from_db()
    assert (app.status, app.decided_by, app.decided_at, app.reason) == ("approved", actor, T0, "")
    assert (person.verification, person.verified_at) == ("offline", T0)
    assert person.get_verification_display() == "已人脸认证（线下）"
    entry = AuditEntry.objects.get(action="identity.offline.approved")
    assert (entry.actor, entry.object_id, entry.project_id) == (
        actor,
        str(app.pk),
        city.projects["lianhua"].pk,
    )
    assert entry.data == {"identity_id": person.pk, "verification": "offline", "changed": True}
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.title, note.link) == (
        account,
        "identity.offline.approved",
        "线下认证已通过",
        "/delegation/offline/",
    )
    assert HK_NUMBER not in str(entry.data) and HK_NUMBER not in note.body


def test_reject_with_reason(city, staff, hk):
    account, person, _ = hk
    app = application(account, city.projects["lianhua"])
    with pytest.raises(ValidationFailed) as exc:
        offline.reject_offline_verification(actor=staff["committee"], application_id=app.pk, reason="  ")
    assert exc.value.message == "请填写不通过的原因。"
    assert AuditEntry.objects.count() == 0
    with clock.frozen(T0):
        offline.reject_offline_verification(
            actor=staff["committee"], application_id=app.pk, reason="产权证书姓名与证件不一致"
        )
    app.refresh_from_db()
    person.refresh_from_db()
    assert (app.status, app.decided_by, app.decided_at, app.reason) == (
        "rejected",
        staff["committee"],
        T0,
        "产权证书姓名与证件不一致",
    )
    assert person.verification == "none"
    entry = AuditEntry.objects.get(action="identity.offline.rejected")
    assert entry.data == {"reason": "产权证书姓名与证件不一致"}
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.title) == (account, "identity.offline.rejected", "线下认证未通过")
    assert note.body == "您在莲花山庄申请的线下认证未通过。原因：产权证书姓名与证件不一致"


def test_a_decision_is_final(city, staff, hk):
    app = application(hk[0], city.projects["lianhua"])
    offline.reject_offline_verification(actor=staff["committee"], application_id=app.pk, reason="材料不全")
    for call in (
        lambda: offline.approve_offline_verification(actor=staff["lianhua"], application_id=app.pk),
        lambda: offline.reject_offline_verification(
            actor=staff["lianhua"], application_id=app.pk, reason="x"
        ),
        lambda: offline.add_evidence(actor=staff["lianhua"], application_id=app.pk, files=three_files()),
    ):
        with pytest.raises(ValidationFailed, match="该申请已处理（未通过），不能再修改。"):
            call()
    assert AuditEntry.objects.filter(action__startswith="identity.offline.").count() == 1


def test_out_of_scope_decisions_change_nothing(city, staff, hk, other_committee):
    account, person, _ = hk
    app = application(account, city.projects["lianhua"])
    offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=three_files())
    audit_before = AuditEntry.objects.count()
    for actor in (staff["yuehai"], other_committee, staff["city"], staff["company"], account):
        with pytest.raises(NotFound):
            offline.approve_offline_verification(actor=actor, application_id=app.pk)
        with pytest.raises(NotFound):
            offline.reject_offline_verification(actor=actor, application_id=app.pk, reason="不通过")
    app.refresh_from_db()
    person.refresh_from_db()
    assert (app.status, app.decided_by, person.verification) == ("pending", None, "none")
    assert AuditEntry.objects.count() == audit_before
    assert Notification.objects.count() == 0


def test_approval_keeps_an_existing_face_verification(city, staff, hk):
    account, person, _ = hk
    app = application(account, city.projects["lianhua"])
    offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=three_files())
    OwnerIdentity.objects.filter(pk=person.pk).update(verification=VerificationMethod.FACE)
    offline.approve_offline_verification(actor=staff["committee"], application_id=app.pk)
    person.refresh_from_db()
    assert person.verification == "face"
    assert AuditEntry.objects.get(action="identity.offline.approved").data["changed"] is False


# --- reading evidence ---------------------------------------------------------------------------------------


def test_evidence_is_open_to_the_owner_and_verifiers_in_scope_only(city, staff, hk, other_committee):
    account, _, _ = hk
    app = application(account, city.projects["lianhua"])
    rows = offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=three_files())
    stranger = mainland_owner(city, "stranger", 1)
    for actor in (account, staff["committee"], staff["lianhua"]):
        evidence, data = offline.open_evidence(actor=actor, evidence_id=rows[0].pk)
        assert (evidence, data) == (rows[0], PDF_BYTES)
    assert AuditEntry.objects.filter(action="identity.offline.evidence_viewed").count() == 3
    before = AuditEntry.objects.count()
    for actor in (stranger, staff["yuehai"], other_committee, staff["city"], staff["futian"]):
        with pytest.raises(NotFound):
            offline.open_evidence(actor=actor, evidence_id=rows[0].pk)
    assert AuditEntry.objects.count() == before


def test_a_tampered_stored_name_cannot_leave_the_private_root(city, staff, hk):
    app = application(hk[0], city.projects["lianhua"])
    rows = offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=three_files())
    OfflineEvidence.objects.filter(pk=rows[0].pk).update(stored_name="../../etc/passwd")
    with pytest.raises(NotFound):
        offline.open_evidence(actor=staff["committee"], evidence_id=rows[0].pk)
