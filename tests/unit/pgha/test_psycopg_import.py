"""psycopg on the node: found without importing it, imported at the first connection.

Importing psycopg costs a DB module run about 0.12 CPU-s; a run that never connects (the
pair's lock, a configuration already in place, a stopped server read from its files) no
longer pays it. Its absence is still reported before the module acts, and an install
that is found but cannot be imported fails the connection with what to install.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import node
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import ConnectError


def test_a_present_psycopg_is_found_without_being_imported() -> None:
    # a fresh interpreter: this test process may have imported psycopg already
    code = (
        "import sys\n"
        "from ansible_collections.hisops.emergency.plugins.module_utils.pgha import node\n"
        "assert node.psycopg_import_error() is None\n"
        "print('psycopg' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "False"


def test_a_missing_psycopg_is_reported_before_the_module_acts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(node.importlib.util, "find_spec", lambda name: None)
    missing = node.psycopg_import_error()
    assert isinstance(missing, ImportError)
    assert "psycopg" in str(missing)


def test_psycopg_found_but_unusable_fails_the_connection_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    with pytest.raises(ConnectError, match="install python3-psycopg and libpq5"):
        node.LocalNode().connect()
