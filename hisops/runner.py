"""Run playbooks through ansible-runner, leaving a run record and runner artifacts.

Every run started by the ``hisops`` command gets an ident; the run_record callback
writes ``<records>/<UTC stamp>-<playbook>-<ident>.jsonl`` and ansible-runner writes its
artifacts (``stdout``, ``status``, ``rc``, ``job_events/``) into ``<records>/<ident>/``,
side by side, so an incident report finds both from one id.
"""

from __future__ import annotations

import datetime
import getpass
import json
import os
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK_DIR = REPO_ROOT / "playbooks"


def records_dir() -> Path:
    return Path(os.environ.get("HISOPS_RUN_RECORD_DIR", REPO_ROOT / "var" / "records"))


def operator_name() -> str:
    env = os.environ.get("HISOPS_OPERATOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


@dataclass
class RunResult:
    ident: str
    playbook: str
    status: str  # successful / failed / timeout / canceled
    rc: int
    record: Path | None
    artifacts: Path
    stats: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ident": self.ident,
            "playbook": self.playbook,
            "status": self.status,
            "rc": self.rc,
            "record": str(self.record) if self.record else None,
            "artifacts": str(self.artifacts),
            "stats": self.stats,
        }


def resolve_playbook(name: str) -> Path:
    """``switch_backup``, ``switch_backup.yml`` or a path: the playbook file to run."""
    candidate = Path(name)
    if candidate.suffix not in (".yml", ".yaml"):
        candidate = candidate.with_suffix(".yml")
    for path in (candidate, PLAYBOOK_DIR / candidate):
        if path.is_file():
            return path.resolve()
    known = sorted(p.stem for p in PLAYBOOK_DIR.glob("*.yml"))
    raise FileNotFoundError(f"no playbook {name!r}; known playbooks: {', '.join(known)}")


# ansible-core's ssh-agent support imports cryptography's DSA names, and cryptography >= 44
# warns about it on every ansible-playbook start: two lines at the top of every run's
# output. Only that warning is silenced (PYTHONWARNINGS matches the message's start).
DSA_WARNING_FILTER = "ignore:DSA is deprecated"


def quiet_python_warnings(current: str | None) -> str:
    """PYTHONWARNINGS for the playbook processes: the caller's filters plus the DSA one."""
    filters = [f for f in (current or "").split(",") if f and f != DSA_WARNING_FILTER]
    return ",".join([*filters, DSA_WARNING_FILTER])


def run_playbook(
    playbook: str,
    *,
    inventory: str | Path | None = None,
    extravars: dict[str, Any] | None = None,
    check: bool = False,
    diff: bool = False,
    limit: str | None = None,
    forks: int | None = None,
    quiet: bool = False,
    envvars: dict[str, str] | None = None,
    incident: str | None = None,
) -> RunResult:
    """``incident`` (or ``$HISOPS_INCIDENT``): an open incident the run is made for; it is
    checked before the run, and the run record lands in its timeline after."""
    import ansible_runner

    path = resolve_playbook(playbook)
    incident = incident or os.environ.get("HISOPS_INCIDENT") or None
    if incident:
        from hisops.incident import link

        link.check(incident)
    ident = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ-")
    ident += uuid.uuid4().hex[:6]
    record_root = records_dir()
    record_root.mkdir(parents=True, exist_ok=True)

    cmdline: list[str] = []
    if check:
        cmdline.append("--check")
    if diff:
        cmdline.append("--diff")
    env = {
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "HISOPS_RUN_ID": ident,
        "HISOPS_OPERATOR": operator_name(),
        "HISOPS_RUN_RECORD_DIR": str(record_root),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "ANSIBLE_FORCE_COLOR": "0",
        # ansible-runner turns host key checking off unless told otherwise (docs/host-keys.md)
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "PYTHONWARNINGS": quiet_python_warnings(os.environ.get("PYTHONWARNINGS")),
    }
    if incident:
        env["HISOPS_INCIDENT"] = str(incident)
    env.update(envvars or {})
    with tempfile.TemporaryDirectory(prefix="hisops-runner-") as private:
        kwargs: dict[str, Any] = {
            "private_data_dir": private,
            "project_dir": str(REPO_ROOT),
            "playbook": str(path),
            "ident": ident,
            "artifact_dir": str(record_root),
            "envvars": env,
            "extravars": extravars or {},
            "quiet": quiet,
            "cmdline": " ".join(cmdline) or None,
            "rotate_artifacts": 0,
        }
        if inventory:
            kwargs["inventory"] = str(Path(inventory).resolve())
        if limit:
            kwargs["limit"] = limit
        if forks:
            kwargs["forks"] = forks
        runner = ansible_runner.run(**kwargs)
    records = sorted(record_root.glob(f"*-{ident}.jsonl"))
    result = RunResult(
        ident=ident,
        playbook=path.name,
        status=runner.status,
        rc=int(runner.rc if runner.rc is not None else 1),
        record=records[-1] if records else None,
        artifacts=record_root / ident,
        stats=_stats(runner),
    )
    if incident:
        from hisops.incident import link

        link.record(incident, result.to_dict())
    return result


def _stats(runner) -> dict[str, dict[str, int]]:
    stats = runner.stats or {}
    hosts: dict[str, dict[str, int]] = {}
    for key in ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored"):
        for host, count in (stats.get(key) or {}).items():
            hosts.setdefault(host, {})[key] = count
    return hosts


def read_record(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
