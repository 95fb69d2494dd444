from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pmip.core"
    label = "core"
    verbose_name = "核心"
