"""Field encryption (AES-256-GCM with key ids), key rotation and the blind index (domain-rules §5)."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from pmip.core import crypto
from pmip.core.crypto import KeyRing

OLD = "k2025:" + base64.b64encode(bytes(range(32))).decode()
NEW = "k2026:" + base64.b64encode(bytes(range(100, 132))).decode()
NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def _no_index_key_from_env(monkeypatch):
    """These tests exercise the index key derived from the ring; an operator's PMIP_INDEX_KEY must not mask that."""
    monkeypatch.delenv("PMIP_INDEX_KEY", raising=False)


def test_round_trip():
    ring = KeyRing(OLD)
    token = ring.encrypt(NUMBER, context="id:mainland")
    assert token.startswith("k2025$")
    assert NUMBER not in token
    assert ring.decrypt(token, context="id:mainland") == NUMBER


def test_round_trip_of_non_ascii_text():
    ring = KeyRing(OLD)
    assert ring.decrypt(ring.encrypt("欧阳娜娜，深圳市福田区")) == "欧阳娜娜，深圳市福田区"


def test_each_encryption_uses_a_fresh_nonce():
    ring = KeyRing(OLD)
    assert ring.encrypt(NUMBER) != ring.encrypt(NUMBER)


def test_key_rotation_old_tokens_still_decrypt_and_new_ones_use_the_new_key():
    old_ring = KeyRing(OLD)
    old_token = old_ring.encrypt(NUMBER, context="id:mainland")
    rotated = KeyRing(f"{NEW},{OLD}")
    assert rotated.decrypt(old_token, context="id:mainland") == NUMBER
    new_token = rotated.encrypt(NUMBER, context="id:mainland")
    assert new_token.startswith("k2026$")
    assert rotated.decrypt(new_token, context="id:mainland") == NUMBER
    with pytest.raises(ValueError, match="unknown key id 'k2026'"):
        old_ring.decrypt(new_token, context="id:mainland")


def test_blind_index_is_stable_across_rotation():
    before = KeyRing(OLD).blind_index(NUMBER, purpose="id:mainland")
    after = KeyRing(f"{NEW},{OLD}").blind_index(NUMBER, purpose="id:mainland")
    assert before == after
    assert len(before) == 64


def test_blind_index_separates_purposes_values_and_keys():
    ring = KeyRing(OLD)
    base = ring.blind_index(NUMBER, purpose="id:mainland")
    assert ring.blind_index(NUMBER, purpose="id:passport") != base
    assert ring.blind_index("11010519491231003X", purpose="id:mainland") != base
    assert KeyRing(NEW).blind_index(NUMBER, purpose="id:mainland") != base


def test_explicit_index_key_survives_dropping_every_old_key():
    before = KeyRing(OLD, index_key="stable-index-secret").blind_index(NUMBER, purpose="id:mainland")
    after = KeyRing(NEW, index_key="stable-index-secret").blind_index(NUMBER, purpose="id:mainland")
    assert before == after
    assert KeyRing(OLD).blind_index(NUMBER, purpose="id:mainland") != before


def _flip(token: str, position: int) -> str:
    kid, _, b64 = token.partition("$")
    blob = bytearray(base64.b64decode(b64))
    blob[position] ^= 0x01
    return f"{kid}${base64.b64encode(bytes(blob)).decode()}"


@pytest.mark.parametrize("position", [0, 11, 12, 20, -1])  # nonce, ciphertext, tag
def test_tampered_token_fails(position):
    ring = KeyRing(OLD)
    token = ring.encrypt(NUMBER, context="id:mainland")
    with pytest.raises(ValueError, match="cannot decrypt"):
        ring.decrypt(_flip(token, position), context="id:mainland")


def test_wrong_context_fails():
    ring = KeyRing(OLD)
    token = ring.encrypt(NUMBER, context="id:mainland")
    with pytest.raises(ValueError, match="cannot decrypt"):
        ring.decrypt(token, context="id:passport")


@pytest.mark.parametrize("bad", ["k2025$", "k2025$AAAA", "k2025$not base64!", "k2025"])
def test_malformed_tokens_fail(bad):
    with pytest.raises(ValueError):
        KeyRing(OLD).decrypt(bad)


def test_token_under_a_swapped_key_id_fails():
    ring = KeyRing(f"{NEW},{OLD}")
    token = ring.encrypt(NUMBER)
    forged = "k2025$" + token.partition("$")[2]
    with pytest.raises(ValueError, match="cannot decrypt"):
        ring.decrypt(forged)


@pytest.mark.parametrize(
    "spec",
    [
        "",
        " , ",
        "k1:" + base64.b64encode(b"short").decode(),
        ":" + base64.b64encode(bytes(32)).decode(),
        "k$1:" + base64.b64encode(bytes(32)).decode(),
    ],
)
def test_bad_key_specs_are_refused(spec):
    with pytest.raises(ValueError, match="PMIP_FIELD_KEY"):
        KeyRing(spec)


def test_module_functions_follow_the_configured_ring():
    with override_settings(PMIP_FIELD_KEY=OLD, PMIP_INDEX_KEY=None):
        token = crypto.encrypt(NUMBER, context="id:mainland")
        index = crypto.id_number_hash("mainland", NUMBER)
        assert index == KeyRing(OLD).blind_index(NUMBER, purpose="id:mainland")
    with override_settings(PMIP_FIELD_KEY=f"{NEW},{OLD}", PMIP_INDEX_KEY=None):
        assert crypto.decrypt(token, context="id:mainland") == NUMBER
        assert crypto.id_number_hash("mainland", NUMBER) == index
        assert crypto.encrypt(NUMBER).startswith("k2026$")
    assert crypto.id_number_hash("passport", NUMBER) != crypto.id_number_hash("mainland", NUMBER)
