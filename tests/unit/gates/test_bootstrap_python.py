"""scripts/bootstrap.sh makes .venv on Debian's /usr/bin/python3 (an optimised build: the
suite's Python ran 0.83-0.86x the time of pyenv's unoptimised 3.11 first on PATH; see
docs/benchmarks.md, item 10, ninth pass), unless HISOPS_PYTHON names another."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig

import pytest

DEBIAN = "/usr/bin/python3"


def _debian_python_usable() -> bool:
    if not os.access(DEBIAN, os.X_OK):
        return False
    probe = "import sys, venv; sys.exit(sys.version_info < (3, 10))"
    return subprocess.run([DEBIAN, "-c", probe], check=False).returncode == 0


@pytest.mark.skipif(bool(os.environ.get("HISOPS_PYTHON")), reason="HISOPS_PYTHON chose another")
@pytest.mark.skipif(not _debian_python_usable(), reason="no Debian python3 >= 3.10 here")
def test_the_suite_runs_on_debians_python_from_the_checkouts_virtualenv() -> None:
    assert sys.prefix != sys.base_prefix, "the suite runs outside a virtualenv"
    assert os.path.realpath(sys.executable) == os.path.realpath(DEBIAN)
    # and not on a build without profile-guided optimisation: pyenv's says so in CONFIG_ARGS
    assert "/.pyenv/" not in (sysconfig.get_config_var("CONFIG_ARGS") or "")


def test_the_installed_packages_and_the_checkout_carry_their_bytecode() -> None:
    """Made by bootstrap.sh: where the environment sets PYTHONDONTWRITEBYTECODE (this
    machine's does, and CI's by all appearances), Python reads bytecode but never writes it, and every process
    would compile ansible from source again (docs/benchmarks.md, item 10, tenth pass)."""
    import importlib.util

    # found, not imported (importing ansible's SSH agent would warn about DSA)
    names = ("ansible.executor.task_executor", "molecule", "hisops.runner")
    paths = [importlib.util.find_spec(name).origin for name in names]  # type: ignore[union-attr]
    missing = [
        path
        for path in paths
        if path is None or not os.path.exists(importlib.util.cache_from_source(path))
    ]
    assert not missing, f"no bytecode beside {missing}"
    # and what the gates run may write theirs (pytest's rewritten test modules)
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    assert not sys.dont_write_bytecode
