from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class IdentityConfig(AppConfig):
    name = "pmip.identity"
    label = "identity"
    default = True


class OpsAdminConfig(admin_apps.AdminConfig):
    """Django admin served at /ops/ by `pmip.identity.adminsite.OpsAdminSite` (the one staff log-in policy)."""

    default = False
    default_site = "pmip.identity.adminsite.OpsAdminSite"
