from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "pmip.registry"
    label = "registry"
