"""The one clock. Tests freeze time with `frozen(...)`; code never calls datetime.now() directly."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
_frozen: list[dt.datetime] = []


def now() -> dt.datetime:
    """Aware UTC-based now (or the frozen instant)."""
    if _frozen:
        return _frozen[-1]
    return timezone.now()


def today() -> dt.date:
    """Today's date in Shanghai."""
    return now().astimezone(SHANGHAI).date()


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[FrozenClock]:
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    clock = FrozenClock(at)
    _frozen.append(at)
    try:
        yield clock
    finally:
        _frozen.pop()
        clock.active = False


class FrozenClock:
    def __init__(self, at: dt.datetime):
        self.active = True

    def advance(self, **delta) -> dt.datetime:
        _frozen[-1] = _frozen[-1] + dt.timedelta(**delta)
        return _frozen[-1]
