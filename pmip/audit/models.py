"""Append-only, hash-chained audit log (审计日志): who did what to which object, when, in which request.

Entries are written by services in the same transaction as the change they record. There is no update or delete
path: the model refuses both, the admin is read-only, and the database refuses them too (triggers on SQLite and
PostgreSQL; on PostgreSQL also a statement trigger refusing TRUNCATE by anyone but the table owner).
Every entry carries `seq` (its place in the one chain), `prev_hash` (the previous entry's hash) and `entry_hash`
(SHA-256 over the canonical encoding of the entry, `pmip.audit.chain`), given by the sealer seconds after the commit
(until then seq is NULL), so a rewrite by someone who can get around the triggers breaks the chain; `manage.py verify_audit` finds the first broken link and the nightly head hashes
(`AuditHeadPublication`) show a rewrite of the whole tail. Kept at least 6 months (Cybersecurity Law Art. 21);
in practice kept for good.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pmip.core.errors import AppendOnlyError


class AuditEntry(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(
        max_length=200, blank=True, help_text="who, as shown; e.g. 'by delegate X for owner Y'"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(
        max_length=80, db_index=True, help_text="namespaced code, e.g. registry.project.updated"
    )
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    seq = models.BigIntegerField(null=True, blank=True, unique=True, help_text="place in the hash chain")
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # the sealer's queue: only the few entries not chained yet are in it (pmip.audit.chain.seal)
            models.Index(fields=["id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)),
        ]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditHead(models.Model):
    """The head of the chain: the last sealed entry's seq and hash. Locked (FOR UPDATE) while a batch is sealed."""

    stream = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"{self.stream} #{self.seq} {self.hash[:16]}"


class AuditHeadPublication(models.Model):
    """The head hash published each night (after verification): a later rewrite of the log no longer matches."""

    day = models.DateField(unique=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    verified_at = models.DateTimeField()
    chain_ok = models.BooleanField(default=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = verbose_name_plural = "审计链每日公布"

    def __str__(self) -> str:
        return f"{self.day} #{self.seq} {self.hash[:16]}"
