"""`python manage.py demo_city --scale small|medium|city --seed N [--if-empty]`: load the demo city.

Refuses a database that already has projects (exit 1), or with --if-empty says so and does nothing (exit 0).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pmip.core.errors import DomainError
from pmip.demo.load import load_demo_city
from pmip.demo.logins import demo_logins, format_counts
from pmip.demo.specs import SCALES
from pmip.registry.models import Project


class Command(BaseCommand):
    help = "加载演示城市（深圳，合成数据）：同一 seed 生成相同数据。只能加载到没有物业项目的数据库。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="small",
            help="small: 7个项目约3千户；medium: 200个项目约10万户；city: 5千个项目300万户（tiny 供测试）",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有物业项目时不加载，并正常退出（make run 使用）",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument("--no-funds", action="store_true", help="不生成维修资金演示账目")
        parser.add_argument(
            "--no-decisions", action="store_true", help="不生成业主决策演示会议（公告中、投票中、已公布结果）"
        )

    def handle(
        self,
        *args,
        scale: str,
        seed: int,
        if_empty: bool,
        no_progress: bool,
        no_funds: bool,
        no_decisions: bool = False,
        **options,
    ):
        # Kept whole: the load's steps in order (refuse a filled database, city, funds, decisions, report).
        existing = Project.objects.count()
        if existing:
            if if_empty:
                self.stdout.write(f"数据库中已有{existing}个物业项目，跳过加载演示数据。")
                return
            raise CommandError(
                f"数据库中已有{existing}个物业项目，演示数据只能加载到没有物业项目的数据库。"
                "如只想在空库时加载，请加 --if-empty。"
            )
        size = SCALES[scale]
        self.stdout.write(
            f"正在加载演示城市：scale={scale}（{size.projects:,}个项目，{size.units:,}户），seed={seed} …"
        )
        progress = not no_progress and options.get("verbosity", 1) > 0
        try:
            result = load_demo_city(scale=scale, seed=seed, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(format_counts(result.counts, [f"演示城市加载完成，用时 {result.seconds} 秒："]))
        if not no_funds:
            from pmip.demo.funds import seed_demo_funds

            started = time.monotonic()
            ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
            counts = seed_demo_funds(project_ids=ids, seed=seed)
            self.stdout.write(
                format_counts(
                    counts, [f"维修资金演示账目生成完成，用时 {time.monotonic() - started:.1f} 秒："]
                )
            )
        if not no_decisions:
            from pmip.demo.decisions import seed_demo_decisions

            started = time.monotonic()
            counts = seed_demo_decisions(seed=seed)
            self.stdout.write(
                format_counts(
                    counts, [f"业主决策演示会议生成完成，用时 {time.monotonic() - started:.1f} 秒："]
                )
            )
        if not no_funds:
            from pmip.credit.demo import seed_demo_transparency

            started = time.monotonic()
            ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
            counts = seed_demo_transparency(project_ids=ids, seed=seed)
            lines = [f"业主评价与信用信息演示数据生成完成，用时 {time.monotonic() - started:.1f} 秒："]
            self.stdout.write("\n".join([*lines, *(f"  {label}：{n:,}" for label, n in counts.items())]))
        if (
            not no_decisions
        ):  # 招标投标, 气象, 咨询 and the meetings' reminders (issue 11: pmip.tendering.demo)
            from pmip.tendering.demo import seed_demo_owner_services

            seed_demo_owner_services(stdout=self.stdout)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics: plans after a bulk load must not guess
        lines = demo_logins()
        if lines:
            self.stdout.write("\n" + "\n".join(lines))
