# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync-degrade service (``degrade.py``) installed, running and proven on one node in
one step: its code, settings, systemd unit and init script written where they differ,
systemd told of a new unit, the service enabled, started (restarted on new files), and
its record fresh with the mode asked for.

One module run per node instead of a task per file (about 15 module runs per node, each
a Python started on the node, on every build of every pair): ``db_standby_build`` runs
on every build and rebuild, so the service's cost is paid many times.

The code installed is the collection's own: the module's payload carries ``degrade.py``
and what it imports, and their source is what gets written (``sources``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.degrade import (
    MODES,
    read_record,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import (
    InputError,
    PgHaError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.files import write_atomic

SERVICE = "hisops-sync-degrade"
UNIT_PATH = f"/etc/systemd/system/{SERVICE}.service"
INIT_PATH = f"/etc/init.d/{SERVICE}"
# The package the service imports (``python3 -m <package>.degrade``) under the libdir.
PACKAGE = "ansible_collections/hisops/emergency/plugins/module_utils/pgha"
CODE_FILES = ("__init__.py", "errors.py", "degrade.py")
SETTINGS = (
    "node",
    "peer",
    "mode",
    "degrade_after_s",
    "restore_after_s",
    "pg_version",
    "pg_cluster",
)
FRESH_S = 10.0  # a record older than this was written by a service that is not running

Run = Callable[[list[str]], tuple[int, str, str]]


class ServiceError(PgHaError):
    """The service could not be enabled or started, or does not prove it runs."""

    code = "service_failed"


@dataclass
class Wanted:
    """One file as it must be (the diff shows the settings and units, the code by name)."""

    path: str
    content: str
    mode: int
    kind: str  # code | settings | unit (a unit changed: systemd reloads)
    before: str | None = None  # what is there now (None: missing)
    mode_before: int | None = None

    @property
    def differs(self) -> bool:
        return self.before != self.content or self.mode_before != self.mode


@dataclass
class Outcome:
    changed: bool = False
    files: list[str] = field(default_factory=list)  # written (or would be, in check mode)
    actions: list[str] = field(default_factory=list)  # systemctl actions taken
    record: dict[str, Any] | None = None
    diff: list[dict[str, str]] = field(default_factory=list)


def settings_text(settings: dict[str, Any]) -> str:
    """The settings file, as the role wrote it before (``to_nice_json``)."""
    return json.dumps(settings, indent=4, sort_keys=True, ensure_ascii=False) + "\n"


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    missing = [key for key in SETTINGS if key not in settings]
    if missing:
        raise InputError("settings", f"{', '.join(missing)} missing")
    if settings["mode"] not in MODES:
        raise InputError("settings.mode", f"{settings['mode']!r} is not one of {', '.join(MODES)}")
    for key in ("degrade_after_s", "restore_after_s"):
        try:
            value = float(settings[key])
        except (TypeError, ValueError):
            raise InputError(f"settings.{key}", f"{settings[key]!r} is not a number") from None
        if not 0.5 <= value <= 3600:
            raise InputError(f"settings.{key}", f"{value} is outside 0.5-3600 seconds")
        settings = {**settings, key: value}
    return settings


def wanted_files(
    libdir: str,
    config: str,
    settings: dict[str, Any],
    unit: str,
    init_script: str,
    sources: dict[str, str],
    unit_path: str = UNIT_PATH,
    init_path: str = INIT_PATH,
) -> list[Wanted]:
    if not os.path.isabs(libdir) or not os.path.isabs(config):
        bad = "libdir" if not os.path.isabs(libdir) else "config"
        raise InputError(bad, "must be an absolute path")
    missing = [name for name in CODE_FILES if name not in sources]
    if missing:
        raise InputError("sources", f"the service's code lacks {', '.join(missing)}")
    files = [
        Wanted(os.path.join(libdir, PACKAGE, name), sources[name], 0o644, "code")
        for name in CODE_FILES
    ]
    files.append(Wanted(config, settings_text(settings), 0o644, "settings"))
    files.append(Wanted(unit_path, unit, 0o644, "unit"))
    files.append(Wanted(init_path, init_script, 0o755, "unit"))
    for wanted in files:
        try:
            with open(wanted.path, encoding="utf-8") as handle:
                wanted.before = handle.read()
            wanted.mode_before = os.stat(wanted.path).st_mode & 0o7777
        except (OSError, UnicodeDecodeError):
            wanted.before = wanted.mode_before = None
    return files


def _write(wanted: Wanted) -> None:
    os.makedirs(os.path.dirname(wanted.path), mode=0o755, exist_ok=True)
    write_atomic(wanted.path, wanted.content, mode=wanted.mode)


def install(
    files: list[Wanted],
    run: Run,
    check_mode: bool,
    record_file: str,
    mode: str,
    wait_s: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Write what differs, then the service enabled, running on those files, its record
    fresh with ``mode``; in check mode, what would be done."""
    out = Outcome()
    changed_files = [f for f in files if f.differs]
    out.files = [f.path for f in changed_files]
    for wanted in changed_files:
        out.diff.append(
            {
                "before_header": wanted.path,
                "after_header": wanted.path,
                "before": (wanted.before or "")
                if wanted.kind != "code"
                else ("" if wanted.before is None else "(the code installed before)\n"),
                "after": wanted.content if wanted.kind != "code" else "(this collection's code)\n",
            }
        )
        if not check_mode:
            _write(wanted)

    def systemctl(*args: str) -> tuple[int, str, str]:
        return run(["systemctl", *args])

    unit_changed = any(f.kind == "unit" for f in changed_files)
    if unit_changed:
        out.actions.append("daemon-reload")
        if not check_mode:
            systemctl("daemon-reload")
    if systemctl("is-enabled", SERVICE)[0] != 0:
        out.actions.append("enable")
        if not check_mode:
            _must(systemctl("enable", SERVICE), "enable")
    if systemctl("is-active", SERVICE)[0] != 0:
        out.actions.append("start")
        if not check_mode:
            _must(systemctl("start", SERVICE), "start")
    elif changed_files:
        out.actions.append("restart")
        if not check_mode:
            _must(systemctl("restart", SERVICE), "restart")
    out.changed = bool(changed_files or out.actions)
    if check_mode:
        out.record = read_record(record_file)
        return out
    out.record = wait_fresh(
        record_file, mode, wait_s, restarted_at=time.time() if out.actions else None, sleep=sleep
    )
    return out


def _must(done: tuple[int, str, str], action: str) -> None:
    rc, stdout, stderr = done
    if rc != 0:
        raise ServiceError(
            f"systemctl {action} {SERVICE} failed (rc {rc}): {(stderr or stdout).strip()[:300]}"
        )


def wait_fresh(
    record_file: str,
    mode: str,
    wait_s: float,
    restarted_at: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The service's record, once it is fresh (written in the last FRESH_S seconds, after a
    restart when there was one) and says ``mode``: proof the service runs these settings."""
    deadline = time.monotonic() + wait_s
    while True:
        record = read_record(record_file)
        if (
            record is not None
            and record.get("age_s", FRESH_S) < FRESH_S
            and record.get("mode") == mode
        ):
            written = time.time() - float(record["age_s"])
            if restarted_at is None or written >= restarted_at - 1.0:
                return record
        if time.monotonic() >= deadline:
            raise ServiceError(
                f"{SERVICE} runs but its record ({record_file}) is not fresh with mode {mode} "
                f"after {wait_s:.0f} s: {record}; see its log beside the record"
            )
        sleep(0.5)
