"""Tamper-evident audit log: registry, hash chain, verify_audit, nightly head publication, append-only triggers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from pmip.audit import actions, chain, tasks, triggers
from pmip.audit.models import AuditEntry, AuditHeadPublication
from pmip.audit.publication import verify_and_publish
from pmip.audit.services import record
from pmip.core import clock

ROOT = Path(__file__).resolve().parents[2]


def _write(n: int, action: str = "registry.project.updated") -> list[AuditEntry]:
    """`n` entries, each in its own transaction, then sealed (as the periodic sealer would); returned as stored."""
    ids = []
    for i in range(n):
        with transaction.atomic():
            ids.append(record(actor=None, action=action, data={"i": i, "text": "中文", "amount": "1.50"}).pk)
    chain.seal()
    return list(AuditEntry.objects.filter(pk__in=ids).order_by("seq"))


def _raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_record_refuses_an_unregistered_code(db):
    with pytest.raises(actions.UnknownAuditAction), transaction.atomic():
        record(actor=None, action="registry.project.renamed_by_typo")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        record(actor=None, action="registry.project.updated")
    assert not AuditEntry.objects.exists()
    with transaction.atomic():
        record(actor=None, action="registry.project.updated")
    assert chain.verify().ok


def test_register_is_one_call_per_code_and_refuses_conflicts():
    code = actions.register("testdomain.thing.done", "完成某事")
    assert actions.label(code) == "完成某事"
    actions.register("testdomain.thing.done", "完成某事")  # idempotent
    with pytest.raises(ValueError):
        actions.register("testdomain.thing.done", "另一个标签")
    with pytest.raises(ValueError):
        actions.register("Bad Code", "标签")


def test_every_action_written_in_the_code_is_registered():
    """A code written by record()/record_as_delegate() anywhere in pmip/ must be registered with a label."""
    code = re.compile(r'"([a-z_]+(?:\.[a-z_]+){2,3})"')
    found = set()
    for path in (ROOT / "pmip").rglob("*.py"):
        if path.name == "audit_actions.py" or "migrations" in path.parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if "action=" in line or "action =" in line:
                found |= set(code.findall(line))
    found |= {"delegation.granted", "delegation.revoked", "delegation.delegate_verified"}
    found |= {"identity.house_submission.resolved", "identity.house_submission.rejected"}
    found |= {"funds.refund.posted", "funds.transfer.posted"}
    missing = sorted(code for code in found if not actions.is_registered(code))
    assert missing == []


def test_entries_form_one_chain_and_verify(db):
    entries = _write(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == ""
    assert all(b.prev_hash == a.entry_hash for a, b in zip(entries, entries[1:], strict=False))
    result = chain.verify()
    assert result.ok and result.checked == 5 and result.head_hash == entries[-1].entry_hash
    # the hash is over what the database gives back
    for stored in AuditEntry.objects.all():
        assert chain.entry_hash(stored) == stored.entry_hash


def test_sqlite_or_postgres_refuses_update_and_delete(db):
    entry = _write(1)[0]
    for sql in (
        "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            _raw(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "registry.project.updated"


def test_verify_audit_names_the_first_broken_link(db):
    entries = _write(6)
    triggers.uninstall(connection)  # someone who got around the triggers
    _raw("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"i": 99}', entries[3].pk])
    _raw("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"i": 98}', entries[4].pk])
    triggers.install(connection)
    result = chain.verify()
    assert not result.ok and result.broken_seq == 4 and result.broken_id == entries[3].pk
    assert result.checked == 3
    with pytest.raises(CommandError, match=rf"broken at seq 4 \(entry id {entries[3].pk}\)"):
        call_command("verify_audit")


def test_a_deleted_entry_breaks_the_chain(db):
    entries = _write(4)
    triggers.uninstall(connection)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    triggers.install(connection)
    result = chain.verify()
    assert not result.ok and result.broken_seq == 3 and "缺少第2条" in result.reason


def test_nightly_publication_and_a_later_consistent_rewrite_shows(db, client, capsys):
    entries = _write(3)
    publication = verify_and_publish()
    assert publication is not None and publication.chain_ok
    assert (publication.seq, publication.hash) == (3, entries[-1].entry_hash)
    assert verify_and_publish() is None  # once per day
    assert AuditEntry.objects.filter(action="audit.chain.verified").count() == 1

    page = client.get("/audit/chain/")
    assert page.status_code == 200 and publication.hash in page.content.decode()
    data = client.get("/audit/chain.json").json()
    assert data["heads"][0] == {
        "day": publication.day.isoformat(),
        "seq": 3,
        "hash": publication.hash,
        "chain_ok": True,
    }
    call_command("verify_audit")
    assert "audit chain OK" in capsys.readouterr().out

    # Rewrite entry 2 and re-hash everything after it: the chain alone verifies again...
    triggers.uninstall(connection)
    _raw("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"i": 42}', entries[1].pk])
    prev = entries[0].entry_hash
    for entry in AuditEntry.objects.filter(seq__gte=2).order_by("seq"):
        entry.prev_hash = prev
        entry.entry_hash = chain.entry_hash(entry)
        _raw(
            "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s WHERE id = %s",
            [entry.prev_hash, entry.entry_hash, entry.pk],
        )
        prev = entry.entry_hash
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    _raw("UPDATE audit_audithead SET seq = %s, hash = %s", [last.seq, last.entry_hash])
    triggers.install(connection)
    assert chain.verify().ok
    # ...but the published head no longer matches.
    with pytest.raises(CommandError, match="no longer matches"):
        call_command("verify_audit")


def test_publications_are_append_only(db):
    _write(1)
    publication = verify_and_publish()
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE audit_auditheadpublication SET hash = 'x' WHERE id = %s", [publication.pk])
    assert AuditHeadPublication.objects.get().hash == publication.hash


def test_the_nightly_task_and_the_sealer_are_scheduled(settings):
    tasks = dict(settings.PMIP_PERIODIC_TASKS)
    assert tasks["pmip.audit.tasks.verify_audit_chain"] == 24 * 3600
    assert tasks["pmip.audit.tasks.seal_audit_chain"] <= 60


def test_an_entry_is_written_unsealed_and_the_sealer_chains_it_once_in_id_order(db):
    with transaction.atomic():
        first = record(actor=None, action="registry.project.updated", data={"n": 1})
        second = record(actor=None, action="registry.project.updated", data={"n": 2})
    with transaction.atomic():
        third = record(actor=None, action="registry.project.updated", data={"n": 3})
    stored = AuditEntry.objects.get(pk=first.pk)
    assert (stored.seq, stored.prev_hash, stored.entry_hash) == (None, "", "")
    assert chain.verify().ok and chain.verify().unsealed == 3  # waiting a few seconds is normal
    assert chain.seal() == 3
    assert chain.seal() == 0  # nothing is sealed twice
    sealed = {e.pk: e for e in AuditEntry.objects.all()}
    assert [sealed[e.pk].seq for e in (first, second, third)] == [1, 2, 3]
    assert sealed[second.pk].prev_hash == sealed[first.pk].entry_hash
    result = chain.verify()
    assert result.ok and result.checked == 3 and result.unsealed == 0
    assert result.head_hash == sealed[third.pk].entry_hash


def test_a_rolled_back_entry_is_never_chained(db):
    with pytest.raises(RuntimeError, match="change failed"), transaction.atomic():
        record(actor=None, action="registry.project.updated")
        raise RuntimeError("change failed")  # the service's change fails after its audit entry was written
    assert chain.seal() == 0 and not AuditEntry.objects.exists()


def test_seal_works_in_batches_and_keeps_one_chain(db):
    for i in range(7):
        with transaction.atomic():
            record(actor=None, action="registry.project.updated", data={"i": i})
    assert chain.seal(batch=3) == 7
    assert list(AuditEntry.objects.order_by("id").values_list("seq", flat=True)) == list(range(1, 8))
    assert chain.verify().ok


def test_the_database_lets_only_the_seal_of_an_unsealed_entry_through(db):
    with transaction.atomic():
        entry = record(actor=None, action="registry.project.updated", data={"x": 1})
    # a "seal" that also changes what the entry says is refused
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw(
            "UPDATE audit_auditentry SET seq = 1, prev_hash = '', entry_hash = 'h', action = 'x' WHERE id = %s",
            [entry.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"x": 2}', entry.pk])
    chain.seal()
    sealed = AuditEntry.objects.get(pk=entry.pk)
    assert sealed.seq == 1 and sealed.data == {"x": 1}
    # a sealed entry cannot be sealed again (moved in the chain or given another hash)
    for sql in (
        "UPDATE audit_auditentry SET seq = 5 WHERE id = %s",
        "UPDATE audit_auditentry SET entry_hash = 'forged' WHERE id = %s",
        "UPDATE audit_auditentry SET seq = NULL WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            _raw(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).entry_hash == sealed.entry_hash


def test_entries_left_unsealed_too_long_fail_the_check_until_sealed(db, settings, capsys):
    settings.PMIP_AUDIT_SEAL_ALARM_SECONDS = 600
    with clock.frozen(clock.now() - dt.timedelta(minutes=11)), transaction.atomic():
        record(actor=None, action="registry.project.updated")
    result = chain.verify()
    assert not result.ok and result.unsealed == 1 and "超过10分钟未入链" in result.reason
    with pytest.raises(CommandError, match="未入链"):
        call_command("verify_audit")
    assert tasks.seal_audit_chain.call() == "sealed 1"
    assert chain.verify().ok
    call_command("verify_audit")
    assert "audit chain OK: 1 entries" in capsys.readouterr().out


def test_an_entry_built_without_insert_is_checked_and_left_to_the_caller(db):
    with transaction.atomic():
        entry = record(actor=None, action="registry.project.updated", data={"n": 1}, insert=False)
        assert entry.pk is None and entry.seq is None and entry.data == {"n": 1}
        assert not AuditEntry.objects.exists()  # the caller writes it (the ballot cast: in its own statement)
        with pytest.raises(actions.UnknownAuditAction):
            record(actor=None, action="registry.project.renamed_by_typo", insert=False)
