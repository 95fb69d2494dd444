"""`manage.py demo_tendering [--if-empty]`: the demo's 招标投标, 小区气象公告栏, 互动交流 / 政民互动 data and the
meetings' reminders (pmip.tendering.demo; `demo_city` runs the same). Each part is loaded once: `--if-empty` is kept
for `make run` and changes nothing (the parts skip themselves when their data is there)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from pmip.tendering.demo import seed_demo_owner_services


class Command(BaseCommand):
    help = "Load the demo tenders, enquiries and meeting reminders and refresh the demo weather."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="load only what is not there yet (default)"
        )

    def handle(self, *args, if_empty: bool, **options):
        seed_demo_owner_services(stdout=self.stdout)
