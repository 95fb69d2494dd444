"""The embedded title registry: the platform's own TitleRecord table stands in for the 产权登记 look-up service
(`PMIP_TITLE_REGISTRY_BACKEND=embedded`, the default). pmip.integrations.title_registry names it by path."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from django.db import connection

from pmip.core import crypto
from pmip.integrations.title_registry import TitleHit
from pmip.registry.models import Building, Project, TitleRecord, Unit

# The hit's six columns and the two local ids (the unit, the title record), so the binding look-up needs no second
# query to find the units again. One statement through the blind index (title_id_lookup_idx), then the unit,
# building and project by primary key.
_SQL = (  # tables by name, not aliased, so plans name them (bench/binding.py, the plan test)
    "SELECT {project}.code, {building}.number, {unit}.number, {title}.holder_name, {title}.share,"
    " {title}.certificate_no, {unit}.id, {title}.id"
    " FROM {title}"
    " INNER JOIN {unit} ON {unit}.id = {title}.unit_id"
    " INNER JOIN {project} ON {project}.id = {unit}.project_id"
    " INNER JOIN {building} ON {building}.id = {unit}.building_id"
    " WHERE {title}.id_type = %s AND {title}.id_number_hash = %s AND {title}.ended_on IS NULL"
    " AND {title}.holder_name = %s"
    " ORDER BY {project}.code, {building}.number, {unit}.number, {title}.id"
)
_SHARE_PLACES = Decimal(1).scaleb(-TitleRecord._meta.get_field("share").decimal_places)


@cache
def lookup_sql() -> str:
    return _SQL.format(
        title=TitleRecord._meta.db_table,
        unit=Unit._meta.db_table,
        project=Project._meta.db_table,
        building=Building._meta.db_table,
    )


def _share(value) -> Decimal:
    """PostgreSQL answers a Decimal already; SQLite a float or int, made the Decimal the ORM would give."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(_SHARE_PLACES)


class EmbeddedTitleRegistry:
    """The platform's own TitleRecord table stands in for the registry."""

    def lookup(self, name: str, id_type: str, id_number: str) -> list[TitleHit]:
        # One raw statement, rows as tuples: no model instances and no ORM query building (which cost more than
        # the indexed look-up itself; bench/README.md, binding). Same filter as
        # TitleRecord.objects.for_id(id_type, id_number).current().filter(holder_name=name).
        with connection.cursor() as cursor:
            cursor.execute(lookup_sql(), [id_type, crypto.id_number_hash(id_type, id_number), name])
            rows = cursor.fetchall()
        return [
            TitleHit(
                project_code=project_code,
                building_number=building_number,
                unit_number=unit_number,
                holder_name=holder_name,
                share=_share(share),
                certificate_no=certificate_no,
                unit_id=unit_id,
                title_record_id=title_id,
            )
            for project_code, building_number, unit_number, holder_name, share, certificate_no, unit_id, title_id in rows
        ]
