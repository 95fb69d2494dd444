"""`python manage.py reconcile_funds [--project CODE ...]`: recount maintained balances from the ledger entries.

Prints every mismatch and exits with status 1 when there is any (an audit entry funds.reconcile.mismatch is
written too); prints 对账一致 otherwise. Never changes balances.
"""

from django.core.management.base import BaseCommand, CommandError

from pmip.funds.reconcile import reconcile
from pmip.registry.models import Project


class Command(BaseCommand):
    help = "维修资金对账：按记账流水重算分户、楼栋、小区余额并报告差异（不修改数据）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--project", action="append", default=[], help="物业项目编号（可多次指定；默认全部）"
        )

    def handle(self, *args, project: list[str], **options):
        ids = None
        if project:
            found = dict(Project.objects.filter(code__in=project).values_list("code", "id"))
            missing = [c for c in project if c not in found]
            if missing:
                raise CommandError(f"找不到物业项目：{'、'.join(missing)}。")
            ids = list(found.values())
        mismatches = reconcile(project_ids=ids)
        if mismatches:
            for m in mismatches:
                self.stderr.write(str(m))
            raise CommandError(f"对账发现{len(mismatches)}处差异。")
        self.stdout.write("对账一致。")
