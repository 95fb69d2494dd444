"""基础数据导入 (registry import): projects, buildings, units and title holders from a spreadsheet, all or nothing.

The format is documented in docs/import-format.md: one row per unit (or per unit and holder, for co-owned units),
Chinese header names or their English keys. `read_table()` turns a CSV (UTF-8, with or without BOM; GB18030 as a
fallback) or XLSX file into rows; `import_registry_rows()` is the service the command and the back office call.

Rules of `import_registry_rows`:
- Every row is validated before anything is written; any error rejects the whole file (`ImportRejected`, which lists
  every error with its row number in Chinese) and nothing is written.
- Matching is by project code, (project, building number), (building, unit number); title records by
  (unit, ID type, blind-index hash of the ID number) among the unit's current records. Re-importing the same file
  changes nothing (all counts "unchanged").
- Optional columns left blank keep the existing value (or take the default for a new record).
- When a unit in the file lists holders, the unit's current title records whose holder is not in the file are ended
  (`ended_on` = today): the registry shows a new holder. Units listed without holders keep their title records.
- Districts and subdistricts must be Shenzhen's (created from the reference list when missing); communities are
  created on first use.
- Permission: `actor=None` is the command line (the system). A staff actor needs an editable role whose scope covers
  every project in the file (existing and new: district/subdistrict for new projects; committee and company roles
  cannot create projects).
- One audit entry `registry.import.completed` with the file name and the counts; never ID numbers.

The package, by step (each module imports only the ones listed before it): `columns` (the format), `result`
(counts), `parsing` (cells to rows), `validation` (rows against each other, places, scope), `writing` (the bulk
writes), `service` (`import_registry_rows`). Callers import from `pmip.registry.importing`.
"""

from pmip.core.tables import ImportRejected, RowError, SourceRow
from pmip.core.tables import read_table as read_table  # re-exported for the command and callers
from pmip.registry.importing.columns import COLUMNS, Column
from pmip.registry.importing.result import ImportResult
from pmip.registry.importing.service import import_registry_rows

__all__ = [
    "COLUMNS",
    "Column",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "SourceRow",
    "import_registry_rows",
    "read_table",
]
