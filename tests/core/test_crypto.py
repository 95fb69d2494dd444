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


# --- sealed files (offline-verification evidence) ----------------------------------------------------------------

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + "陈大文".encode()


def test_a_sealed_file_holds_no_plaintext_and_opens_to_the_same_bytes():
    ring = KeyRing(OLD)
    blob = ring.seal_file(PHOTO, identity="offline/2026/03/a.jpg")
    assert blob.startswith(crypto.FILE_MAGIC + bytes([5]) + b"k2025")
    assert PHOTO not in blob and PHOTO[:64] not in blob and "陈大文".encode() not in blob
    assert ring.open_file(blob, identity="offline/2026/03/a.jpg") == PHOTO
    assert ring.seal_file(PHOTO, identity="x") != ring.seal_file(
        PHOTO, identity="x"
    )  # a fresh nonce each time


def test_a_sealed_file_refuses_another_name_a_changed_byte_a_wrong_key_and_plaintext():
    ring = KeyRing(OLD)
    blob = ring.seal_file(PHOTO, identity="offline/a.jpg")
    with pytest.raises(crypto.SealedFileError, match="another name"):
        ring.open_file(blob, identity="offline/b.jpg")
    for i in (len(crypto.FILE_MAGIC) + 2, len(blob) // 2, len(blob) - 1):
        tampered = bytearray(blob)
        tampered[i] ^= 1
        with pytest.raises(crypto.SealedFileError):
            ring.open_file(bytes(tampered), identity="offline/a.jpg")
    with pytest.raises(crypto.SealedFileError, match="truncated"):
        ring.open_file(blob[: len(crypto.FILE_MAGIC) + 6 + 20], identity="offline/a.jpg")
    with pytest.raises(crypto.SealedFileError, match="unknown key id 'k2025'"):
        KeyRing(NEW).open_file(blob, identity="offline/a.jpg")
    wrong_key_same_kid = "k2025:" + base64.b64encode(bytes(range(1, 33))).decode()
    with pytest.raises(crypto.SealedFileError, match="cannot decrypt"):
        KeyRing(wrong_key_same_kid).open_file(blob, identity="offline/a.jpg")
    with pytest.raises(crypto.SealedFileError, match="not sealed"):
        ring.open_file(PHOTO, identity="offline/a.jpg")


def test_sealed_files_follow_the_rotation_of_the_field_key_ring():
    old_blob = KeyRing(OLD).seal_file(PHOTO, identity="n")
    rotated = KeyRing(f"{NEW},{OLD}")
    assert rotated.open_file(old_blob, identity="n") == PHOTO
    new_blob = rotated.seal_file(PHOTO, identity="n")
    assert rotated.sealed_key_id(new_blob) == "k2026"
    assert rotated.sealed_key_id(old_blob) == "k2025"


def test_the_file_key_is_not_the_field_key():
    """A file sealed under a kid cannot be opened as a field token of the same kid, nor the other way round."""
    ring = KeyRing(OLD)
    raw = bytes(range(32))
    assert ring._file_key("k2025") != raw
