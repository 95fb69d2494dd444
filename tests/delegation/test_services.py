"""委托管理 rules: grant, one in force per (owner, project), the per-delegate cap, revoke by the owner only, the owner
cannot vote while delegated, delegate verification by SMS code, and the audit label of a delegate's actions."""

from __future__ import annotations

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.delegation import selectors, services
from pmip.delegation.models import Delegation
from pmip.identity.models import AccountKind, HouseBinding, SmsCode
from pmip.identity.otp import SmsCodeWrong
from pmip.integrations.sms import EmbeddedSmsBackend
from pmip.notifications.models import Notification
from tests import factories
from tests.delegation.conftest import DELEGATE_MOBILE, DELEGATE_NAME
from tests.identity.factories_offline import T0


def grant(owner, project, name=DELEGATE_NAME, mobile="13700000001"):
    return services.grant_delegation(actor=owner, project=project, delegate_name=name, delegate_mobile=mobile)


def sms_code(mobile: str = DELEGATE_MOBILE) -> str:
    message = EmbeddedSmsBackend.last_to(mobile)
    assert message is not None
    return message.params["code"]


def verify(actor, name=DELEGATE_NAME, mobile=DELEGATE_MOBILE):
    services.send_delegate_code(actor=actor, mobile=mobile, ip="10.0.0.1")
    return services.verify_delegate(actor=actor, name=name, mobile=mobile, code=sms_code(mobile))


# --- grant ----------------------------------------------------------------------------------------------------


def test_grant_records_and_notifies(city, owners):
    project = city.projects["lianhua"]
    with clock.frozen(T0):
        d = grant(owners.li, project, name=" 王五 ", mobile="137 0000 0001")
    assert (
        d.owner,
        d.project,
        d.delegate_name,
        d.delegate_mobile,
        d.status,
        d.granted_at,
        d.delegate_account,
    ) == (
        owners.li,
        project,
        "王五",
        "+8613700000001",
        "active",
        T0,
        None,
    )
    entry = AuditEntry.objects.get(action="delegation.granted")
    assert (entry.actor, entry.project_id, entry.data) == (
        owners.li,
        project.pk,
        {"delegate_name": "王*", "delegate_mobile": "137****0001"},
    )
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.title, note.link) == (
        owners.li,
        "delegation.granted",
        "委托已生效",
        "/delegation/",
    )


def test_owner_cannot_vote_while_delegated_and_revoke_restores(city, owners):
    project = city.projects["lianhua"]
    assert selectors.owner_may_vote(account=owners.li, project=project) is True
    d = grant(owners.li, project)
    assert selectors.owner_may_vote(account=owners.li, project=project) is False
    assert selectors.owner_may_vote(account=owners.li, project=city.projects["jinghua"]) is True
    assert selectors.owner_may_vote(account=owners.zhao, project=project) is True
    with clock.frozen(T0):
        services.revoke_delegation(actor=owners.li, delegation_id=d.pk)
    d.refresh_from_db()
    assert (d.status, d.revoked_at, d.revoked_by) == ("revoked", T0, owners.li)
    assert selectors.owner_may_vote(account=owners.li, project=project) is True
    assert AuditEntry.objects.filter(action="delegation.revoked", actor=owners.li).count() == 1


def test_one_delegation_in_force_per_owner_and_project(city, owners):
    project = city.projects["lianhua"]
    grant(owners.li, project)
    with pytest.raises(ValidationFailed) as exc:
        grant(owners.li, project, name="另一人", mobile="13700000009")
    assert (exc.value.code, exc.value.message) == (
        "delegation_exists",
        "您在该小区已有生效中的委托，请先解除。",
    )
    assert Delegation.objects.count() == 1
    assert AuditEntry.objects.filter(action="delegation.granted").count() == 1


def test_after_revoking_the_owner_may_delegate_again(city, owners):
    project = city.projects["lianhua"]
    first = grant(owners.li, project)
    services.revoke_delegation(actor=owners.li, delegation_id=first.pk)
    second = grant(owners.li, project, name="另一人", mobile="13700000009")
    assert list(Delegation.objects.order_by("id").values_list("status", flat=True)) == ["revoked", "active"]
    assert second.delegate_name == "另一人"


def test_cap_on_principals_per_delegate_and_project(city, owners, settings):
    project = city.projects["lianhua"]
    for owner in (owners.li, owners.zhao, owners.qian):
        grant(owner, project)
    with pytest.raises(ValidationFailed) as exc:
        grant(owners.sun, project)
    assert exc.value.code == "delegation_cap_reached"
    assert exc.value.message == "该被委托人在本小区已接受3位业主的委托，已达上限，不能再接受新的委托。"
    assert exc.value.field == "delegate_mobile"
    assert not Delegation.objects.filter(owner=owners.sun).exists()
    # the cap is by mobile: another spelling of the name does not get round it
    with pytest.raises(ValidationFailed, match="已达上限"):
        grant(owners.sun, project, name="王 五")
    # a revoked delegation frees a place
    services.revoke_delegation(actor=owners.li, delegation_id=Delegation.objects.get(owner=owners.li).pk)
    assert grant(owners.sun, project).status == "active"
    # the setting
    settings.PMIP_DELEGATION_MAX_PRINCIPALS = 4
    assert grant(owners.li, project).status == "active"


def test_grant_refusals(city, owners, staff):
    project = city.projects["lianhua"]
    cases = [
        (
            dict(actor=owners.li, project=city.projects["jinghua"]),
            "您在该小区没有已绑定的房屋，不能发起委托。",
        ),
        (dict(actor=owners.li, project=project, delegate_mobile="12345"), None),
        (dict(actor=owners.li, project=project, delegate_name="  "), "请填写被委托人姓名。"),
        (
            dict(actor=owners.li, project=project, delegate_mobile="+8613900000001"),
            "不能委托给自己，请填写他人的姓名和手机号。",
        ),
    ]
    for kwargs, message in cases:
        args = dict(delegate_name=DELEGATE_NAME, delegate_mobile="13700000001") | kwargs
        with pytest.raises(ValidationFailed) as exc:
            services.grant_delegation(**args)
        if message:
            assert exc.value.message == message
        else:
            assert exc.value.field == "delegate_mobile"
    with pytest.raises(PermissionDenied):
        grant(staff["committee"], project)
    assert Delegation.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


# --- revoke ---------------------------------------------------------------------------------------------------


def test_only_the_owner_can_revoke(city, owners, staff):
    d = grant(owners.li, city.projects["lianhua"])
    verify(owners.delegate)
    before = AuditEntry.objects.count()
    for actor in (owners.delegate, owners.zhao, staff["committee"], staff["city"]):
        with pytest.raises(NotFound):
            services.revoke_delegation(actor=actor, delegation_id=d.pk)
    d.refresh_from_db()
    assert (d.status, d.revoked_at) == ("active", None)
    assert AuditEntry.objects.count() == before


def test_revoke_twice_is_refused_and_notifies_the_known_delegate(city, owners):
    d = grant(owners.li, city.projects["lianhua"])
    verify(owners.delegate)
    services.revoke_delegation(actor=owners.li, delegation_id=d.pk)
    notes = list(Notification.objects.filter(kind="delegation.revoked").order_by("id"))
    assert [(n.recipient, n.title) for n in notes] == [
        (owners.li, "委托已解除"),
        (owners.delegate, "委托已解除"),
    ]
    assert notes[1].body == "业主李*已解除在莲花山庄对您的委托，您不能再代其参与业主决策和评价。"
    with pytest.raises(ValidationFailed, match="该委托已解除。"):
        services.revoke_delegation(actor=owners.li, delegation_id=d.pk)


# --- delegate verification ------------------------------------------------------------------------------------


def test_delegate_verification_links_every_matching_delegation(city, owners):
    lianhua = city.projects["lianhua"]
    d1 = grant(owners.li, lianhua)
    d2 = grant(owners.zhao, lianhua)
    other = grant(owners.qian, lianhua, name="王五", mobile="13700000002")  # same name, other phone
    with clock.frozen(T0):
        linked = verify(owners.delegate)
    assert [d.pk for d in linked] == [d1.pk, d2.pk]
    assert set(Delegation.objects.filter(delegate_account=owners.delegate).values_list("pk", flat=True)) == {
        d1.pk,
        d2.pk,
    }
    other.refresh_from_db()
    assert other.delegate_account is None
    entry = AuditEntry.objects.get(action="delegation.delegate_verified")
    assert entry.data == {
        "delegations": [d1.pk, d2.pk],
        "relinked": [],
        "delegate_name": "王*",
        "delegate_mobile": "137****0001",
    }
    assert [d.owner for d in selectors.acting_for(account=owners.delegate, project=lianhua)] == [
        owners.li,
        owners.zhao,
    ]
    assert list(selectors.delegated_projects(account=owners.delegate)) == [lianhua]


def test_wrong_code_fails_and_links_nothing(city, owners):
    grant(owners.li, city.projects["lianhua"])
    services.send_delegate_code(actor=owners.delegate, mobile=DELEGATE_MOBILE, ip="10.0.0.1")
    right = sms_code()
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    with pytest.raises(SmsCodeWrong) as exc:
        services.verify_delegate(
            actor=owners.delegate, name=DELEGATE_NAME, mobile=DELEGATE_MOBILE, code=wrong
        )
    assert exc.value.message == "验证码错误，还可尝试4次。"
    assert Delegation.objects.filter(delegate_account__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(action="delegation.delegate_verified").exists()


def test_name_must_match_too(city, owners):
    grant(owners.li, city.projects["lianhua"])
    with pytest.raises(ValidationFailed) as exc:
        verify(owners.delegate, name="王六")
    assert exc.value.code == "delegation_not_found_for_delegate"
    assert Delegation.objects.filter(delegate_account__isnull=False).count() == 0
    assert SmsCode.objects.get().used_at is not None  # the code is used up either way


def test_an_owner_is_never_their_own_delegate(city, owners):
    d = grant(owners.li, city.projects["lianhua"])
    # the owner types the delegate's name and phone, and receives the code somehow: still not linked to them
    services.send_delegate_code(actor=owners.li, mobile=DELEGATE_MOBILE, ip="10.0.0.1")
    with pytest.raises(ValidationFailed, match="未找到以您的姓名和手机号为被委托人的生效委托"):
        services.verify_delegate(actor=owners.li, name=DELEGATE_NAME, mobile=DELEGATE_MOBILE, code=sms_code())
    d.refresh_from_db()
    assert d.delegate_account is None


def test_staff_accounts_cannot_verify_as_delegates(staff):
    with pytest.raises(PermissionDenied):
        services.send_delegate_code(actor=staff["committee"], mobile=DELEGATE_MOBILE, ip="10.0.0.1")
    assert SmsCode.objects.count() == 0


# --- acting for the owner -------------------------------------------------------------------------------------


def test_a_delegates_action_is_recorded_for_the_owner(city, owners):
    from django.db import transaction

    lianhua = city.projects["lianhua"]
    grant(owners.li, lianhua)
    verify(owners.delegate)
    with transaction.atomic():
        entry = services.record_as_delegate(
            delegate=owners.delegate, principal=owners.li, project=lianhua, action="decisions.ballot.cast"
        )
    assert (entry.actor, entry.on_behalf_of, entry.actor_label, entry.project_id) == (
        owners.delegate,
        owners.li,
        "被委托人 王* 代业主 李*",
        lianhua.pk,
    )
    assert entry.data == {"delegation_id": Delegation.objects.get().pk}
    # not for someone who did not delegate to them, nor in another project
    for principal, project in ((owners.zhao, lianhua), (owners.li, city.projects["jinghua"])):
        with pytest.raises(PermissionDenied), transaction.atomic():
            services.record_as_delegate(
                delegate=owners.delegate, principal=principal, project=project, action="decisions.ballot.cast"
            )
    assert AuditEntry.objects.filter(action="decisions.ballot.cast").count() == 1


@pytest.mark.django_db(transaction=True)
def test_record_as_delegate_needs_the_callers_transaction(city, owners):
    with pytest.raises(ValueError, match="inside the business transaction"):
        services.record_as_delegate(
            delegate=owners.delegate, principal=owners.li, project=city.projects["lianhua"], action="x.y"
        )


def test_revoked_or_unbound_principals_are_not_acted_for(city, owners):
    lianhua = city.projects["lianhua"]
    d_li = grant(owners.li, lianhua)
    grant(owners.zhao, lianhua)
    verify(owners.delegate)
    services.revoke_delegation(actor=owners.li, delegation_id=d_li.pk)
    assert [d.owner for d in selectors.acting_for(account=owners.delegate, project=lianhua)] == [owners.zhao]
    HouseBinding.objects.filter(account=owners.zhao).update(status="ended", ended_at=clock.now())
    assert selectors.acting_for(account=owners.delegate, project=lianhua) == []
    assert list(selectors.delegated_projects(account=owners.delegate)) == []


def test_acting_for_has_no_n_plus_one(city, owners, django_assert_num_queries):
    lianhua = city.projects["lianhua"]
    for owner in (owners.li, owners.zhao, owners.qian):
        grant(owner, lianhua)
    verify(owners.delegate)
    with django_assert_num_queries(1):
        labels = [
            selectors.actor_label(d) for d in selectors.acting_for(account=owners.delegate, project=lianhua)
        ]
    assert labels == ["被委托人 王* 代业主 李*", "被委托人 王* 代业主 赵*", "被委托人 王* 代业主 钱*"]


def test_owner_label_falls_back_to_the_account_name(city, owners):
    bare = factories.account("bare", kind=AccountKind.OWNER, name="欧阳小明")
    d = Delegation(
        owner=bare, project=city.projects["lianhua"], delegate_name="司马光", delegate_mobile="+8613700000003"
    )
    assert selectors.actor_label(d) == "被委托人 司马* 代业主 欧阳**"
