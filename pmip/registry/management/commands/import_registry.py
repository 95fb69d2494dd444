"""`python manage.py import_registry FILE.xlsx|FILE.csv [--actor USERNAME]`: import the registry, all or nothing.

The format is in docs/import-format.md. Every error is printed with its row number and nothing is imported when any
row fails (exit status 1). Re-importing the same file changes nothing.
"""

from pmip.core.management.import_command import ImportFileCommand
from pmip.registry.importing import import_registry_rows


class Command(ImportFileCommand):
    help = "从 .xlsx 或 .csv 文件导入物业项目、楼栋、房屋和产权登记（全部校验通过才导入，可重复导入）。"
    format_doc = "docs/import-format.md"
    actor_help = "以该后台账号的身份导入（按其可编辑范围校验权限）；不填则以系统身份导入"

    def import_rows(self, *, actor, rows, source):
        return import_registry_rows(actor=actor, rows=rows, source=source)
