"""Writing a validated registry import: places, projects, buildings, units and title records, in that order, each
matched to what the database holds (re-importing the same file changes nothing) and written in bulk. Runs inside the
import's transaction (`service.import_registry_rows`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model, QuerySet

from pmip.core import clock, crypto, public_cache
from pmip.core.progress import Progress, no_progress
from pmip.registry.districts import SHENZHEN_DISTRICTS
from pmip.registry.importing.parsing import ParsedRow
from pmip.registry.importing.result import ImportResult
from pmip.registry.importing.validation import Places
from pmip.registry.models import Building, Community, District, Project, Subdistrict, TitleRecord, Unit
from pmip.registry.pinyin import initials
from pmip.registry.search_index import index_projects
from pmip.registry.selectors import PUBLIC_NAMESPACE

PlacesMade = dict[tuple[str, str], tuple[District, Subdistrict]]


def write_rows(
    rows: list[ParsedRow],
    places: Places,
    projects: dict[str, Project],
    result: ImportResult,
    actor: Any,
    progress: Progress = no_progress,
) -> None:
    """Create or update everything the rows describe; `projects` (by code) gains the new projects."""
    made = _write_places(places, result)
    _write_projects(rows, made, projects, result)
    buildings = _write_buildings(rows, projects, result)
    units = _write_units(rows, projects, buildings, result)
    ended_units = _write_titles(rows, projects, buildings, units, result, progress)
    _follow_ended_titles(actor, ended_units)


def _write_places(places: Places, result: ImportResult) -> PlacesMade:
    """Create the reference districts/subdistricts that are missing."""
    reference_codes = {name: code for code, name, _subs in SHENZHEN_DISTRICTS}
    made: PlacesMade = {}
    for pair, (district, subdistrict) in places.items():
        if district is None:
            district = District.objects.filter(name=pair[0]).first()
            if district is None:
                district = District.objects.create(code=reference_codes[pair[0]], name=pair[0])
                result.created["districts"] += 1
        if subdistrict is None:
            subdistrict, created = Subdistrict.objects.get_or_create(district=district, name=pair[1])
            result.created["subdistricts"] += int(created)
        made[pair] = (district, subdistrict)
    return made


def _write_projects(
    rows: list[ParsedRow], places: PlacesMade, projects: dict[str, Project], result: ImportResult
) -> None:
    communities = {
        (c.subdistrict_id, c.name): c
        for c in Community.objects.filter(subdistrict__in=[s for _d, s in places.values()])
    }
    to_update: list[Project] = []
    for code, row in _first_of(rows, lambda r: r.project_code).items():
        district, subdistrict = places[(row.project["district"], row.project["subdistrict"])]
        community = None
        if row.project["community"]:
            community = communities.get((subdistrict.id, row.project["community"]))
            if community is None:
                community = Community.objects.create(subdistrict=subdistrict, name=row.project["community"])
                communities[(subdistrict.id, community.name)] = community
                result.created["communities"] += 1
        wanted = {
            "name": row.project["name"],
            "address": row.project["address"],
            "district_id": district.id,
            "subdistrict_id": subdistrict.id,
        }
        if community is not None:
            wanted["community_id"] = community.id
        if row.project["service_phone"]:
            wanted["service_phone"] = row.project["service_phone"]
        project = projects.get(code)
        if project is None:
            project = Project(code=code, **wanted)
            project.save()
            projects[code] = project
            result.created["projects"] += 1
        elif _apply(project, wanted):
            project.name_initials = initials(project.name)
            project.updated_at = clock.now()
            to_update.append(project)
            result.updated["projects"] += 1
        else:
            result.unchanged["projects"] += 1
    if to_update:
        Project.objects.bulk_update(
            to_update,
            [
                "name",
                "name_initials",
                "address",
                "district",
                "subdistrict",
                "community",
                "service_phone",
                "updated_at",
            ],
        )
        # bulk_update bypasses Project.save() and its signals: index and invalidate the public reads here
        index_projects([p.pk for p in to_update])
        public_cache.invalidate(PUBLIC_NAMESPACE)


def _write_buildings(
    rows: list[ParsedRow], projects: dict[str, Project], result: ImportResult
) -> dict[tuple[int, str], Building]:
    """The buildings of the file's projects, by (project id, number), the file's new ones created."""
    project_ids = [projects[code].id for code in _first_of(rows, lambda r: r.project_code)]
    buildings = {
        (b.project_id, b.number): b for b in in_chunks(Building.objects.all(), "project_id", project_ids)
    }
    max_floor: dict[tuple[str, str], int] = defaultdict(lambda: 1)
    first_b: dict[tuple[str, str], ParsedRow] = {}
    for row in rows:
        key = (row.project_code, row.building_number)
        first_b.setdefault(key, row)
        max_floor[key] = max(max_floor[key], row.unit["floor"])
    new_b, upd_b = [], []
    for key, row in first_b.items():
        project = projects[key[0]]
        building = buildings.get((project.id, key[1]))
        floors = row.building["floors"]
        if building is None:
            building = Building(
                project=project,
                number=key[1],
                floors=floors or max_floor[key],
                has_lift=True if row.building["has_lift"] is None else row.building["has_lift"],
            )
            new_b.append(building)
            buildings[(project.id, key[1])] = building
            continue
        wanted = {"floors": floors if floors is not None else max(building.floors, max_floor[key])}
        if row.building["has_lift"] is not None:
            wanted["has_lift"] = row.building["has_lift"]
        if _apply(building, wanted):
            upd_b.append(building)
        else:
            result.unchanged["buildings"] += 1
    Building.objects.bulk_create(new_b, batch_size=2000)
    Building.objects.bulk_update(upd_b, ["floors", "has_lift"], batch_size=2000)
    result.created["buildings"] += len(new_b)
    result.updated["buildings"] += len(upd_b)
    return buildings


def _write_units(
    rows: list[ParsedRow],
    projects: dict[str, Project],
    buildings: dict[tuple[int, str], Building],
    result: ImportResult,
) -> dict[tuple[int, str], Unit]:
    """The units of those buildings, by (building id, number), the file's new ones created."""
    units = {
        (u.building_id, u.number): u
        for u in in_chunks(Unit.objects.all(), "building_id", [b.id for b in buildings.values()])
    }
    new_u, upd_u = [], []
    for key, row in _first_of(rows, lambda r: r.unit_key).items():
        building = buildings[(projects[row.project_code].id, row.building_number)]
        unit = units.get((building.id, key[2]))
        wanted = {"floor": row.unit["floor"], "use": row.unit["use"], "area": row.unit["area"]}
        for name in ("area_source", "delivered", "developer_held"):
            if row.unit[name] is not None:
                wanted[name] = row.unit[name]
        if unit is None:
            unit = Unit(project_id=building.project_id, building=building, number=key[2], **wanted)
            new_u.append(unit)
            units[(building.id, key[2])] = unit
        elif _apply(unit, wanted):
            upd_u.append(unit)
        else:
            result.unchanged["units"] += 1
    Unit.objects.bulk_create(new_u, batch_size=2000)
    Unit.objects.bulk_update(
        upd_u, ["floor", "use", "area", "area_source", "delivered", "developer_held"], batch_size=2000
    )
    result.created["units"] += len(new_u)
    result.updated["units"] += len(upd_u)
    return units


def _write_titles(
    rows: list[ParsedRow],
    projects: dict[str, Project],
    buildings: dict[tuple[int, str], Building],
    units: dict[tuple[int, str], Unit],
    result: ImportResult,
    progress: Progress = no_progress,
) -> set[int]:
    """Title records, matched by (unit, ID type, hash) among the unit's current records. A unit listed with holders
    ends its current records whose holder is not in the file. Returns the ids of the units with ended records."""
    today = clock.today()

    def unit_of(row: ParsedRow) -> Unit:
        building = buildings[(projects[row.project_code].id, row.building_number)]
        return units[(building.id, row.unit_number)]

    holder_rows = [(r, r.holder) for r in rows if r.holder is not None]
    unit_ids = {unit_of(r).id for r, _h in holder_rows}
    current: dict[int, dict[tuple[str, str], TitleRecord]] = defaultdict(dict)
    for t in in_chunks(TitleRecord.objects.current(), "unit_id", unit_ids):
        current[t.unit_id][(t.id_type, t.id_number_hash)] = t
    kept: set[int] = set()
    new_t, upd_t = [], []
    now = clock.now()
    for i, (row, h) in enumerate(holder_rows):
        progress(i, len(holder_rows), phase="写入产权登记")
        unit = unit_of(row)
        digest = crypto.id_number_hash(h["id_type"], h["id_number"])
        existing = current[unit.id].get((h["id_type"], digest))
        wanted = {"holder_name": h["name"], "share": h["share"]}
        if h["registered_on"] is not None:
            wanted["registered_on"] = h["registered_on"]
        if h["certificate_no"]:
            wanted["certificate_no"] = h["certificate_no"]
        if existing is None:
            title = TitleRecord(unit=unit, **wanted)
            title.set_id_number(h["id_type"], h["id_number"])
            new_t.append(title)
            continue
        kept.add(existing.id)
        if _apply(existing, wanted):
            existing.updated_at = now
            upd_t.append(existing)
        else:
            result.unchanged["titles"] += 1
    progress(len(holder_rows), len(holder_rows), phase="写入产权登记")
    ended = [t for by_unit in current.values() for t in by_unit.values() if t.id not in kept]
    for t in ended:
        t.ended_on = today
        t.updated_at = now
    TitleRecord.objects.bulk_create(new_t, batch_size=2000)
    TitleRecord.objects.bulk_update(
        [*upd_t, *ended],
        ["holder_name", "share", "registered_on", "certificate_no", "ended_on", "updated_at"],
        batch_size=2000,
    )
    result.created["titles"] += len(new_t)
    result.updated["titles"] += len(upd_t)
    result.titles_ended = len(ended)
    return {t.unit_id for t in ended}


def _follow_ended_titles(actor: Any, unit_ids: set[int]) -> None:
    """A unit whose holder changed ends (or moves) its owners' bindings, in the import's transaction."""
    if not unit_ids:
        return
    from pmip.identity.binding import follow_title_changes
    from pmip.identity.models import BindingStatus, HouseBinding

    bound = HouseBinding.objects.filter(unit_id__in=unit_ids, status=BindingStatus.ACTIVE).values("unit_id")
    for unit in Unit.objects.filter(pk__in=bound).order_by("pk"):
        follow_title_changes(actor=actor, unit=unit)


def _first_of[K](rows: list[ParsedRow], key: Callable[[ParsedRow], K]) -> dict[K, ParsedRow]:
    """The first row for each key, in file order."""
    first: dict[K, ParsedRow] = {}
    for row in rows:
        first.setdefault(key(row), row)
    return first


def in_chunks[M: Model](
    queryset: QuerySet[M], field_name: str, values: Iterable[Any], size: int = 5000
) -> list[M]:
    """`filter(<field>__in=values)` in slices, so a large file stays under the database's parameter limit."""
    values = list(values)
    out: list[M] = []
    for start in range(0, len(values), size):
        out.extend(queryset.filter(**{f"{field_name}__in": values[start : start + size]}))
    return out


def _apply(obj: Model, wanted: dict[str, Any]) -> bool:
    """Set the fields that differ; True when anything changed."""
    changed = False
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed
