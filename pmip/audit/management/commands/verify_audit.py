"""`manage.py verify_audit`: walk the audit hash chain; name the first broken link (exit status 1), or print the
head. Entries the sealer has left unchained for too long fail it too (PMIP_AUDIT_SEAL_ALARM_SECONDS). `--publish`
also publishes today's head hash (what the nightly task does)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmip.audit import chain
from pmip.audit.publication import head_still_matches, published_heads, verify_and_publish


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and the published daily heads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--publish", action="store_true", help="publish today's head hash after verifying"
        )

    def handle(self, *args, publish: bool, **options) -> None:
        result = chain.verify()
        if not result.ok and result.broken_seq is None and result.broken_id is None:
            raise CommandError(f"audit log: {result.reason}; the chain up to seq {result.head_seq} is intact")
        if not result.ok:
            raise CommandError(
                f"audit chain broken at seq {result.broken_seq} (entry id {result.broken_id}): {result.reason}; "
                f"{result.checked} entries before it are intact (last good seq {result.head_seq})"
            )
        for publication in published_heads():
            if publication.chain_ok and not head_still_matches(publication):
                raise CommandError(
                    f"published head of {publication.day} (seq {publication.seq}, {publication.hash}) "
                    "no longer matches the log: it was rewritten after publication"
                )
        self.stdout.write(
            f"audit chain OK: {result.checked} entries, head seq {result.head_seq} {result.head_hash}"
            + (f"; {result.unsealed} newer entries wait for the sealer" if result.unsealed else "")
        )
        if publish:
            publication = verify_and_publish()
            if publication is not None:
                self.stdout.write(f"published {publication.day}: seq {publication.seq} {publication.hash}")
