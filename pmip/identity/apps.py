from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "pmip.identity"
    label = "identity"
