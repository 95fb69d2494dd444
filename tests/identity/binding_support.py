"""Fixtures and helpers for the owner log-in and house-binding tests (import the fixtures into the test module:
this directory's tests are shared with other features, so nothing here is autouse for them).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from pmip.core import clock
from pmip.identity import binding, otp
from pmip.identity.models import HouseBinding, OwnerIdentity, SmsPurpose
from pmip.integrations import embedded_faceid
from pmip.integrations.sms import EmbeddedSmsBackend
from pmip.registry.models import TitleRecord, Unit
from tests import factories
from tests.factories import mainland_id

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
MOBILE = "+8613912340001"
ZHANG_ID = mainland_id(1)  # 张三 holds 莲花山庄 1栋101 (tests.factories.small_city)
AGREED = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(name="clean_stand_ins", autouse=True)
def clean_stand_ins_fixture(settings, tmp_path):
    """Every test: empty cache (rate limits), empty SMS stand-in, its own stand-in directory, embedded backends."""
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    settings.PMIP_STANDIN_DIR = tmp_path / "standins"
    settings.PMIP_FACEID_BACKEND = "embedded"
    settings.PMIP_WECHAT_OAUTH_BACKEND = "embedded"
    settings.PMIP_TITLE_REGISTRY_BACKEND = "embedded"
    EmbeddedSmsBackend.sent.clear()
    with override_settings(TASKS=DUMMY_TASKS):
        yield
    EmbeddedSmsBackend.sent.clear()


@pytest.fixture(name="owner")
def owner_fixture(db):
    user = factories.account("owner_a")
    user.display_name = ""
    user.wechat_openid = "o-owner-a"
    user.save()
    return user


@pytest.fixture(name="other_owner")
def other_owner_fixture(db):
    user = factories.account("owner_b")
    user.display_name = ""
    user.wechat_openid = "o-owner-b"
    user.save()
    return user


def sms_code(mobile: str = MOBILE, purpose: str = SmsPurpose.BINDING) -> str:
    """Send a code through the real otp service and read it from the SMS stand-in."""
    otp.send_code(mobile=mobile, purpose=purpose, ip="198.51.100.1")
    return EmbeddedSmsBackend.last_to(mobile).params["code"]


def last_code(mobile: str = MOBILE) -> str:
    return EmbeddedSmsBackend.last_to(mobile).params["code"]


def start(
    actor, *, name: str = "张三", id_type: str = "mainland", number: str = ZHANG_ID, mobile: str = MOBILE
):
    """Step 1 with a real SMS code."""
    return binding.start_binding(
        actor=actor,
        agreement_accepted_at=AGREED,
        holder_name=name,
        id_type=id_type,
        id_number=number,
        mobile=mobile,
        sms_code=sms_code(mobile),
    )


def face_token(session_url: str) -> str:
    return parse_qs(urlsplit(session_url).query)["token"][0]


def play_face(session_url: str, outcome: str) -> str:
    """Play the embedded face page: choose an outcome; returns the URL the browser is sent back to."""
    return embedded_faceid.finish(face_token(session_url), outcome)


def through_face(actor, state: str, outcome: str = "pass") -> str:
    """Start face verification, play the page, complete it; returns the new state (raises for non-passes)."""
    state, session = binding.start_face(
        actor=actor, state=state, face_consent=True, redirect_url="https://pmip.test/me/binding/face/return/"
    )
    play_face(session.url, outcome)
    return binding.complete_face(actor=actor, state=state)


class FixedRegistry:
    """A title registry answering fixed hits (to reach units the registry does not have)."""

    def __init__(self, hits):
        self.hits = hits

    def lookup(self, name, id_type, id_number):
        return list(self.hits)


def dump_database(connection) -> str:
    """Every row of every table as text (raw SQL, no ORM)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def legacy_binding(city, owner) -> OwnerIdentity:
    """An owner bound before face verification existed (mainland ID, 未认证): 张三 on 莲花山庄 1栋101."""
    identity = OwnerIdentity(
        account=owner,
        holder_name="张三",
        mobile=MOBILE,
        agreement_accepted_at=clock.now(),
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    identity.set_id_number("mainland", ZHANG_ID)
    identity.save()
    unit = Unit.objects.get(project=city.projects["lianhua"], building__number="1", number="101")
    HouseBinding.objects.create(
        account=owner,
        unit=unit,
        project=unit.project,
        title_record=TitleRecord.objects.get(unit=unit),
        bound_at=clock.now(),
    )
    return identity
