# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pgBackRest for the DB pair: where each repository lives, each host's configuration
(rendered, pure), and running its commands on a host.

Repositories:

* ``repo1`` (target ``local``, P6.1) on the disk of the *standby* (the primary's when the
  pair has no working standby): the daily backup is taken there, from the standby's own
  files (``backup-standby``), so the primary only marks the start and the end of it;
* ``repo2`` (target ``offsite``, P6.2) on the backup host (``repo2-host`` over SSH, as
  user ``postgres``); its backups are taken on the backup host, from the standby too;
* the removable drive (target ``removable``, P6.3) is a copy of ``repo2`` made on the
  backup host (``mirror.py``), never a repository of the WAL archive.

WAL: PostgreSQL's ``archive_command`` pushes every segment to repo1 and repo2 with
``archive-async``: when one of them is away the segments still reach the other, and the
removable drive, which is away most of the month, is not in the archive at all (an
archive repository that is away would hold PostgreSQL's archiving back; see
docs/backups.md).

pgBackRest refuses a backup on a host where both a PostgreSQL host and a repository are
remote ("pg and repo hosts cannot both be configured as remote"), so the host holding
repo1 has a second file, ``hisops-daily.conf``, with repo1 alone for the daily backup.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    InputError,
    PgBackRestError,
)

CONFIG = "/etc/pgbackrest/pgbackrest.conf"
DAILY_CONFIG = "/etc/pgbackrest/hisops-daily.conf"
REPO_OF_TARGET = {"local": 1, "offsite": 2}
BACKUP_TYPES = ("auto", "full", "diff", "incr")
COMPRESS_TYPES = ("zst", "lz4", "gz", "none")
# The levels each type takes. zst's default is 1, not pgBackRest's 3: on a 2-core server
# busy with its standby, level 1 took a 2 GB full backup 0.96x as fast as pg_basebackup
# against 0.87x for level 3, for a repository 13 % larger (docs/benchmarks.md, issue 18);
# the other types keep pgBackRest's own default.
COMPRESS_LEVELS = {"zst": (1, 19), "lz4": (1, 12), "gz": (0, 9)}
DEFAULT_COMPRESS_LEVEL = {"zst": 1}
# pgBackRest's largest repo-retention-full: its automatic expire then removes no backup
PGBACKREST_MAX_RETENTION = 9999999
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
# the message goes on over indented lines (pgBackRest wraps the cause, e.g. "[28] No space
# left on device", onto them)
_ERROR = re.compile(r"ERROR: \[(\d+)\]: (.*(?:\n[ \t]+\S.*)*)")


@dataclass(frozen=True)
class Node:
    name: str
    address: str


@dataclass(frozen=True)
class Layout:
    """Where everything is; validated by :func:`layout_from` before anything is touched."""

    stanza: str
    primary: Node
    standby: Node | None
    backup_host: Node
    pg_version: str = "15"
    pg_cluster: str = "main"
    local_repo_path: str = "/var/lib/pgbackrest"
    offsite_repo_path: str = "/srv/backup/pgbackrest"
    drive_mount: str = "/srv/removable"
    local_retention_full: int = 2
    # full backups over which repo2 keeps point-in-time recovery (retention.py: which
    # backups repo2 keeps is hisops' choice, its pgBackRest count is the maximum)
    offsite_retention_archive: int = 3
    compress_type: str = "zst"
    compress_level: int | None = 1
    process_max: int = 2
    archive_timeout: int = 60

    @property
    def pg_path(self) -> str:
        return f"/var/lib/postgresql/{self.pg_version}/{self.pg_cluster}"

    @property
    def pg_conf_dir(self) -> str:
        return f"/etc/postgresql/{self.pg_version}/{self.pg_cluster}/conf.d"

    @property
    def local_host(self) -> Node:
        """The DB server whose disk holds repo1 and which takes the daily backup."""
        return self.standby or self.primary

    @property
    def drive_repo_path(self) -> str:
        return self.drive_mount.rstrip("/") + "/pgbackrest"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _node(value: Any, field: str, required: bool = True) -> Node | None:
    if value in (None, "", {}) and not required:
        return None
    if not isinstance(value, dict) or not value.get("name") or not value.get("address"):
        raise InputError(field, "must be a host with 'name' and 'address'")
    name, address = str(value["name"]), str(value["address"])
    if not _NAME.match(name) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9.:-]*$", address):
        raise InputError(field, f"{name!r} / {address!r} is not a host name and address")
    return Node(name, address)


def _required_node(value: Any, field: str) -> Node:
    node = _node(value, field)
    if node is None:  # _node raises for a required one; this is for the type checker
        raise InputError(field, "is required")
    return node


def _path(params: dict[str, Any], key: str, default: str) -> str:
    value = str(params.get(key) or default)
    if not value.startswith("/") or ".." in value.split("/") or "\n" in value:
        raise InputError(key, f"{value!r} must be an absolute path")
    return value.rstrip("/") or "/"


def _int(params: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = params.get(key, default)
    if value is None:
        value = default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(key, f"{value!r} is not a whole number") from None
    if isinstance(value, bool) or not low <= number <= high:
        raise InputError(key, f"{value!r} must be from {low} to {high}")
    return number


def _compress_level(value: Any, compress: str) -> int | None:
    if value in (None, ""):
        return DEFAULT_COMPRESS_LEVEL.get(compress)
    if compress not in COMPRESS_LEVELS:
        raise InputError("compress_level", f"compress_type {compress} takes no level")
    low, high = COMPRESS_LEVELS[compress]
    return _int({"compress_level": value}, "compress_level", low, low, high)


def layout_from(params: dict[str, Any]) -> Layout:
    """The layout from the role's variables; raises :class:`InputError` naming the field."""
    stanza = str(params.get("stanza") or "his")
    if not _NAME.match(stanza):
        raise InputError("stanza", f"{stanza!r} must be letters, digits, '_', '.', '-'")
    primary = _required_node(params.get("primary"), "primary")
    standby = _node(params.get("standby"), "standby", required=False)
    backup_host = _required_node(params.get("backup_host"), "backup_host")
    if standby is not None and standby.name == primary.name:
        raise InputError("standby", f"{standby.name} is also the primary")
    compress = str(params.get("compress_type") or "zst")
    if compress not in COMPRESS_TYPES:
        raise InputError("compress_type", f"{compress!r} is not one of {', '.join(COMPRESS_TYPES)}")
    level = _compress_level(params.get("compress_level"), compress)
    return Layout(
        stanza=stanza,
        primary=primary,
        standby=standby,
        backup_host=backup_host,
        pg_version=str(params.get("pg_version") or "15"),
        pg_cluster=str(params.get("pg_cluster") or "main"),
        local_repo_path=_path(params, "local_repo_path", "/var/lib/pgbackrest"),
        offsite_repo_path=_path(params, "offsite_repo_path", "/srv/backup/pgbackrest"),
        drive_mount=_path(params, "drive_mount", "/srv/removable"),
        local_retention_full=_int(params, "local_retention_full", 2, 1, 100),
        offsite_retention_archive=_int(params, "offsite_retention_archive", 3, 1, 100),
        compress_type=compress,
        compress_level=level,
        process_max=_int(params, "process_max", 2, 1, 16),
        archive_timeout=_int(params, "archive_timeout", 60, 0, 86400),
    )


def _ini(sections: list[tuple[str, list[tuple[str, Any]]]], head: str) -> str:
    lines = [f"# Managed by hisops.emergency (backup_run): {head}"]
    for section, options in sections:
        lines += ["", f"[{section}]"]
        lines += [f"{key}={value}" for key, value in options]
    return "\n".join(lines) + "\n"


def _common(layout: Layout) -> list[tuple[str, Any]]:
    return [
        ("log-path", "/var/log/pgbackrest"),
        ("lock-path", "/tmp/pgbackrest"),
        ("log-level-console", "warn"),
        ("log-level-file", "info"),
        ("compress-type", layout.compress_type),
        *([("compress-level", layout.compress_level)] if layout.compress_level is not None else []),
        ("process-max", layout.process_max),
        ("start-fast", "y"),
    ]


def _repo1(layout: Layout, local: bool) -> list[tuple[str, Any]]:
    remote = [] if local else [("repo1-host", layout.local_host.address),
                               ("repo1-host-user", "postgres")]  # fmt: skip
    return [*remote, ("repo1-path", layout.local_repo_path),
            ("repo1-retention-full", layout.local_retention_full)]  # fmt: skip


def _repo2(layout: Layout, local: bool, path: str | None = None) -> list[tuple[str, Any]]:
    remote = [] if local else [("repo2-host", layout.backup_host.address),
                               ("repo2-host-user", "postgres")]  # fmt: skip
    # pgBackRest's own expire (after every backup) never removes an off-site backup: hisops
    # removes the ones its retention lets go (retention.py), never an archive copy
    return [*remote, ("repo2-path", path or layout.offsite_repo_path),
            ("repo2-retention-full", PGBACKREST_MAX_RETENTION),
            ("repo2-retention-archive-type", "full"),
            ("repo2-retention-archive", layout.offsite_retention_archive)]  # fmt: skip


def role_of(layout: Layout, host: str) -> str:
    if host == layout.primary.name:
        return "primary"
    if layout.standby is not None and host == layout.standby.name:
        return "standby"
    if host == layout.backup_host.name:
        return "backup_host"
    raise InputError("host", f"{host!r} is neither of the pair nor the backup host")


def render(layout: Layout, host: str) -> dict[str, str]:
    """Every pgBackRest and PostgreSQL file ``host`` needs: ``{path: content}``."""
    role = role_of(layout, host)
    files: dict[str, str] = {}
    if role == "backup_host":
        pg: list[tuple[str, Any]] = [("pg1-host", layout.primary.address),
                                     ("pg1-host-user", "postgres"), ("pg1-path", layout.pg_path)]  # fmt: skip
        if layout.standby is not None:
            pg += [("pg2-host", layout.standby.address), ("pg2-host-user", "postgres"),
                   ("pg2-path", layout.pg_path)]  # fmt: skip
        glob = [*_common(layout), *_repo2(layout, local=True)]
        if layout.standby is not None:
            glob.append(("backup-standby", "y"))
        files[CONFIG] = _ini(
            [("global", glob), (layout.stanza, pg)],
            "the off-site repository (repo2); backups taken here from the standby",
        )
        return files
    is_local = host == layout.local_host.name
    archive = [
        *_common(layout),
        ("archive-async", "y"),
        ("spool-path", "/var/spool/pgbackrest"),
        *_repo1(layout, local=is_local),
        *_repo2(layout, local=False),
    ]
    files[CONFIG] = _ini(
        [("global", archive), (layout.stanza, [("pg1-path", layout.pg_path)])],
        "WAL archiving of this node to repo1 (DB server disk) and repo2 (off-site)",
    )
    if is_local:
        daily = [*_common(layout), *_repo1(layout, local=True)]
        pg = [("pg1-path", layout.pg_path)]
        if layout.standby is not None:
            daily.append(("backup-standby", "y"))
            pg += [("pg2-host", layout.primary.address), ("pg2-host-user", "postgres"),
                   ("pg2-path", layout.pg_path)]  # fmt: skip
        files[DAILY_CONFIG] = _ini(
            [("global", daily), (layout.stanza, pg)],
            "the daily backup to this server's own disk (repo1)",
        )
    files[f"{layout.pg_conf_dir}/hisops-backup.conf"] = (
        "# Managed by hisops.emergency (backup_run): continuous WAL archiving (plan P6.1)\n"
        "archive_mode = on\n"
        f"archive_command = 'pgbackrest --stanza={layout.stanza} archive-push %p'\n"
        f"archive_timeout = {layout.archive_timeout}\n"
    )
    return files


# -- running pgBackRest on a host ---------------------------------------------------------
def run(argv: list[str], timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=timeout, env=_env()
        )
    except FileNotFoundError:
        raise PgBackRestError("pgbackrest is not installed (Debian package pgbackrest)") from None
    except subprocess.TimeoutExpired:
        raise PgBackRestError(f"pgbackrest {argv[-1]} did not finish in {timeout:.0f} s") from None


def _env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "USER", "LOGNAME")
    return {k: v for k, v in os.environ.items() if k in keep}


def error_of(done: subprocess.CompletedProcess[str]) -> PgBackRestError:
    text = (done.stderr or "") + (done.stdout or "")
    found = _ERROR.findall(text)
    if found:
        code, message = found[-1]
        return PgBackRestError(f"pgBackRest error {code}", " ".join(message.split())[:800])
    return PgBackRestError(f"pgbackrest exited {done.returncode}", text.strip()[-800:])


def base_argv(config: str, stanza: str, repo: int, repo_path: str = "") -> list[str]:
    argv = ["pgbackrest", f"--config={config}", f"--stanza={stanza}", f"--repo={repo}"]
    if repo_path:
        argv.append(f"--repo{repo}-path={repo_path}")
    return argv


def info(config: str, stanza: str, repo: int, repo_path: str = "") -> dict[str, Any]:
    """The stanza's ``info`` in that repository (``{}`` when pgBackRest knows no stanza)."""
    done = run([*base_argv(config, stanza, repo, repo_path), "--output=json", "info"], 300)
    if done.returncode != 0:
        raise error_of(done)
    data = json.loads(done.stdout or "[]")
    return data[0] if data else {}


def backups(stanza_info: dict[str, Any]) -> list[dict[str, Any]]:
    """The repository's backups, oldest first: label, type, start/stop time, sizes, WAL."""
    found = []
    for item in stanza_info.get("backup", []) or []:
        stamp = item.get("timestamp") or {}
        sizes = item.get("info") or {}
        repo = sizes.get("repository") or {}
        found.append(
            {
                "label": item.get("label"),
                "type": item.get("type"),
                "error": bool(item.get("error")),
                "started": _iso(stamp.get("start")),
                "stopped": _iso(stamp.get("stop")),
                "seconds": (stamp.get("stop") or 0) - (stamp.get("start") or 0),
                "size": sizes.get("size"),
                "repo_size": repo.get("size"),
                "wal_start": (item.get("archive") or {}).get("start"),
                "wal_stop": (item.get("archive") or {}).get("stop"),
                "lsn_start": (item.get("lsn") or {}).get("start"),
                "lsn_stop": (item.get("lsn") or {}).get("stop"),
                "prior": item.get("prior"),
            }
        )
    return found


def _iso(epoch: Any) -> str | None:
    if not epoch:
        return None
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_code(stanza_info: dict[str, Any]) -> int:
    return int(((stanza_info.get("status") or {}).get("code")) or 0) if stanza_info else 1


def choose_type(
    requested: str, existing: list[dict[str, Any]], now: datetime, full_every_days: int
) -> str:
    """``auto``: a full backup when the repository has no good full one newer than
    ``full_every_days``, else an incremental one on the last."""
    if requested != "auto":
        return requested
    fulls = [b for b in existing if b["type"] == "full" and not b["error"] and b["stopped"]]
    if not fulls:
        return "full"
    newest = datetime.strptime(fulls[-1]["stopped"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    return "full" if (now - newest).days >= full_every_days else "incr"


@dataclass
class BackupResult:
    changed: bool
    repo: int
    type: str
    label: str | None = None
    seconds: float | None = None
    size: int | None = None
    repo_size: int | None = None
    backups: int = 0
    lsn_stop: str | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ensure_stanza(config: str, stanza: str, repo: int, check: bool) -> bool:
    """``stanza-create`` when the repository has none (changed), else nothing."""
    try:
        code = status_code(info(config, stanza, repo))
    except PgBackRestError:  # e.g. [055] an empty repository directory: no info file yet
        code = 1
    if code not in (1, 3):  # 1: missing stanza path, 3: missing stanza data
        return False
    if not check:
        # stanza-create works on every repository of the file (it takes no --repo): the
        # daily file names repo1 alone, the backup host's repo2 alone
        done = run(["pgbackrest", f"--config={config}", f"--stanza={stanza}", "stanza-create"], 600)
        if done.returncode != 0:
            raise error_of(done)
    return True


def take_backup(
    config: str,
    stanza: str,
    repo: int,
    requested: str,
    full_every_days: int,
    check: bool,
    today: date | None = None,
) -> BackupResult:
    """One backup into ``repo``; in check mode only the type it would take."""
    if requested not in BACKUP_TYPES:
        raise InputError("type", f"{requested!r} is not one of {', '.join(BACKUP_TYPES)}")
    try:
        before = backups(info(config, stanza, repo))
    except PgBackRestError as exc:
        if not check:
            raise
        # check mode before the first run: nothing configured yet, nothing to read
        return BackupResult(True, repo, requested, message=f"would take a backup into "
                            f"repo{repo} (its type decided then: {exc})")  # fmt: skip
    kind = choose_type(requested, before, datetime.now(timezone.utc), full_every_days)
    if check:
        return BackupResult(True, repo, kind, backups=len(before),
                            message=f"would take a backup of type {kind} into repo{repo}")  # fmt: skip
    done = run([*base_argv(config, stanza, repo), f"--type={kind}", "backup"])
    if done.returncode != 0:
        raise error_of(done)
    after = backups(info(config, stanza, repo))
    known = {b["label"] for b in before}
    new = [b for b in after if b["label"] not in known]
    if not new:
        raise PgBackRestError(f"pgbackrest backup to repo{repo} ended without a new backup")
    made = new[-1]
    return BackupResult(
        True,
        repo,
        kind,
        label=made["label"],
        seconds=made["seconds"],
        size=made["size"],
        repo_size=made["repo_size"],
        backups=len(after),
        lsn_stop=made["lsn_stop"],
        message=f"{kind} backup {made['label']} into repo{repo}",
    )


def expire_sets(config: str, stanza: str, repo: int, labels: list[str]) -> list[str]:
    """``expire --set`` of each label, oldest first (one whose full went with it is
    skipped); returns the commands run."""
    commands = []
    for label in labels:
        argv = [*base_argv(config, stanza, repo), f"--set={label}", "expire"]
        done = run(argv, 1800)
        if done.returncode != 0:
            raise error_of(done)
        commands.append(" ".join(argv[3:]))
    return commands
