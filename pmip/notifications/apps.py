from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pmip.notifications"
    label = "notifications"
