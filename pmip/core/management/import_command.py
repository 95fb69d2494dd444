"""The one shape of an import command: `manage.py <command> FILE.xlsx|FILE.csv [--actor USERNAME]`, all or nothing.

Every error is printed with its row number and nothing is imported when any row fails (exit status 1). A subclass
names its format document and the import function; reading the file (`pmip.core.tables.read_table`, bounded) and
reporting are the same for every import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pmip.core.errors import DomainError
from pmip.core.tables import ImportRejected, SourceRow, read_table


class ImportFileCommand(BaseCommand):
    format_doc = ""  # e.g. "docs/import-format.md"
    actor_help = ""  # what importing as a back-office account checks

    def import_rows(self, *, actor: Any, rows: list[SourceRow], source: str) -> Any:
        """Import the rows all or nothing; returns a result with `summary_lines()`."""
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help=f"导入文件（.xlsx 或 .csv，格式见 {self.format_doc}）")
        parser.add_argument("--actor", default="", help=self.actor_help)

    def handle(self, *args, file: str, actor: str, **options):
        account = None
        if actor:
            account = get_user_model().objects.filter(username=actor).first()
            if account is None:
                raise CommandError(f"找不到账号“{actor}”。")
        path = Path(file)
        try:
            result = self.import_rows(actor=account, rows=read_table(path), source=path.name)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write("\n".join(result.summary_lines()))
