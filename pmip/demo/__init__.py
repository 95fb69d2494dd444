"""演示城市 (demo city): a deterministic synthetic Shenzhen for development, demos, benchmarks and tests.

`load_demo_city(scale=..., seed=...)` fills an empty registry with the real 10 districts and 74 subdistricts of
Shenzhen, synthetic communities, property companies, data-sharing banks and projects with buildings, units, title
holders, owners' assemblies, committees, party branches, practitioners, facilities and safety inspections, plus demo
log-ins (back-office staff at every scope level, an operator) and a handful of named demo owners.

Rules:
- Same seed, same data: every random choice comes from a `random.Random` seeded with the seed, never from the clock
  (dates are relative to the fixed `REFERENCE_DATE`). Only the ciphertexts differ between runs (random nonces).
- Everything is written in one transaction with one audit entry (`registry.demo.loaded`, with counts).
- Loading refuses a database that already has projects (`DemoRefused`).
- Bulk writes: primary keys are allocated up front (PostgreSQL sequence / SQLite max id inside the write lock), units
  and title records are written with COPY on PostgreSQL and `bulk_create` in large batches elsewhere.
- A holder with several units gets one encrypted ID token, reused on all their title records.

The demo owners and staff accounts are fixed (not seed-dependent); `demo_logins()` prints them from the database.
Demo passwords are for the demo only.

Package layout: `specs` (scales, fixed demo staff and owners, banks), `names` (name pools, from `data/names.json`),
`generator` (the seeded plan), `writer` (bulk writes), `load` (`load_demo_city`), `logins` (`demo_logins`,
`registry_digest`), `funds` (`seed_demo_funds`); the commands `demo_city` and `pmip_banner` live here, so no
domain imports the demo. Shenzhen's districts are reference data of the registry (`pmip.registry.districts`).

Names are resolved lazily (PEP 562): Django imports this package while loading the app list, before models exist.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "_ID_REGIONS": "pmip.demo.specs",
    "BANKS": "pmip.demo.specs",
    "Scale": "pmip.demo.specs",
    "SCALES": "pmip.demo.specs",
    "REFERENCE_DATE": "pmip.demo.specs",
    "DEMO_PASSWORD": "pmip.demo.specs",
    "FLAGSHIP_CODE": "pmip.demo.specs",
    "FLAGSHIP_NAME": "pmip.demo.specs",
    "FLAGSHIP_DISTRICT": "pmip.demo.specs",
    "FLAGSHIP_SUBDISTRICT": "pmip.demo.specs",
    "DemoStaffSpec": "pmip.demo.specs",
    "DEMO_STAFF": "pmip.demo.specs",
    "DemoOwnerSpec": "pmip.demo.specs",
    "DEMO_OWNERS": "pmip.demo.specs",
    "DemoRefused": "pmip.demo.specs",
    "SUSPEND_INDEXES_FROM_UNITS": "pmip.demo.load",
    "load_demo_city": "pmip.demo.load",
    "DemoResult": "pmip.demo.generator",
    "credit_code": "pmip.demo.generator",
    "_Generator": "pmip.demo.generator",
    "FLAGSHIP_UNITS": "pmip.demo.generator",
    "DemoLogin": "pmip.demo.logins",
    "DemoOwner": "pmip.demo.logins",
    "demo_login_facts": "pmip.demo.logins",
    "demo_logins": "pmip.demo.logins",
    "registry_digest": "pmip.demo.logins",
    "format_counts": "pmip.demo.logins",
    "seed_demo_funds": "pmip.demo.funds",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(n for n in _WHERE if not n.startswith("_"))
