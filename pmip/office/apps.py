from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "pmip.office"
    label = "office"
