"""The embedded shared cache: Django's database cache with atomic increments.

Django's DatabaseCache implements `incr` as get-then-set, so two processes incrementing at once lose a count. This
subclass increments inside one transaction that locks the row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
IMMEDIATE transactions serialise writers), so a counter shared by every process of the machine counts every hit.
The table is created by `migrate` (a post_migrate hook in pmip.core) and by the test runner.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils import timezone


class SharedDatabaseCache(DatabaseCache):
    _table: str  # set by DatabaseCache.__init__ (not in django-stubs)

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT value, expires FROM {table} WHERE cache_key = %s{lock}",  # noqa: S608 (quoted name)
                [key],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            expires = row[1]
            expression = models.Expression(output_field=models.DateTimeField())
            for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
                connection
            ):
                expires = converter(expires, expression, connection)
            if expires < timezone.now():
                raise ValueError(f"Key '{key}' not found")
            value = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(value.encode()))  # noqa: S301 (our own table)
            new_value = value + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET value = %s WHERE cache_key = %s",  # noqa: S608
                [encoded, key],
            )
        return new_value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version)

    def _cull(self, db, cursor, now, num):
        """Delete expired entries only. Live entries are limit counters: evicting them would reset the limits."""
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        cursor.execute(
            f"DELETE FROM {table} WHERE {connection.ops.quote_name('expires')} < %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(now)],
        )
