"""The embedded title registry: the platform's own TitleRecord table stands in for the 产权登记 look-up service
(`PMIP_TITLE_REGISTRY_BACKEND=embedded`, the default). pmip.integrations.title_registry names it by path."""

from __future__ import annotations

from pmip.integrations.title_registry import TitleHit
from pmip.registry.models import TitleRecord


class EmbeddedTitleRegistry:
    """The platform's own TitleRecord table stands in for the registry."""

    def lookup(self, name: str, id_type: str, id_number: str) -> list[TitleHit]:
        # Only the six fields a hit needs, as tuples: no model instances for the record, unit, building, project
        # (building four instances per row cost more than the indexed look-up itself).
        rows = (
            TitleRecord.objects.for_id(id_type, id_number)
            .current()
            .filter(holder_name=name)
            .order_by("unit__project__code", "unit__building__number", "unit__number", "id")
            .values_list(
                "unit__project__code",
                "unit__building__number",
                "unit__number",
                "holder_name",
                "share",
                "certificate_no",
            )
        )
        return [
            TitleHit(
                project_code=project_code,
                building_number=building_number,
                unit_number=unit_number,
                holder_name=holder_name,
                share=share,
                certificate_no=certificate_no,
            )
            for project_code, building_number, unit_number, holder_name, share, certificate_no in rows
        ]
