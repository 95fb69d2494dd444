from django.apps import AppConfig


class DelegationConfig(AppConfig):
    name = "pmip.delegation"
    label = "delegation"
    verbose_name = "委托管理"
