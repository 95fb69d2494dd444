from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_triggers(using: str = "default", **kwargs) -> None:
    """After migrate and after a flush (tests), the append-only triggers exist (idempotent)."""
    from django.db import connections

    from pmip.audit.triggers import install

    install(connections[using])


class AuditConfig(AppConfig):
    name = "pmip.audit"
    label = "audit"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("audit_actions")  # each app's pmip/<app>/audit_actions.py registers its codes
        post_migrate.connect(_ensure_triggers, sender=self, dispatch_uid="pmip.audit.triggers")
