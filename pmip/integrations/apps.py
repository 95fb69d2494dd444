from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "pmip.integrations"
    label = "integrations"
