"""`python manage.py import_fund_entries FILE.xlsx|FILE.csv [--actor USERNAME]`: import maintenance-fund entries
from the fund centre's file, all or nothing (format: docs/fund-import-format.md).

Every error is printed with its row number and nothing is imported when any row fails (exit status 1).
Re-importing the same file changes nothing (entries are keyed by 业务流水号).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pmip.core.errors import DomainError
from pmip.funds.importing import ImportRejected, import_fund_entries, read_table
from pmip.identity.models import Account


class Command(BaseCommand):
    help = "从资金中心导出的 .xlsx 或 .csv 文件导入维修资金记账明细（全部校验通过才导入，可重复导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="导入文件（.xlsx 或 .csv，格式见 docs/fund-import-format.md）")
        parser.add_argument(
            "--actor", default="", help="以该后台账号的身份导入（按其记账权限校验）；不填则以系统身份导入"
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
            result = import_fund_entries(actor=account, rows=rows, source=path.name)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write("\n".join(result.summary_lines()))
