"""Integration tests run against the same kind of lab as tests/lab (its ``lab`` fixture)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "hisops_lab_fixtures", Path(__file__).resolve().parents[1] / "lab" / "conftest.py"
)
_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _fixtures
_spec.loader.exec_module(_fixtures)

lab = _fixtures.lab
fresh_lab = _fixtures.fresh_lab
start_lab = _fixtures.start_lab
