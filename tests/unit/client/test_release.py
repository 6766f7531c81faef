"""Release layout on a workstation: install, atomic switch, rollback, prune (real files)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.client import release, sample
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import (
    ChecksumMismatch,
    InputError,
    ReleaseError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import sha256_file


@pytest.fixture
def packages(tmp_path: Path) -> dict[str, Path]:
    out = tmp_path / "pkgs"
    out.mkdir()
    built = {v: Path(sample.build_tarball(v, str(out))) for v in ("1.0.0", "1.1.0", "1.2.0")}
    built["9.9.9"] = Path(sample.build_tarball("9.9.9", str(out), broken=True))
    return built


def switch(root: Path, pkgs: dict[str, Path], version: str, **kw) -> dict:
    pkg = pkgs[version]
    return release.apply(str(root), "switched", version, str(pkg), sha256_file(str(pkg)), **kw)


def client(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "current" / "bin" / "his-client"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_switch_installs_and_points_current_then_is_idempotent(tmp_path, packages):
    root = tmp_path / "opt"
    first = switch(root, packages, "1.0.0")
    assert first["changed"] and first["before"]["current"] is None
    assert os.readlink(root / "current") == "releases/1.0.0"
    assert client(root, "--version").stdout.strip() == "1.0.0"
    assert client(root, "health").returncode == 0
    again = switch(root, packages, "1.0.0")
    assert again["changed"] is False and again["actions"] == []


def test_switch_keeps_previous_and_rollback_goes_there_once(tmp_path, packages):
    root = tmp_path / "opt"
    switch(root, packages, "1.0.0")
    result = switch(root, packages, "1.1.0")
    assert result["after"]["previous"] == "1.0.0" and result["after"]["current"] == "1.1.0"
    back = release.apply(str(root), "rolled_back")
    assert back["changed"] and back["after"]["current"] == "1.0.0"
    assert back["after"]["rolled_back_from"] == "1.1.0"
    assert client(root, "--version").stdout.strip() == "1.0.0"
    assert release.apply(str(root), "rolled_back")["changed"] is False


def test_rollback_to_named_version(tmp_path, packages):
    root = tmp_path / "opt"
    for v in ("1.0.0", "1.1.0", "1.2.0"):
        switch(root, packages, v)
    back = release.apply(str(root), "rolled_back", "1.0.0")
    assert back["after"]["current"] == "1.0.0"
    assert release.apply(str(root), "rolled_back", "1.0.0")["changed"] is False


def test_check_mode_reports_but_touches_nothing(tmp_path, packages):
    root = tmp_path / "opt"
    switch(root, packages, "1.0.0")
    before = sorted(p.name for p in (root / "releases").iterdir())
    pkg = packages["1.1.0"]
    preview = release.apply(
        str(root), "switched", "1.1.0", str(pkg), sha256_file(str(pkg)), check_mode=True
    )
    assert preview["changed"] and preview["after"]["current"] == "1.1.0"
    assert preview["actions"] == ["install 1.1.0", "switch 1.0.0 -> 1.1.0"]
    assert os.readlink(root / "current") == "releases/1.0.0"
    assert sorted(p.name for p in (root / "releases").iterdir()) == before


def test_broken_build_fails_its_health_check(tmp_path, packages):
    root = tmp_path / "opt"
    switch(root, packages, "9.9.9")
    assert client(root, "health").returncode == 1


def test_corrupted_package_is_not_unpacked(tmp_path, packages):
    root = tmp_path / "opt"
    pkg = packages["1.0.0"]
    good = sha256_file(str(pkg))
    data = bytearray(pkg.read_bytes())
    data[-30] ^= 0xFF
    pkg.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch, match="expected"):
        release.apply(str(root), "switched", "1.0.0", str(pkg), good)
    assert not (root / "releases" / "1.0.0").exists() and not (root / "current").exists()


def test_unsafe_tar_member_is_refused(tmp_path):
    import io
    import tarfile

    pkg = tmp_path / "evil.tar.gz"
    with tarfile.open(pkg, "w:gz") as tar:
        info = tarfile.TarInfo("../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ReleaseError, match="not a plain file"):
        release.apply(str(tmp_path / "opt"), "switched", "1.0.0", str(pkg))
    assert not (tmp_path / "escape").exists()
    assert list((tmp_path / "opt" / "releases").iterdir()) == []


def test_rollback_without_previous_or_package_is_refused(tmp_path, packages):
    root = tmp_path / "opt"
    switch(root, packages, "1.0.0")
    with pytest.raises(ReleaseError, match="no previous version"):
        release.apply(str(root), "rolled_back")
    with pytest.raises(ReleaseError, match="not installed here"):
        release.apply(str(root), "rolled_back", "1.2.0")


def test_bad_input_names_the_field(tmp_path):
    with pytest.raises(InputError, match="^version:"):
        release.apply(str(tmp_path), "switched", "../etc", "/x")
    with pytest.raises(InputError, match="^state:"):
        release.apply(str(tmp_path), "exploded", "1.0")
    with pytest.raises(InputError, match="^keep:"):
        release.apply(str(tmp_path), "switched", "1.0", "/x", keep=1)


def test_old_releases_are_pruned_but_never_current_or_previous(tmp_path, packages):
    root = tmp_path / "opt"
    for v in ("1.0.0", "1.1.0", "1.2.0"):
        switch(root, packages, v, keep=2)
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["1.1.0", "1.2.0"]
    back = release.apply(str(root), "rolled_back", keep=2)
    assert back["after"]["current"] == "1.1.0"


def test_health_check_failure_is_undone_on_the_workstation(tmp_path, packages):
    root = tmp_path / "opt"
    switch(root, packages, "1.0.0")
    health = [str(root / "current" / "bin" / "his-client"), "health"]
    bad = switch(root, packages, "9.9.9", health_command=health, revert_unhealthy=True)
    assert bad["health"]["rc"] == 1 and "UNHEALTHY" in bad["health"]["output"]
    assert bad["reverted"] is True and bad["after"]["current"] == "1.0.0"
    assert os.readlink(root / "current") == "releases/1.0.0"
    assert release.apply(str(root), "query")["after"]["previous"] is None  # state restored
    good = switch(root, packages, "1.1.0", health_command=health, revert_unhealthy=True)
    assert good["health"]["rc"] == 0 and "reverted" not in good
    assert os.readlink(root / "current") == "releases/1.1.0"


def test_a_reverted_switch_never_leaves_the_state_pointing_at_a_pruned_release(tmp_path, packages):
    """Issue 14: keepers are decided after the health verdict. Switching to 9.9.9 made 1.0.0
    prunable (previous became 1.1.0); the revert brings back previous=1.0.0, so it stays."""
    root = tmp_path / "opt"
    health = [str(root / "current" / "bin" / "his-client"), "health"]
    for v in ("1.0.0", "1.1.0"):
        switch(root, packages, v, keep=2)
    bad = switch(root, packages, "9.9.9", keep=2, health_command=health, revert_unhealthy=True)
    assert bad["reverted"] and bad["after"]["current"] == "1.1.0"
    assert bad["after"]["previous"] == "1.0.0"
    assert "prune 1.0.0" not in bad["actions"] and "prune 9.9.9" in bad["actions"]
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["1.0.0", "1.1.0"]
    back = release.apply(str(root), "rolled_back", keep=2, health_command=health)
    assert back["after"]["current"] == "1.0.0" and back["health"]["rc"] == 0


def test_older_releases_that_sort_above_the_new_ones_do_not_cost_the_previous_one(
    tmp_path, packages
):
    """Keep 5 with releases of an earlier numbering (2023.x sorts above 1.x): the prune while
    switching to the broken 9.9.9 took 1.0.0, the previous of the state the revert restores."""
    root = tmp_path / "opt"
    health = [str(root / "current" / "bin" / "his-client"), "health"]
    for old in ("2023.1", "2023.2", "2023.3", "2023.4"):
        (root / "releases" / old).mkdir(parents=True)
    for v in ("1.0.0", "1.1.0"):
        switch(root, packages, v)
    bad = switch(root, packages, "9.9.9", health_command=health, revert_unhealthy=True)
    assert bad["reverted"] and bad["after"]["previous"] == "1.0.0"
    assert "1.0.0" in bad["after"]["releases"]
    assert release.apply(str(root), "rolled_back")["after"]["current"] == "1.0.0"


def test_a_missing_release_is_named_and_a_package_of_another_version_is_not_used(
    tmp_path, packages
):
    root = tmp_path / "opt"
    for v in ("1.0.0", "1.1.0"):
        switch(root, packages, v)
    shutil.rmtree(root / "releases" / "1.0.0")  # previous is 1.0.0: its release is gone
    with pytest.raises(release.MissingRelease) as caught:
        release.apply(str(root), "rolled_back")
    assert caught.value.version == "1.0.0" and "not installed here" in str(caught.value)
    other = packages["1.2.0"]
    with pytest.raises(release.MissingRelease):
        release.apply(str(root), "rolled_back", package=str(other), package_version="1.2.0")
    pkg = packages["1.0.0"]
    back = release.apply(
        str(root),
        "rolled_back",
        package=str(pkg),
        sha256=sha256_file(str(pkg)),
        package_version="1.0.0",
    )
    assert back["actions"] == ["install 1.0.0", "switch 1.1.0 -> 1.0.0"]
    assert client(root, "--version").stdout.strip() == "1.0.0"


def test_a_prune_cut_short_leaves_no_half_release_taken_for_installed(
    tmp_path, packages, monkeypatch
):
    """Found by the clients campaign (reliability/clients.py --seed 2): the power went while
    a prune deleted 1.0.0 (its files gone, its directory left); the release was then still
    listed as installed, so a later switch to it would point ``current`` at an empty dir."""
    root = tmp_path / "opt"
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        switch(root, packages, version)
    real_rmdir = os.rmdir

    def power_cut(path, *args, **kwargs):
        raise KeyboardInterrupt("power cut")  # as abrupt as it gets: no except clause runs

    monkeypatch.setattr(os, "rmdir", power_cut)
    with pytest.raises(KeyboardInterrupt):
        switch(root, packages, "9.9.9", keep=2, health_command=None)  # prunes 1.0.0
    monkeypatch.setattr(os, "rmdir", real_rmdir)
    backend = release.TreeReleases(str(root), "his-client")
    assert "1.0.0" not in backend.installed() and not backend.has("1.0.0")
    # the switch back to 1.0.0 installs it again from its package: whole
    back = switch(root, packages, "1.0.0", keep=2)
    assert back["actions"][:2] == ["install 1.0.0", "switch 9.9.9 -> 1.0.0"], back["actions"]
    assert client(root, "health").returncode == 0
    leftovers = [p.name for p in (root / "releases").iterdir() if p.name.startswith(".")]
    assert leftovers == [] or all(n.startswith(".remove-") for n in leftovers)


def test_an_unhealthy_switch_whose_revert_the_power_cut_is_put_back_by_the_next_update(
    tmp_path, packages, monkeypatch
):
    """Found by the clients campaign (reliability/clients.py --seed 3 --steps 30): the power
    went after the switch to a broken build, before its revert; the rollout retried that
    version there, found it current (nothing to switch, so nothing to put back) and left
    the broken build running after the rollout had stopped."""
    root = tmp_path / "opt"
    switch(root, packages, "1.0.0")
    health = str(root / "current" / "bin" / "his-client") + " health"
    real_symlink = os.symlink
    calls = []

    def power_cut_at_the_revert(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:  # the switch's symlink, then the revert's
            raise KeyboardInterrupt("power cut")
        return real_symlink(*args, **kwargs)

    monkeypatch.setattr(os, "symlink", power_cut_at_the_revert)
    with pytest.raises(KeyboardInterrupt):
        switch(root, packages, "9.9.9", health_command=health, revert_unhealthy=True)
    monkeypatch.setattr(os, "symlink", real_symlink)
    assert os.readlink(root / "current") == "releases/9.9.9"

    again = switch(root, packages, "9.9.9", health_command=health, revert_unhealthy=True)
    assert again["reverted"] and again["health"]["rc"] != 0
    assert again["actions"] == ["health check failed: switch 9.9.9 -> 1.0.0"]
    assert os.readlink(root / "current") == "releases/1.0.0"
    assert again["after"]["current"] == "1.0.0"
    # a verified switch is not undone by a later run of the same version (unhealthy or not)
    switch(root, packages, "1.1.0", health_command=health, revert_unhealthy=True)
    (root / "releases" / "1.1.0" / "release.json").write_text(
        '{"name": "his-client", "version": "1.1.0", "broken": true}\n'
    )
    later = switch(root, packages, "1.1.0", health_command=health, revert_unhealthy=True)
    assert not later.get("reverted") and later["health"]["rc"] != 0 and later["actions"] == []
    assert os.readlink(root / "current") == "releases/1.1.0"


def test_a_switch_away_from_a_version_never_verified_keeps_the_one_before_as_previous(
    tmp_path, packages, monkeypatch
):
    """Found by the clients campaign (reliability/clients.py --seed 11 --steps 42): the power
    went before a broken build's revert; the next rollout switched that workstation to a
    good version, stopped elsewhere, and its put-back (to previous) brought the broken,
    never verified build back."""
    root = tmp_path / "opt"
    switch(root, packages, "1.0.0")
    health = str(root / "current" / "bin" / "his-client") + " health"
    real_symlink = os.symlink

    def power_cut_at_the_revert(*args, **kwargs):
        if args[0] == "releases/1.0.0":
            raise KeyboardInterrupt("power cut")
        return real_symlink(*args, **kwargs)

    monkeypatch.setattr(os, "symlink", power_cut_at_the_revert)
    with pytest.raises(KeyboardInterrupt):
        switch(root, packages, "9.9.9", health_command=health, revert_unhealthy=True)
    monkeypatch.setattr(os, "symlink", real_symlink)

    moved = switch(root, packages, "1.1.0", health_command=health, revert_unhealthy=True)
    assert moved["after"]["current"] == "1.1.0" and moved["after"]["previous"] == "1.0.0"
    back = release.apply(str(root), "rolled_back")  # what a stopped rollout's put-back does
    assert back["after"]["current"] == "1.0.0"
    assert client(root, "health").returncode == 0
