from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "pmip.funds"
    label = "funds"
    verbose_name = "维修资金与共有资金"
