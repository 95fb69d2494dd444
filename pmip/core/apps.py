from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(using: str = "default", **kwargs) -> None:
    """`migrate` also creates the database cache table (limits and lockouts live there when Redis is not used)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "pmip.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from pmip.core import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="pmip.core.createcachetable")
