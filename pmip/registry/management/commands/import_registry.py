"""`python manage.py import_registry FILE.xlsx|FILE.csv [--actor USERNAME]`: import the registry, all or nothing.

The format is in docs/import-format.md. Every error is printed with its row number and nothing is imported when any
row fails (exit status 1). Re-importing the same file changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pmip.core.errors import DomainError
from pmip.identity.models import Account
from pmip.registry.importing import ImportRejected, import_registry_rows, read_table


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 文件导入物业项目、楼栋、房屋和产权登记（全部校验通过才导入，可重复导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="导入文件（.xlsx 或 .csv，格式见 docs/import-format.md）")
        parser.add_argument(
            "--actor",
            default="",
            help="以该后台账号的身份导入（按其可编辑范围校验权限）；不填则以系统身份导入",
        )

    def handle(self, *args, file: str, actor: str, **options):
        account = None
        if actor:
            account = Account.objects.filter(username=actor).first()
            if account is None:
                raise CommandError(f"找不到账号“{actor}”。")
        path = Path(file)
        try:
            rows = read_table(path)
            result = import_registry_rows(actor=account, rows=rows, source=path.name)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write("\n".join(result.summary_lines()))
