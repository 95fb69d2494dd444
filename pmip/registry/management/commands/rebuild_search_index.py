"""`python manage.py rebuild_search_index`: rebuild the project search's n-gram index from the project table."""

from django.core.management.base import BaseCommand

from pmip.registry.search_index import rebuild_search_index


class Command(BaseCommand):
    help = "重建物业项目检索索引（名称、地址的单字与双字索引）。"

    def handle(self, *args, **options):
        rows = rebuild_search_index()
        self.stdout.write(f"项目检索索引已重建：{rows:,} 条。")
