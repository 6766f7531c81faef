"""The console's example states (hisops.console.demo), each written once per test module
into real stores: the state store, the incident store, the JSON files the playbooks and
the inspection write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hisops.console import demo
from hisops.console.sources import Gathered, Paths, gather

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def state_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Paths]:
    root = tmp_path_factory.mktemp("console-states")
    return {state: demo.make_state(str(root / state), state) for state in demo.STATES}


@pytest.fixture(scope="module")
def gathered(state_paths: dict[str, Paths]) -> dict[str, Gathered]:
    return {state: gather(paths) for state, paths in state_paths.items()}
