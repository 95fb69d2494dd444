"""The n-gram index behind the public project search (项目查询).

Chinese names are searched by two-character substrings (`花园`, `翠湖`, `深南`): a `LIKE '%花园%'` cannot use a
btree index and a trigram index holds no complete trigram for it, so without help every search scans the project
table. This module keeps, for every project, the set of its one- and two-character grams of name and address
(`ProjectSearchGram`, lower-cased, whitespace skipped). A query's candidates are the projects holding all of its
grams — an index look-up — and the original `LIKE` condition then runs only on those candidates, so the result is
exactly what the plain `LIKE` search returns, in each database's own matching rules.

The index is maintained on every write: a post_save receiver (`project_saved`, connected in apps.py) re-indexes a
saved project in the transaction of its save, and the bulk paths (registry import, demo city) call `index_projects` / `rebuild_search_index` in their own transaction.
`manage.py rebuild_search_index` rebuilds it from scratch.

Search results shown to owners are kept in the public cache (pmip.core.public_cache, namespace `SEARCH_NAMESPACE`):
every re-index invalidates it, and so does every registry write (pmip.registry.apps).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from pmip.core import public_cache
from pmip.registry.models import Project, ProjectSearchGram

BATCH = 5000
SEARCH_NAMESPACE = "project-search"  # cached search results and the districts filter (portal)


def grams(text: str) -> set[str]:
    """The one- and two-character grams of `text`, lower-cased; grams holding white space are left out."""
    text = (text or "").lower()
    out = {ch for ch in text if not ch.isspace()}
    out.update(text[i : i + 2] for i in range(len(text) - 1) if not any(c.isspace() for c in text[i : i + 2]))
    return out


def query_grams(query: str) -> set[str]:
    """Grams a project must hold to contain `query`: its bigrams without white space; where there are none (one
    character, or characters separated by spaces as in "1 1"), its single characters without white space."""
    q = (query or "").lower()
    bigrams = {q[i : i + 2] for i in range(len(q) - 1) if not any(c.isspace() for c in q[i : i + 2])}
    return bigrams or {c for c in q if not c.isspace()}


def _rows(projects: Iterable[tuple[int, str, str]]) -> list[ProjectSearchGram]:
    rows: list[ProjectSearchGram] = []
    for pk, name, address in projects:
        rows.extend(ProjectSearchGram(gram=g, project_id=pk) for g in grams(name) | grams(address))
    return rows


def index_projects(project_ids: Iterable[int]) -> int:
    """Re-index these projects (their grams are replaced). Returns the number of gram rows written."""
    ids = sorted(set(project_ids))
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            ProjectSearchGram.objects.filter(project_id__in=chunk).delete()
            rows = _rows(Project.objects.filter(pk__in=chunk).values_list("pk", "name", "address"))
            ProjectSearchGram.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
        public_cache.invalidate(SEARCH_NAMESPACE)
    return written


def project_saved(sender, instance: Project, raw: bool = False, update_fields=None, **kwargs) -> None:
    """post_save of Project: re-index it when its name or address may have changed (not for fixture loading)."""
    if raw:
        return
    if update_fields is None or {"name", "address"} & set(update_fields):
        index_projects([instance.pk])


def rebuild_search_index() -> int:
    """Rebuild the whole index from the project table. Returns the number of gram rows."""
    with transaction.atomic():
        ProjectSearchGram.objects.all().delete()
        ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
        return index_projects(ids)


def text_candidates(query: str) -> QuerySet | None:
    """Ids of the projects whose name or address may contain `query` (a superset, from the index), as a subquery;
    None when the query has no gram (then it cannot match any text)."""
    wanted = query_grams(query)
    if not wanted:
        return None
    qs = ProjectSearchGram.objects.filter(gram__in=wanted).values("project_id")
    if len(wanted) == 1:
        return qs
    from django.db.models import Count

    return qs.annotate(n=Count("gram")).filter(n=len(wanted)).values("project_id")
