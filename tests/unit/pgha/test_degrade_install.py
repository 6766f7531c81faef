"""The sync-degrade service installed in one step (pgha/degrade_install.py), on a temporary
root with systemctl answered by a recorder; the real service on lab hosts is covered by
tests/integration/test_db_pair.py and the db_standby_build molecule scenario."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import degrade_install as di
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError

SETTINGS = {
    "node": "his-db-1",
    "peer": "his-db-2",
    "mode": "sync",
    "degrade_after_s": 5,
    "restore_after_s": 1,
    "pg_version": "15",
    "pg_cluster": "main",
}
SOURCES = {"__init__.py": "", "errors.py": "# errors\n", "degrade.py": "# degrade\n"}


class Systemctl:
    """systemctl as a host answers it: enabled/active after enable/start."""

    def __init__(self, enabled: bool = False, active: bool = False, record: Path | None = None):
        self.enabled, self.active, self.record = enabled, active, record
        self.calls: list[str] = []

    def __call__(self, argv: list[str]) -> tuple[int, str, str]:
        assert argv[0] == "systemctl"
        verb = argv[1]
        self.calls.append(verb)
        if verb == "is-enabled":
            return (0 if self.enabled else 1), "", ""
        if verb == "is-active":
            return (0 if self.active else 3), "", ""
        if verb == "enable":
            self.enabled = True
        if verb in ("start", "restart"):
            self.active = True
            if self.record is not None:  # the service writes its record when it starts
                self.record.write_text(json.dumps({"mode": SETTINGS["mode"], "state": "sync"}))
        return 0, "", ""


def files(tmp_path: Path, settings: dict | None = None, unit: str = "[Unit]\n") -> list:
    return di.wanted_files(
        str(tmp_path / "lib"),
        str(tmp_path / "etc" / "sync-degrade.json"),
        di.check_settings(dict(settings or SETTINGS)),
        unit,
        "#!/bin/sh\n",
        SOURCES,
        unit_path=str(tmp_path / "unit.service"),
        init_path=str(tmp_path / "init.d" / "hisops-sync-degrade"),
    )


def install(tmp_path: Path, ctl: Systemctl, check: bool = False, **kw) -> di.Outcome:
    return di.install(
        files(tmp_path, **kw), ctl, check, str(tmp_path / "record.json"), "sync", wait_s=2
    )


def test_first_install_writes_everything_enables_and_starts_then_changes_nothing(
    tmp_path: Path,
) -> None:
    ctl = Systemctl(record=tmp_path / "record.json")
    first = install(tmp_path, ctl)
    assert first.changed and len(first.files) == 6
    assert first.actions == ["daemon-reload", "enable", "start"]
    code = tmp_path / "lib" / di.PACKAGE / "degrade.py"
    assert code.read_text() == "# degrade\n" and oct(code.stat().st_mode & 0o777) == "0o644"
    assert os.access(tmp_path / "init.d" / "hisops-sync-degrade", os.X_OK)
    written = json.loads((tmp_path / "etc" / "sync-degrade.json").read_text())
    assert written["degrade_after_s"] == 5.0 and written["mode"] == "sync"
    assert first.record is not None and first.record["mode"] == "sync"

    ctl.calls.clear()
    again = install(tmp_path, ctl)
    assert not again.changed and again.files == [] and again.actions == []
    assert "restart" not in ctl.calls and "daemon-reload" not in ctl.calls


def test_a_new_setting_restarts_the_running_service_and_shows_in_the_diff(tmp_path: Path) -> None:
    ctl = Systemctl(record=tmp_path / "record.json")
    install(tmp_path, ctl)
    time.sleep(1.1)  # the restart's record must be newer than the restart
    changed = install(tmp_path, ctl, settings={**SETTINGS, "degrade_after_s": 2})
    assert changed.files == [str(tmp_path / "etc" / "sync-degrade.json")]
    assert changed.actions == ["restart"]  # not a unit: no daemon-reload
    assert '"degrade_after_s": 2.0' in changed.diff[0]["after"]
    assert '"degrade_after_s": 5.0' in changed.diff[0]["before"]


def test_check_mode_reports_and_touches_nothing(tmp_path: Path) -> None:
    ctl = Systemctl()
    preview = install(tmp_path, ctl, check=True)
    assert preview.changed and preview.actions == ["daemon-reload", "enable", "start"]
    assert not (tmp_path / "lib").exists() and not (tmp_path / "unit.service").exists()
    assert [c for c in ctl.calls if c not in ("is-enabled", "is-active")] == []
    assert all(d["after"] for d in preview.diff)  # code shown by name, not as text
    assert any(d["after"] == "(this collection's code)\n" for d in preview.diff)


def test_a_service_that_never_writes_its_record_fails_naming_the_record(tmp_path: Path) -> None:
    ctl = Systemctl(record=None)  # starts, but the service dies at once
    with pytest.raises(di.ServiceError, match="record.json.*not fresh with mode sync"):
        install(tmp_path, ctl)


def test_a_stale_record_is_no_proof(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"mode": "sync"}))
    old = time.time() - 60
    os.utime(record, (old, old))
    with pytest.raises(di.ServiceError):
        di.wait_fresh(str(record), "sync", 0.6)
    os.utime(record, None)
    assert di.wait_fresh(str(record), "sync", 0.6)["mode"] == "sync"
    with pytest.raises(di.ServiceError):  # fresh, but another mode
        di.wait_fresh(str(record), "strict", 0.6)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mode": "fast"}, "settings.mode"),
        ({"degrade_after_s": 0.1}, "settings.degrade_after_s"),
        ({"restore_after_s": "soon"}, "settings.restore_after_s"),
        ({"peer": None, "node": None}, None),
    ],
)
def test_bad_settings_are_refused_naming_the_field(change: dict, field: str | None) -> None:
    settings = {**SETTINGS, **change}
    if field is None:
        settings = {k: v for k, v in settings.items() if v is not None}
        field = "settings: node, peer missing"
    with pytest.raises(InputError, match=field):
        di.check_settings(settings)


def test_relative_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="libdir"):
        di.wanted_files("lib", "/etc/x.json", SETTINGS, "", "", SOURCES)
