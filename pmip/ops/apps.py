from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "pmip.ops"
    label = "ops"
    verbose_name = "运维"
