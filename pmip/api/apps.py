from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "pmip.api"
    label = "api"
