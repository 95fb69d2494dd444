from __future__ import annotations

from django.tasks import task


@task
def refresh_weather() -> dict:
    """Periodic: fetch every district's forecast and warnings (pages read only what this stored)."""
    from pmip.weather.services import refresh_all

    return refresh_all()
