"""Shared fixtures: a small registry built in code, staff accounts per scope, helpers."""

from __future__ import annotations

import os

os.environ.setdefault("PMIP_TESTING", "1")
