from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pmip.audit"
    label = "audit"
