"""Where the console's data comes from, each source read on its own: a source that is
missing or unreadable is named in ``Gathered.missing`` with the reason, and the page says
so for that part; nothing here raises.

Every read is read-only: a store that does not exist yet is reported missing, never
created (the incident and state stores create their directory when opened).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hisops.incident.messages import LANGUAGES
from hisops.runner import REPO_ROOT

PARTS = ("topology", "holds", "database", "clients", "incidents", "inspection", "site")


@dataclass
class Paths:
    """Each source's location; the defaults are the ones the playbooks and commands use."""

    topology: str = ""
    state_dir: str = ""
    db_status: str = ""
    ledger: str = ""
    incident_dir: str = ""
    incident_config: str = ""
    inspection: str = ""

    @classmethod
    def defaults(cls, **given: str | None) -> Paths:
        """``given`` (command-line values) over the environment over the repository's var/."""
        env = os.environ.get
        var = REPO_ROOT / "var"
        values = {
            "topology": env("HISOPS_TOPOLOGY")
            or str(REPO_ROOT / "hisops" / "lab" / "topologies" / "hospital.yml"),
            "state_dir": env("HISOPS_STATE_DIR") or str(var / "state"),
            "db_status": os.path.join(
                env("HISOPS_REPORT_DIR") or str(var / "reports"), "db_status.json"
            ),
            "ledger": env("HISOPS_CLIENT_LEDGER") or str(var / "client" / "ledger.json"),
            "incident_dir": env("HISOPS_INCIDENT_DIR") or str(var / "incidents"),
            "incident_config": env("HISOPS_INCIDENT_CONFIG") or "",
            "inspection": os.path.join(
                env("HISOPS_INSPECTION_DIR") or str(var / "inspections"), "latest.json"
            ),
        }
        values.update({k: v for k, v in given.items() if v})
        return cls(**values)


@dataclass
class Gathered:
    """What was read, as plain data (the model's only input), and what was not, with why."""

    now: datetime
    topology: Any = None  # hisops.lab.topology.Topology
    holds: list[dict[str, Any]] = field(default_factory=list)
    db_status: dict[str, Any] | None = None
    db_status_at: str = ""  # when the db_status report was written (its mtime, UTC ISO)
    ledger: dict[str, Any] | None = None
    incidents: list[dict[str, Any]] = field(default_factory=list)
    inspection: dict[str, Any] | None = None
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    missing: dict[str, str] = field(default_factory=dict)


def _mtime(path: str) -> str:
    moment = datetime.fromtimestamp(os.path.getmtime(path), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_file(path: str) -> dict[str, Any]:
    if not path or not os.path.exists(path):
        raise FileNotFoundError(f"{path or '(no path)'} does not exist")
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# path -> (modification time, size, topology): the server reads the topology once until
# the file changes (loading renders every switch's startup configuration: ~1 s for 200)
_TOPOLOGIES: dict[str, tuple[float, int, Any]] = {}


def read_topology(gathered: Gathered, paths: Paths) -> None:
    from hisops.lab.topology import load_topology

    try:
        status = os.stat(paths.topology)
        cached = _TOPOLOGIES.get(paths.topology)
        if cached and cached[:2] == (status.st_mtime, status.st_size):
            gathered.topology = cached[2]
            return
        gathered.topology = load_topology(paths.topology)
        _TOPOLOGIES[paths.topology] = (status.st_mtime, status.st_size, gathered.topology)
    except Exception as exc:  # any failure is a missing part, not a crash
        gathered.missing["topology"] = _reason(exc)


def state_store_module() -> Any:
    """module_utils/state/store.py, as the toolkit imports it; inside an Ansible module
    (the inspection's report module calls ``write_snapshot``) ``ansible_collections`` is
    AnsiballZ's, which carries only that module's module_utils: there the state package's
    files are loaded from the repository under a private name."""
    try:
        from hisops.state_cli import _state_modules

        return _state_modules()
    except ImportError:
        pass
    name = "_hisops_console_state"
    if name not in sys.modules:
        directory = REPO_ROOT / "plugins" / "module_utils" / "state"
        spec = importlib.util.spec_from_file_location(
            name, directory / "__init__.py", submodule_search_locations=[str(directory)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"the state store's package in {directory}")
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{name}.store")


def read_holds(gathered: Gathered, paths: Paths) -> None:
    if not os.path.exists(os.path.join(paths.state_dir, "state.db")):
        gathered.missing["holds"] = f"no state store in {paths.state_dir}"
        return
    try:
        store = state_store_module().StateStore(paths.state_dir)
        gathered.holds = [hold.as_dict() for hold in store.active()]
    except Exception as exc:
        gathered.missing["holds"] = _reason(exc)


def read_db_status(gathered: Gathered, paths: Paths) -> None:
    try:
        gathered.db_status = _json_file(paths.db_status)
        gathered.db_status_at = _mtime(paths.db_status)
    except Exception as exc:
        gathered.missing["database"] = _reason(exc)


def read_ledger(gathered: Gathered, paths: Paths) -> None:
    try:
        gathered.ledger = _json_file(paths.ledger)
    except Exception as exc:
        gathered.missing["clients"] = _reason(exc)


def read_inspection(gathered: Gathered, path: str) -> None:
    try:
        gathered.inspection = _json_file(path)
    except Exception as exc:
        gathered.missing["inspection"] = _reason(exc)


def read_site_and_incidents(gathered: Gathered, paths: Paths) -> None:
    """The site (language, time zone) and the incidents not yet closed, with each clock's
    due time, through hisops.incident's public reading functions."""
    from hisops.incident import config, notices, service
    from hisops.incident.store import Store

    try:
        site = config.load(paths.incident_config or None)
    except Exception as exc:
        gathered.missing["site"] = _reason(exc)
        gathered.missing["incidents"] = f"the site could not be read: {_reason(exc)}"
        return
    gathered.language = site.language
    gathered.timezone = str(site.tz.key)
    if not os.path.exists(os.path.join(paths.incident_dir, "incidents.db")):
        gathered.missing["incidents"] = f"no incident store in {paths.incident_dir}"
        return
    try:
        ctx = service.Context(store=Store(paths.incident_dir), site=site, operator="console")
        found = []
        for incident in service.listing(ctx):
            if incident["state"] == "closed":
                continue
            clocks = []
            if incident["class"] in site.clock_classes and not incident["recovered_at"]:
                clocks = [
                    {"stage": stage.name, "due": due.strftime("%Y-%m-%dT%H:%M:%SZ")}
                    for stage, due, _why in notices.stage_due(site, incident)
                ]
            found.append(
                {
                    "id": incident["id"],
                    "title": incident["title"],
                    "class": incident["class"],
                    "state": incident["state"],
                    "drill": bool(incident["drill"]),
                    "department_names": {
                        language: site.dept_name(incident["department"], language)
                        for language in LANGUAGES
                    }
                    if incident["department"]
                    else {},
                    "assignee": incident["assignee"],
                    "occurred_at": incident["occurred_at"],
                    "recovered_at": incident["recovered_at"],
                    "clocks": clocks,
                }
            )
        gathered.incidents = found
    except Exception as exc:
        gathered.missing["incidents"] = _reason(exc)


def gather(paths: Paths, now: datetime | None = None, inspection: str = "") -> Gathered:
    """Every source, each on its own (``inspection`` overrides the inspection path)."""
    gathered = Gathered(now=now or datetime.now(UTC).replace(microsecond=0))
    read_topology(gathered, paths)
    read_holds(gathered, paths)
    read_db_status(gathered, paths)
    read_ledger(gathered, paths)
    read_site_and_incidents(gathered, paths)
    read_inspection(gathered, inspection or paths.inspection)
    return gathered
