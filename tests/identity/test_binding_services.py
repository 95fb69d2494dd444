"""House binding services: every step, every manual error message for its real cause, and what is written."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import crypto
from pmip.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from pmip.identity import binding, otp
from pmip.identity.binding.lookup import find_units
from pmip.identity.models import (
    BindingStatus,
    FaceVerification,
    HouseBinding,
    HouseInfoSubmission,
    OwnerIdentity,
    VerificationMethod,
)
from pmip.identity.selectors import owner_profile
from pmip.integrations.title_registry import (
    BoundedTitleRegistry,
    HttpTitleRegistry,
    TitleHit,
)
from pmip.notifications.models import Notification
from pmip.registry.models import TitleRecord, Unit
from pmip.registry.title_lookup import EmbeddedTitleRegistry
from tests import factories
from tests.factories import mainland_id
from tests.identity.binding_support import (  # noqa: F401 - fixtures
    MOBILE,
    ZHANG_ID,
    FixedRegistry,
    clean_stand_ins_fixture,
    dump_database,
    legacy_binding,
    other_owner_fixture,
    owner_fixture,
    play_face,
    sms_code,
    start,
    through_face,
)
from tests.integrations.fakes import FakeTitleRegistry


def _unit(city, project: str = "lianhua", building: str = "1", number: str = "101") -> Unit:
    return Unit.objects.get(project=city.projects[project], building__number=building, number=number)


def _nothing_bound():
    assert HouseBinding.objects.count() == 0
    assert OwnerIdentity.objects.count() == 0


# --------------------------------------------------------------------------------------------------- the happy path


def test_mainland_owner_binds_after_a_passed_face_verification(city, owner, django_assert_max_num_queries):
    started = start(owner)
    assert started.needs_face is True
    state = through_face(owner, started.state)
    state, result = binding.lookup_units(actor=owner, state=state)
    unit = _unit(city)
    assert [
        (c.unit_id, c.project_name, c.label, c.area, c.holder_masked, c.already_bound)
        for c in result.candidates
    ] == [(unit.pk, "莲花山庄", "1栋101", Decimal("90.00"), "张*", False)]
    # 2 of them append to the audit hash chain (head row locked, then moved)
    with django_assert_max_num_queries(27):
        [made] = binding.bind_units(actor=owner, state=state, unit_ids=[str(unit.pk)])

    assert (made.account_id, made.unit_id, made.project_id, made.status) == (
        owner.pk,
        unit.pk,
        city.projects["lianhua"].pk,
        BindingStatus.ACTIVE,
    )
    assert made.title_record == TitleRecord.objects.get(unit=unit)
    identity = OwnerIdentity.objects.get(account=owner)
    assert (identity.holder_name, identity.id_type, identity.id_number_masked, identity.mobile) == (
        "张三",
        "mainland",
        ZHANG_ID[:3] + "*" * 11 + ZHANG_ID[-4:],
        MOBILE,
    )
    assert identity.verification == VerificationMethod.FACE
    assert identity.face_consent_at is not None
    assert crypto.decrypt(identity.id_number_enc, context="id:mainland") == ZHANG_ID
    owner.refresh_from_db()
    assert owner.display_name == "张三"
    face = FaceVerification.objects.get(account=owner)
    assert (face.provider, face.purpose, face.passed, face.score, face.error_code) == (
        "embedded",
        "binding",
        True,
        Decimal("95.00"),
        "0",
    )
    actions = list(AuditEntry.objects.filter(actor=owner).order_by("id").values_list("action", flat=True))
    assert actions == [
        "identity.binding.started",
        "identity.face.started",
        "identity.face.completed",
        "identity.binding.looked_up",
        "identity.identity.saved",
        "identity.identity.verified",
        "identity.binding.created",
    ]
    note = Notification.objects.get(recipient=owner)
    assert (note.kind, note.title, note.link) == (
        "identity.binding.approved",
        "业主身份绑定成功",
        "/me/binding/",
    )
    assert note.body == "您已成功绑定房屋：莲花山庄1栋101。"
    assert owner_profile(actor=owner).status.label == "已人脸认证"


def test_non_mainland_owner_binds_without_face_and_needs_offline_verification(city, owner):
    unit = _unit(city, "jinghua", "2", "102")
    permit = "H12345678"
    factories.title(unit, "陈大文", permit, id_type="return_home")
    started = start(owner, name="陈大文", id_type="return_home", number=permit)
    assert started.needs_face is False
    with pytest.raises(ValidationFailed) as exc:
        binding.start_face(
            actor=owner, state=started.state, face_consent=True, redirect_url="https://x.test/"
        )
    assert exc.value.code == "face_not_needed"
    state, result = binding.lookup_units(actor=owner, state=started.state)
    assert [c.unit_id for c in result.candidates] == [unit.pk]
    binding.bind_units(actor=owner, state=state, unit_ids=[unit.pk])
    identity = OwnerIdentity.objects.get(account=owner)
    assert identity.verification == VerificationMethod.NONE
    assert FaceVerification.objects.count() == 0
    status = owner_profile(actor=owner).status
    assert (status.code, status.label, status.needs_offline, status.can_vote, status.can_supplement) == (
        "offline_pending",
        "待线下认证",
        True,
        False,
        False,
    )


def test_declining_face_binds_unverified_and_offers_supplementary_verification(city, owner):
    started = start(owner)
    state = binding.decline_face(actor=owner, state=started.state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    status = owner_profile(actor=owner).status
    assert (status.code, status.label, status.can_supplement, status.can_vote) == (
        "none",
        "未认证",
        True,
        False,
    )
    assert AuditEntry.objects.filter(action="identity.binding.face_declined", actor=owner).count() == 1


# --------------------------------------------------------------------------------------------------- step 1 checks


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"holder_name": ""}, "holder_name", "请输入业主姓名。"),
        ({"holder_name": "张"}, "holder_name", "请输入完整的业主姓名。"),
        (
            {"holder_name": "张三3"},
            "holder_name",
            "业主姓名只能包含汉字、字母、间隔号“·”和空格，请与不动产权证书上的姓名一致。",
        ),
        ({"id_type": "driver"}, "id_type", "请选择证件类型。"),
        ({"id_number": ""}, "id_number", "请输入证件号码。"),
        (
            {"id_number": ZHANG_ID[:17] + ("0" if ZHANG_ID[17] != "0" else "1")},
            "id_number",
            "居民身份证号码校验位不正确，请核对后重新输入。",
        ),
        (
            {"id_type": "return_home", "id_number": "X123"},
            "id_number",
            "港澳居民来往内地通行证号码应为H或M加8位数字（旧版为10位数字）。",
        ),
        (
            {"mobile": "12345"},
            "mobile",
            "手机号码格式不正确：内地号码为11位（以13-19开头），港澳台号码请加国际区号。",
        ),
        ({"sms_code": ""}, "sms_code", "请输入短信验证码。"),
        ({"sms_code": "000000x"}, "sms_code", "请输入6位数字验证码。"),
        ({"agreement_accepted_at": None}, "agreement", "请先阅读并勾选“我已经阅读了《用户协议》”。"),
    ],
)
def test_every_form_field_is_checked_with_a_chinese_message(city, owner, changes, field, message):
    sms_code(MOBILE)
    kwargs = dict(
        agreement_accepted_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        holder_name="张三",
        id_type="mainland",
        id_number=ZHANG_ID,
        mobile=MOBILE,
        sms_code="123456",
    )
    kwargs.update(changes)
    with pytest.raises(ValidationFailed) as exc:
        binding.start_binding(actor=owner, **kwargs)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert not AuditEntry.objects.filter(action="identity.binding.started").exists()


def test_a_wrong_sms_code_is_refused_and_counts_as_a_try(city, owner):
    code = sms_code(MOBILE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(otp.SmsCodeWrong) as exc:
        binding.start_binding(
            actor=owner,
            agreement_accepted_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
            holder_name="张三",
            id_type="mainland",
            id_number=ZHANG_ID,
            mobile=MOBILE,
            sms_code=wrong,
        )
    assert (exc.value.field, exc.value.message) == ("sms_code", "验证码错误，还可尝试4次。")
    assert not AuditEntry.objects.filter(action="identity.binding.started").exists()


def test_only_owner_accounts_may_bind(city, staff):
    with pytest.raises(PermissionDenied):
        start(staff["city"])


def test_a_pending_binding_belongs_to_its_account(city, owner, other_owner):
    started = start(owner)
    with pytest.raises(binding.BindingExpired):
        binding.lookup_units(actor=other_owner, state=started.state)
    with pytest.raises(binding.BindingExpired):
        binding.open_pending(actor=owner, token=started.state[:-4] + "AAAA")


def test_a_pending_binding_expires(city, owner):
    from pmip.core import clock

    t0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(t0) as frozen:
        started = start(owner)
        frozen.advance(seconds=binding.STATE_TTL_SECONDS + 1)
        with pytest.raises(binding.BindingExpired) as exc:
            binding.open_pending(actor=owner, token=started.state)
    assert exc.value.message == "绑定信息已失效，请重新填写业主身份信息。"


# --------------------------------------------------------------------------------------------------- face


def test_a_failed_face_verification_is_refused_and_stored(city, owner):
    started = start(owner)
    state, session = binding.start_face(
        actor=owner, state=started.state, face_consent=True, redirect_url="https://pmip.test/r/"
    )
    play_face(session.url, "fail")
    with pytest.raises(binding.FaceNotPassed) as exc:
        binding.complete_face(actor=owner, state=state)
    assert exc.value.message == (
        "人脸识别未通过（无法判断为同一人，请确认身份后重试），请重新识别；"
        "如仍无法通过，可联系业委会（筹备组）或街道办进行线下认证。"
    )
    face = FaceVerification.objects.get(account=owner)
    assert (face.passed, face.score, face.error_code) == (False, Decimal("41.50"), "2016")
    with pytest.raises(binding.FaceRequired):
        binding.lookup_units(actor=owner, state=state)


def test_an_unsupported_device_gets_the_manual_message(city, owner):
    started = start(owner)
    state, session = binding.start_face(
        actor=owner, state=started.state, face_consent=True, redirect_url="https://pmip.test/r/"
    )
    play_face(session.url, "unsupported")
    with pytest.raises(binding.FaceDeviceUnsupported) as exc:
        binding.complete_face(actor=owner, state=state)
    assert exc.value.message == "该设备不支持人脸识别！"
    assert FaceVerification.objects.get(account=owner).error_code == "3001"


def test_the_callback_is_never_taken_as_a_pass(city, owner):
    started = start(owner)
    state, _session = binding.start_face(
        actor=owner, state=started.state, face_consent=True, redirect_url="https://pmip.test/r/"
    )
    # The owner has not finished on the provider's page; the browser claims success.
    with pytest.raises(binding.FaceNotFinished):
        binding.complete_face(actor=owner, state=state, callback_code="0")
    assert FaceVerification.objects.get(account=owner).passed is None
    # A callback saying "device unsupported" may only explain the failure.
    with pytest.raises(binding.FaceDeviceUnsupported):
        binding.complete_face(actor=owner, state=state, callback_code="3001")


def test_face_needs_its_separate_consent(city, owner):
    started = start(owner)
    with pytest.raises(ValidationFailed) as exc:
        binding.start_face(
            actor=owner, state=started.state, face_consent=False, redirect_url="https://x.test/"
        )
    assert (exc.value.field, exc.value.message) == (
        "face_consent",
        "请阅读并勾选同意《人脸识别信息处理告知》。",
    )
    assert FaceVerification.objects.count() == 0


def test_the_real_provider_device_error_maps_to_the_manual_message(city, owner, settings):
    from tests.integrations.fakes import FakeFaceId

    with FakeFaceId(rule_id="7") as fake:
        settings.PMIP_FACEID_BACKEND = "tencent"
        settings.PMIP_FACEID_URL = fake.url
        settings.PMIP_FACEID_RULE_ID = "7"
        settings.PMIP_TENCENTCLOUD_SECRET_ID = fake.secret_id
        settings.PMIP_TENCENTCLOUD_SECRET_KEY = fake.secret_key
        started = start(owner)
        state, session = binding.start_face(
            actor=owner, state=started.state, face_consent=True, redirect_url="https://pmip.test/r/"
        )
        [token] = fake.flows
        fake.finish(
            token, err_code=3001, err_msg="该浏览器不支持视频录制", sim=None, req_time_ms=1767225600123
        )
        with pytest.raises(binding.FaceDeviceUnsupported) as exc:
            binding.complete_face(actor=owner, state=state)
    assert exc.value.message == "该设备不支持人脸识别！"
    face = FaceVerification.objects.get(account=owner)
    assert (face.provider, face.passed, face.error_code) == ("tencent", False, "3001")


def test_no_face_image_from_the_provider_reaches_the_database(city, owner, settings):
    from django.db import connection

    from tests.integrations.fakes import FakeFaceId

    with FakeFaceId(rule_id="7", media_regardless=True) as fake:
        settings.PMIP_FACEID_BACKEND = "tencent"
        settings.PMIP_FACEID_URL = fake.url
        settings.PMIP_FACEID_RULE_ID = "7"
        settings.PMIP_TENCENTCLOUD_SECRET_ID = fake.secret_id
        settings.PMIP_TENCENTCLOUD_SECRET_KEY = fake.secret_key
        started = start(owner)
        state, _session = binding.start_face(
            actor=owner, state=started.state, face_consent=True, redirect_url="https://pmip.test/r/"
        )
        [token] = fake.flows
        fake.finish(token, err_code=0, err_msg="成功", sim="93.20", req_time_ms=1767225600123)
        state = binding.complete_face(actor=owner, state=state)
        image, video = fake.IMAGE, fake.VIDEO
    face = FaceVerification.objects.get(account=owner)
    assert (face.passed, face.score, face.verified_at) == (
        True,
        Decimal("93.20"),
        dt.datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=dt.UTC),
    )
    dump = dump_database(connection)
    assert image[:40] not in dump
    assert video[:40] not in dump
    assert ZHANG_ID not in dump


# --------------------------------------------------------------------------------------------------- look-up errors


def test_no_title_for_this_name_and_id_is_title_not_found(city, owner):
    started = start(owner, name="张四")  # right ID, wrong name: the registry has nothing for this pair
    state = through_face(owner, started.state)
    with pytest.raises(binding.TitleNotFound) as exc:
        binding.lookup_units(actor=owner, state=state)
    assert (exc.value.code, exc.value.message) == (
        "title_not_found",
        "暂未获取到您的产权登记信息，如有疑问请致电客服。",
    )
    assert binding.open_pending(actor=owner, token=exc.value.state).lookup_error == "title_not_found"
    entry = AuditEntry.objects.get(action="identity.binding.looked_up")
    assert entry.data["outcome"] == "title_not_found"


def test_titles_whose_units_are_not_in_the_registry_are_house_not_found(city, owner, monkeypatch):
    fake = FixedRegistry(
        [TitleHit("440399999", "8", "801", "张三", Decimal("1"), "粤(2020)深圳市不动产权第0000001号")]
    )
    monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: fake)
    state = through_face(owner, start(owner).state)
    with pytest.raises(binding.HouseNotFound) as exc:
        binding.lookup_units(actor=owner, state=state)
    assert (exc.value.code, exc.value.message) == ("house_not_found", "未能找到您的房屋，如有问题请致电客服")
    assert exc.value.missing == [
        {
            "project_code": "440399999",
            "building_number": "8",
            "unit_number": "801",
            "certificate_no": "粤(2020)深圳市不动产权第0000001号",
        }
    ]


def test_a_registry_over_its_concurrency_limit_is_busy(city, owner, monkeypatch):
    no_slots = BoundedTitleRegistry(EmbeddedTitleRegistry(), slots=threading.BoundedSemaphore(1))
    assert no_slots.slots.acquire(blocking=False)  # the only slot is taken by someone else
    monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: no_slots)
    state = through_face(owner, start(owner).state)
    with pytest.raises(binding.RegistryBusy) as exc:
        binding.lookup_units(actor=owner, state=state)
    assert (exc.value.code, exc.value.message, exc.value.status) == (
        "registry_unavailable",
        "查询产权数据错误：系统繁忙，请稍后再试",
        503,
    )
    no_slots.slots.release()
    # The slot is free again: the retry works with the state kept from the failed attempt.
    state, result = binding.lookup_units(actor=owner, state=exc.value.state)
    assert [c.unit_id for c in result.candidates] == [_unit(city).pk]


def test_a_registry_that_times_out_is_busy(city, owner, monkeypatch):
    with FakeTitleRegistry() as server:
        server.delay = 1.0
        slow = HttpTitleRegistry(url=f"{server.url}/title/lookup", timeout=0.2, token=server.token)
        monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: slow)
        state = through_face(owner, start(owner).state)
        with pytest.raises(binding.RegistryBusy) as exc:
            binding.lookup_units(actor=owner, state=state)
    assert exc.value.message == "查询产权数据错误：系统繁忙，请稍后再试"


def test_titles_known_only_to_the_outside_registry_are_copied_when_bound(city, owner, monkeypatch):
    unit = _unit(city, "haian", "2", "101")  # in the registry, but no local title for 张三
    fake = FixedRegistry([TitleHit(unit.project.code, "2", "101", "张三", Decimal("0.5"), "CERT-1")])
    monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: fake)
    state = through_face(owner, start(owner).state)
    state, result = binding.lookup_units(actor=owner, state=state)
    assert [(c.unit_id, c.share) for c in result.candidates] == [(unit.pk, Decimal("0.5"))]
    [made] = binding.bind_units(actor=owner, state=state, unit_ids=[unit.pk])
    copy = made.title_record
    assert (copy.unit_id, copy.holder_name, copy.share, copy.certificate_no, copy.id_number_masked) == (
        unit.pk,
        "张三",
        Decimal("0.5000"),
        "CERT-1",
        ZHANG_ID[:3] + "*" * 11 + ZHANG_ID[-4:],
    )
    assert copy.id_number_hash == crypto.id_number_hash("mainland", ZHANG_ID)


def test_look_ups_are_rate_limited_per_account(city, owner, settings):
    settings.PMIP_BINDING_LOOKUP_LIMIT = 2
    state = through_face(owner, start(owner).state)
    binding.lookup_units(actor=owner, state=state)
    binding.lookup_units(actor=owner, state=state)
    with pytest.raises(RateLimited) as exc:
        binding.lookup_units(actor=owner, state=state)
    assert (exc.value.code, exc.value.message) == (
        "lookup_rate_limited",
        "查询产权信息过于频繁，请一小时后再试。",
    )
    assert AuditEntry.objects.filter(action="identity.binding.looked_up").count() == 2


# --------------------------------------------------------------------------------------------------- bind checks


def test_units_outside_the_look_up_result_cannot_be_bound(city, owner):
    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    someone_elses = _unit(city, "jinghua")  # held by another 张三 (another ID)
    with pytest.raises(ValidationFailed) as exc:
        binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk, someone_elses.pk])
    assert (exc.value.code, exc.value.message) == (
        "unit_not_in_lookup",
        "所选房屋不在您的产权查询结果中，请重新查询。",
    )
    _nothing_bound()


def test_binding_needs_a_look_up_and_a_choice(city, owner):
    started = start(owner)
    with pytest.raises(binding.BindingExpired) as exc:
        binding.bind_units(actor=owner, state=started.state, unit_ids=[_unit(city).pk])
    assert exc.value.message == "请先查询可绑定的房屋。"
    state = through_face(owner, started.state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    with pytest.raises(ValidationFailed) as exc:
        binding.bind_units(actor=owner, state=state, unit_ids=[])
    assert exc.value.message == "请至少勾选一套要绑定的房屋。"
    _nothing_bound()


def test_a_mainland_look_up_without_a_passed_face_is_refused(city, owner):
    started = start(owner)
    with pytest.raises(binding.FaceRequired):
        binding.lookup_units(actor=owner, state=started.state)
    assert not AuditEntry.objects.filter(action="identity.binding.looked_up").exists()


def test_a_title_ended_after_the_look_up_is_not_bound(city, owner):
    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    TitleRecord.objects.filter(unit=_unit(city)).update(ended_on=dt.date(2026, 3, 1))
    with pytest.raises(ValidationFailed) as exc:
        binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    assert (exc.value.code, exc.value.message) == (
        "title_changed",
        "莲花山庄1栋101的产权信息已变更，请重新查询。",
    )
    _nothing_bound()


def test_the_same_person_cannot_bind_one_unit_through_two_accounts(city, owner, other_owner):
    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    other = through_face(other_owner, start(other_owner, mobile="+8613912340002").state)
    other, _ = binding.lookup_units(actor=other_owner, state=other)
    with pytest.raises(ValidationFailed) as exc:
        binding.bind_units(actor=other_owner, state=other, unit_ids=[_unit(city).pk])
    assert exc.value.message == "所选房屋已通过您的另一个账户绑定，请先在该账户中解除绑定。"
    assert HouseBinding.objects.filter(account=other_owner).count() == 0


def test_add_house_binding_uses_the_identity_on_file(city, owner):
    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    second = _unit(city, "xiangmi", "2", "102")
    factories.title(second, "张三", ZHANG_ID, share="0.5")
    state, result = binding.lookup_units(actor=owner, state=None)
    assert [(c.unit_id, c.already_bound) for c in result.candidates] == [
        (_unit(city).pk, True),
        (second.pk, False),
    ]
    assert result.mode == "add"
    binding.bind_units(actor=owner, state=state, unit_ids=[second.pk])
    assert set(
        HouseBinding.objects.filter(account=owner, status="active").values_list("unit_id", flat=True)
    ) == {
        _unit(city).pk,
        second.pk,
    }


def test_the_look_up_is_one_statement(city, owner, django_assert_num_queries):
    """The look-up proper against the embedded registry: one indexed statement (the hits name their local unit and
    title record, so the units are not looked for again), whatever the number of units."""
    second = _unit(city, "xiangmi", "2", "102")
    factories.title(second, "张三", ZHANG_ID, share="0.5")
    with django_assert_num_queries(1):
        resolved = find_units(
            EmbeddedTitleRegistry(),
            name="张三",
            id_type="mainland",
            id_number=ZHANG_ID,
            id_hash=crypto.id_number_hash("mainland", ZHANG_ID),
        )
    titles = {t.unit_id: t.pk for t in TitleRecord.objects.filter(unit__in=[_unit(city), second])}
    assert resolved.missing == []
    assert resolved.found == [
        {"unit_id": u, "title_record_id": titles[u], "share": share, "certificate_no": ""}
        for u, share in ((_unit(city).pk, "1.0000"), (second.pk, "0.5000"))
    ]


def test_a_look_up_reads_the_units_to_show_in_one_statement(city, owner, django_assert_num_queries):
    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    pending = binding.open_pending(actor=owner, token=state)
    with django_assert_num_queries(1):
        result = binding.describe_lookup(actor=owner, pending=pending)
    assert [(c.project_code, c.label, c.area, c.share, c.already_bound) for c in result.candidates] == [
        ("440304001", "1栋101", Decimal("90.00"), Decimal("1.0000"), False)
    ]


# --------------------------------------------------------------------------------------------------- unbind, 补充认证


def _bound(city, owner, **kwargs):
    state = through_face(owner, start(owner, **kwargs).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    return binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])


def test_unbind_all_needs_confirmation(city, owner):
    [made] = _bound(city, owner)
    with pytest.raises(ValidationFailed) as exc:
        binding.unbind_all(actor=owner, confirm=False)
    assert exc.value.message == "请确认是否解除所有绑定。"
    made.refresh_from_db()
    assert made.status == BindingStatus.ACTIVE
    assert binding.unbind_all(actor=owner, confirm=True) == 1
    made.refresh_from_db()
    assert (made.status, made.end_reason) == (BindingStatus.ENDED, "owner_unbound")
    entry = AuditEntry.objects.get(action="identity.binding.ended")
    assert entry.data == {"reason": "owner_unbound", "unit_id": made.unit_id, "account_id": owner.pk}
    with pytest.raises(ValidationFailed) as exc:
        binding.unbind_all(actor=owner, confirm=True)
    assert exc.value.message == "您当前没有已绑定的房屋。"


def test_supplementary_face_verification_marks_the_identity_verified(city, owner):
    identity = legacy_binding(city, owner)
    assert owner_profile(actor=owner).status.label == "未认证"
    state, session = binding.start_supplementary_face(
        actor=owner, face_consent=True, redirect_url="https://pmip.test/me/binding/verify/return/"
    )
    play_face(session.url, "pass")
    binding.supplementary_face(actor=owner, state=state)
    identity.refresh_from_db()
    assert identity.verification == VerificationMethod.FACE
    assert owner_profile(actor=owner).status.label == "已人脸认证"
    assert FaceVerification.objects.get(account=owner).purpose == "supplementary"
    entry = AuditEntry.objects.get(action="identity.identity.verified")
    assert entry.data["purpose"] == "supplementary"
    with pytest.raises(ValidationFailed) as exc:
        binding.start_supplementary_face(actor=owner, face_consent=True, redirect_url="https://x.test/")
    assert exc.value.code == "already_verified"


def test_supplementary_face_failure_leaves_the_identity_unverified(city, owner):
    identity = legacy_binding(city, owner)
    state, session = binding.start_supplementary_face(
        actor=owner, face_consent=True, redirect_url="https://x.test/"
    )
    play_face(session.url, "fail")
    with pytest.raises(binding.FaceNotPassed):
        binding.supplementary_face(actor=owner, state=state)
    identity.refresh_from_db()
    assert identity.verification == VerificationMethod.NONE


def test_a_supplementary_state_cannot_be_used_by_another_account(city, owner, other_owner):
    legacy_binding(city, owner)
    state, session = binding.start_supplementary_face(
        actor=owner, face_consent=True, redirect_url="https://x.test/"
    )
    play_face(session.url, "pass")
    with pytest.raises(binding.BindingExpired):
        binding.supplementary_face(actor=other_owner, state=state)


# --------------------------------------------------------------------------------------------------- title changes


def test_a_title_change_ends_the_binding(city, owner):
    [made] = _bound(city, owner)
    title = made.title_record
    title.ended_on = dt.date(2026, 3, 1)
    title.save()
    factories.title(made.unit, "李四", mainland_id(40))
    assert binding.end_bindings_for_changed_titles(actor=None, unit=made.unit) == 1
    made.refresh_from_db()
    assert (made.status, made.end_reason) == (BindingStatus.ENDED, "title_changed")
    entry = AuditEntry.objects.get(action="identity.binding.ended")
    assert entry.data == {"reason": "title_changed", "unit_id": made.unit_id, "account_id": owner.pk}


def test_a_re_registered_title_of_the_same_person_keeps_the_binding(city, owner):
    [made] = _bound(city, owner)
    old = made.title_record
    old.ended_on = dt.date(2026, 3, 1)
    old.save()
    new = factories.title(made.unit, "张三", ZHANG_ID, share="1")
    assert binding.end_bindings_for_changed_titles(actor=None, unit=made.unit) == 0
    made.refresh_from_db()
    assert (made.status, made.title_record_id) == (BindingStatus.ACTIVE, new.pk)


def test_an_unchanged_title_keeps_the_binding_and_staff_need_scope(city, owner, staff):
    [made] = _bound(city, owner)
    with pytest.raises(NotFound):
        binding.end_bindings_for_changed_titles(actor=staff["yuehai"], unit=made.unit)
    assert binding.end_bindings_for_changed_titles(actor=staff["lianhua"], unit=made.unit) == 0
    made.refresh_from_db()
    assert made.status == BindingStatus.ACTIVE


# --------------------------------------------------------------------------------------------------- 提交房屋信息


def test_house_information_goes_to_the_chosen_subdistrict_queue(city, owner):
    submission = binding.submit_house_info(
        actor=owner,
        subdistrict_id=city.subdistricts["yuehai"].pk,
        project_name=" 海景 花园 ",
        address="深圳市南山区海德三道1号",
        building_number="8",
        unit_number="801",
    )
    assert (submission.subdistrict, submission.project_name, submission.status) == (
        city.subdistricts["yuehai"],
        "海景 花园",
        HouseInfoSubmission.Status.PENDING,
    )
    assert AuditEntry.objects.get(action="identity.house_info.submitted").data == {
        "subdistrict_id": city.subdistricts["yuehai"].pk,
        "project_name": "海景 花园",
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"subdistrict_id": None}, "subdistrict", "请选择房屋所在的街道。"),
        ({"subdistrict_id": 999999}, "subdistrict", "请选择房屋所在的街道。"),
        ({"project_name": " "}, "project_name", "请填写小区名称。"),
        ({"unit_number": "1" * 31}, "unit_number", "房号不能超过30个字。"),
    ],
)
def test_house_information_is_checked(city, owner, changes, field, message):
    kwargs = dict(
        subdistrict_id=city.subdistricts["lianhua"].pk,
        project_name="海景花园",
        address="深圳市",
        building_number="8",
        unit_number="801",
    )
    kwargs.update(changes)
    with pytest.raises(ValidationFailed) as exc:
        binding.submit_house_info(actor=owner, **kwargs)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert HouseInfoSubmission.objects.count() == 0
