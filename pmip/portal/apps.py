from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "pmip.portal"
    label = "portal"
