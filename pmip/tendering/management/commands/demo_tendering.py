"""`manage.py demo_tendering [--if-empty]`: the demo's 招标投标 and 小区气象公告栏 data.

A tender for the first demo project (莲花山庄), recorded through the real services by the demo subdistrict account
(stages and publicity notices up to 评标结果公示, dated backwards from today by the working-day calendar, three
bidders), and one weather refresh through the configured provider (the embedded stand-in shows a forecast and one
暴雨橙色预警 for 福田区)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from pmip.core import clock, workdays
from pmip.identity.models import Account
from pmip.registry.models import Project, PropertyCompany
from pmip.tendering import services
from pmip.tendering.choices import Step
from pmip.tendering.models import Tender
from pmip.weather.services import refresh_all


class Command(BaseCommand):
    help = "Load the demo tender and refresh the demo weather."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a tender exists")

    def handle(self, *args, if_empty: bool, **options):
        self.stdout.write(f"weather: {refresh_all()}")
        if if_empty and Tender.objects.exists():
            self.stdout.write("tendering: already loaded")
            return
        actor = Account.objects.filter(username="demo_subdistrict").first()
        project = Project.objects.filter(subdistrict__name="莲花街道").order_by("code").first()
        companies = list(PropertyCompany.objects.order_by("pk")[:3])
        if actor is None or project is None or len(companies) < 3:
            self.stdout.write("tendering: no demo city (run demo_city first)")
            return
        tender = services.create_tender(
            actor=actor,
            project_id=project.pk,
            title=f"{project.name}物业服务招标（演示）",
            tenderer_kind="developer",
            method="public",
            agent="深圳市演示招标代理有限公司",
        )
        for company in companies:
            services.add_bidder(actor=actor, tender_id=tender.pk, credit_code=company.credit_code)
        day = workdays.next_working_day(clock.today() - dt.timedelta(days=40))
        plan = [
            (Step.TENDER, 0),
            (Step.ANNOUNCEMENT, 0),
            (Step.OPENING, None),
            (Step.OPENING_RESULT, 0),
            (Step.QUALIFIED, 0),
            (Step.EVALUATION, None),
            (Step.EVALUATION_RESULT, 1),
        ]
        previous = None
        for step, gap in plan:
            if gap is None:  # a stage after a notice: the first working day after its period
                day = workdays.next_working_day(previous.period_ends + dt.timedelta(days=1))
            else:
                day = workdays.add_working_days(day, gap) if gap else day
            if day > clock.today():
                break
            previous = services.record_step(actor=actor, tender_id=tender.pk, step=step, date=day)
        self.stdout.write(f"tendering: {tender.title}, {tender.steps.count()} steps")
