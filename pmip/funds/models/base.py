"""What every funds model shares: the money zero, exact sums, and the append-only base (ledger entries, bank
flows): `save()` refuses an existing row, `delete()` and the queryset's `update()`/`delete()` refuse.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from pmip.core.errors import AppendOnlyError
from pmip.core.money import CENT

ZERO = Decimal("0.00")


def summed(value) -> Decimal:
    """An aggregate Sum of money (or of areas) as an exact two-place Decimal. PostgreSQL sums numerics exactly;
    SQLite sums REALs and Django does not round aggregate results there, so round half up to two places (the
    float error is many orders of magnitude below a fen)."""
    if value is None:
        return ZERO
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不能修改，更正请记一笔冲正。")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不能删除，更正请记一笔冲正。")

    def _raw_delete(self, using):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不能删除，更正请记一笔冲正。")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name}不能修改，更正请记一笔冲正。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name}不能删除，更正请记一笔冲正。")
