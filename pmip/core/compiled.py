"""Hot reads compiled once per process: the ORM builds and compiles the statement the first time, later calls only
execute it.

Building and compiling a queryset with a union and a subquery costs a couple of milliseconds of Python — a hundred
times what the database spends on it through its indexes — and a page that asks it on every request (which projects
are the signed-in owner's) pays that each time. `values(name, build, value)` builds `build(SENTINEL)` once per
database alias, keeps its SQL and parameters, and from then on executes the same SQL with `value` in place of every
parameter equal to the sentinel. `build` must take the varying integer (an account id) as its only input and put it
into the query as a parameter (which the ORM does for comparisons); a query whose SQL text itself holds the value is
refused at compilation. The statement is read from the database the router gives for the queryset's model, as the
ORM would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections, router
from django.db.models import Model, QuerySet

SENTINEL = -7_364_512_981_097  # never an id; marks where the varying value goes

_compiled: dict[tuple[str, str], tuple[str, tuple, tuple[int, ...]]] = {}
_lock = threading.Lock()


def _compile(build: Callable[[int], QuerySet], using: str) -> tuple[str, tuple, tuple[int, ...]]:
    queryset = build(SENTINEL)
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    at = tuple(i for i, p in enumerate(params) if p == SENTINEL and not isinstance(p, bool))
    if not at or str(SENTINEL) in sql:
        raise ValueError("the varying value must reach the statement as parameters only")
    return sql, tuple(params), at


def values(name: str, model: type[Model], build: Callable[[int], QuerySet], value: int) -> list[tuple]:
    """The rows of `build(value)` (a values_list queryset of `model`), as the ORM would read them — from the statement
    compiled the first time this process asked for `name` on that database."""
    using = router.db_for_read(model)
    key = (name, using)
    entry = _compiled.get(key)
    if entry is None:
        with _lock:
            entry = _compiled.get(key) or _compile(build, using)
            _compiled[key] = entry
    sql, params, at = entry
    bound = list(params)
    for i in at:
        bound[i] = int(value)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, bound)
        return cursor.fetchall()
