"""Fixtures of the incident tests: a store in tmp_path, the plan's defaults, an operator."""

from __future__ import annotations

import sqlite3

import pytest

from hisops.incident import config, service
from hisops.incident.store import Store


@pytest.fixture
def site():
    return config.load("/nonexistent/site.yml")


@pytest.fixture
def ctx(tmp_path, site):
    return service.Context(store=Store(str(tmp_path / "inc")), site=site, operator="alice")


@pytest.fixture
def dump():
    """``dump(ctx)``: every row of the store, to compare before and after a refusal."""
    return _dump


def _dump(ctx) -> list[tuple]:
    """Every row of every table: what 'nothing was written' compares."""
    conn = sqlite3.connect(ctx.store.path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, *row) for t in sorted(tables) for row in conn.execute(f"SELECT * FROM {t}")]
    finally:
        conn.close()
