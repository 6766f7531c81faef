"""House rules that the tree itself must keep (docs/CONTRIBUTING.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if p.is_dir())


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_molecule_scenario(role: str) -> None:
    scenario = REPO_ROOT / "molecule" / role
    config = yaml.safe_load((scenario / "molecule.yml").read_text())
    sequence = config["scenario"]["test_sequence"]
    for step in ("create", "converge", "idempotence", "verify", "destroy"):
        assert step in sequence, f"molecule/{role}: {step} missing from test_sequence"
    assert (scenario / "verify.yml").is_file()


@pytest.mark.parametrize("role", ROLES)
def test_role_variables_are_prefixed_and_specified(role: str) -> None:
    defaults = (
        yaml.safe_load((REPO_ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    )
    for name in defaults:
        assert name.startswith(f"{role}_"), (
            f"roles/{role}: variable {name} lacks the {role}_ prefix"
        )
    specs = yaml.safe_load((REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"].get("options", {})
    assert set(defaults) <= set(options), f"roles/{role}: defaults without an argument spec"


def test_tasks_use_fqcn() -> None:
    bare = re.compile(
        r"^\s*-?\s*(copy|file|template|command|shell|debug|assert|service):\s*$", re.M
    )
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for pattern in ("roles/*/tasks/*.yml", "playbooks/*.yml")
        for path in REPO_ROOT.glob(pattern)
        if bare.search(path.read_text())
    ]
    assert offenders == []


def test_test_modules_outside_packages_have_unique_names() -> None:
    """pytest imports a test file outside a package by its bare name: two of the same name
    stop the whole collection ("import file mismatch")."""
    seen: dict[str, Path] = {}
    for path in sorted((REPO_ROOT / "tests").rglob("test_*.py")):
        if (path.parent / "__init__.py").exists():
            continue
        other = seen.setdefault(path.name, path)
        assert other == path, (
            f"{path.relative_to(REPO_ROOT)} and {other.relative_to(REPO_ROOT)} share a name"
        )


@pytest.mark.parametrize("role", ROLES)
def test_role_readme_lists_every_default(role: str) -> None:
    readme = REPO_ROOT / "roles" / role / "README.md"
    assert readme.is_file(), f"roles/{role}: no README.md"
    text = readme.read_text()
    defaults = (
        yaml.safe_load((REPO_ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    )
    missing = [name for name in defaults if f"`{name}`" not in text]
    assert not missing, f"roles/{role}/README.md does not list {missing}"
