import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if os.environ.get("PMIP_ENVIRONMENT") == "production":
    # Refuse to serve with a failing system check: embedded stand-ins (pmip.E001), no shared cache (pmip.E010).
    from django.core.management import call_command

    call_command("check", tags=["security"])
