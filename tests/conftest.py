"""Shared test setup: the collection is importable as ansible_collections.hisops.emergency."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO_ROOT / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

os.environ.setdefault("ANSIBLE_CONFIG", str(REPO_ROOT / "ansible.cfg"))
VENV_BIN = str(Path(sys.executable).parent)
if VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = VENV_BIN + os.pathsep + os.environ.get("PATH", "")

# The lab fixtures (``lab``, ``fresh_lab``; ``start_lab`` for a module's own lab) are a
# plugin in tests/lab/lab_fixtures.py (pyproject puts tests/lab on pytest's path), so
# tests/lab and tests/integration both use them as ordinary fixtures.
pytest_plugins = ["lab_fixtures"]
