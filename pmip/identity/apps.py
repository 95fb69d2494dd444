from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class IdentityConfig(AppConfig):
    name = "pmip.identity"
    label = "identity"
    default = True

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from pmip.identity.middleware import stamp_session_start

        user_logged_in.connect(stamp_session_start, dispatch_uid="pmip.identity.stamp_session_start")


class OpsAdminConfig(admin_apps.AdminConfig):
    """Django admin served at /ops/ by `pmip.identity.adminsite.OpsAdminSite` (the one staff log-in policy)."""

    default = False
    default_site = "pmip.identity.adminsite.OpsAdminSite"
