"""Printed by `make run` before the server starts: where to go and whom to log in as."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the URLs of the owner pages, back office, API docs and the demo log-ins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host: str, port: str, **options):
        base = f"http://{host}:{port}"
        db = settings.DATABASES["default"]
        lines = [
            "",
            "PMIP 物业管理信息平台 is starting.",
            f"  业主端 (owner pages, open at phone width): {base}/",
            f"  管理后台 (back office):                    {base}/office/",
            f"  API docs (OpenAPI):                        {base}/api/v1/docs",
            f"  平台运维 (Django admin, operators):        {base}/ops/",
            f"  database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}",
            f"  SMS codes (embedded stand-in) are written to {settings.PMIP_SMS_OUTBOX_FILE}",
        ]
        from pmip.integrations import standins

        if standins.active():
            lines.append(f"  模拟收件箱 (stand-in inbox: SMS codes, WeChat messages): {base}/dev/inbox/")
        try:
            from pmip.demo.logins import demo_logins
        except ImportError:
            demo_logins = None
        if demo_logins is not None:
            lines.append("")
            lines.extend(demo_logins())
        self.stdout.write("\n".join(lines) + "\n")
