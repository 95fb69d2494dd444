from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "pmip.credit"
    label = "credit"
    verbose_name = "信用信息"
