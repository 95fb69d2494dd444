"""`python manage.py import_fund_entries FILE.xlsx|FILE.csv [--actor USERNAME]`: import maintenance-fund entries
from the fund centre's file, all or nothing (format: docs/fund-import-format.md).

Every error is printed with its row number and nothing is imported when any row fails (exit status 1).
Re-importing the same file changes nothing (entries are keyed by 业务流水号).
"""

from pmip.core.management.import_command import ImportFileCommand
from pmip.funds.importing import import_fund_entries


class Command(ImportFileCommand):
    help = "从资金中心导出的 .xlsx 或 .csv 文件导入维修资金记账明细（全部校验通过才导入，可重复导入）。"
    format_doc = "docs/fund-import-format.md"
    actor_help = "以该后台账号的身份导入（按其记账权限校验）；不填则以系统身份导入"

    def import_rows(self, *, actor, rows, source):
        return import_fund_entries(actor=actor, rows=rows, source=source)
