"""Seal offline-verification evidence files at rest (docs/security.md, "Offline-verification evidence").

    manage.py seal_offline_evidence            # seal files still in clear, re-seal files under older keys
    manage.py seal_offline_evidence --dry-run  # only count

Run once after upgrading to a release that seals evidence (files written before are refused until sealed), and
after putting a new key first in PMIP_FIELD_KEY (then the old key can leave the ring once this reports 0 files
under it). Idempotent; exits 1 when a file could not be read or did not match its SHA-256.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pmip.identity.offline import seal_stored_evidence


class Command(BaseCommand):
    help = "Seal offline-verification evidence files still in clear and re-seal those under older keys."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        result = seal_stored_evidence(dry_run=dry_run)
        verb = "would seal" if dry_run else "sealed"
        self.stdout.write(
            f"{verb} {result.sealed} plaintext file(s), {result.resealed} re-sealed under the active key, "
            f"{result.unchanged} already sealed under it"
        )
        for line in result.failed:
            self.stderr.write(f"failed: evidence {line}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} file(s) could not be sealed")
