# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monthly restore drill (plan P6.5), on the backup host: a copy restored onto a
scratch PostgreSQL instance of its own, started, proven, and removed.

1. restore the copy (a pgBackRest backup label, from the off-site repository or the
   removable drive's copy of it) into ``<scratch>/data`` with pgBackRest, to exactly the
   WAL position its snapshot was counted at (``--type=lsn --target-exclusive``, promoted
   there); pgBackRest checks every file it restores against the checksum the backup
   recorded: a corrupted file fails the restore, and the drill, naming the file;
2. start it on its own port, listening on a Unix socket in the scratch directory only
   (no TCP: nothing but the drill reaches it), its own configuration (no archiving, no
   replication, small memory): the production configuration is not in the copy;
3. prove it: ``pg_amcheck --all --heapallindexed`` (every table and every B-tree index of
   every database) and, beside it, each table's row count and checksum against the
   snapshot taken on the standby when the copy was made (``snapshot.py``);
4. measure: RTO = restore + start until it accepts connections as a primary; RPO = the
   time the restored data is from (its last transaction), and how old that is;
5. stop it and remove everything under the scratch directory, whatever happened.

A drill's failure is a result (``passed: false`` with the failed check and its words),
never an exception: the controller records every drill, failed ones too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup import snapshot
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    BackupError,
    InputError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.mirror import (
    DriveAbsent,
    is_mounted,
)

TARGETS = ("offsite", "removable")
_LABEL = re.compile(r"^[0-9]{8}-[0-9]{6}F(_[0-9]{8}-[0-9]{6}[DI])?$")
_FILE = re.compile(r"'?((?:pg_data|backup|archive)/[^\s':,]+|/[^\s':,]+)'?")
PROTECTED = ("/", "/etc", "/usr", "/var", "/var/lib", "/var/lib/postgresql", "/srv", "/home")


def check_target(value: Any, field: str = "target") -> str:
    if value not in TARGETS:
        raise InputError(
            field,
            f"unknown target {value!r}: a drill restores an off-site copy or the removable "
            f"drive's (known: {', '.join(TARGETS)})",
        )
    return str(value)


def check_port(value: Any, field: str = "port") -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise InputError(field, f"{value!r} is not a port number") from None
    if isinstance(value, bool) or not 1024 <= port <= 65535:
        raise InputError(field, f"{value!r} must be from 1024 to 65535")
    if port == 5432:
        raise InputError(field, "5432 is PostgreSQL's own port: the scratch instance needs its own")
    return port


def check_scratch(value: Any, repo_path: str = "", field: str = "scratch") -> str:
    path = os.path.normpath(str(value or ""))
    if not str(value or "").startswith("/") or path in PROTECTED or path.count("/") < 2:
        raise InputError(
            field,
            f"{value!r} must be an absolute directory of its own (everything in it is deleted)",
        )
    if repo_path:
        repo = os.path.normpath(repo_path)
        if repo == path or repo.startswith(path + "/") or path.startswith(repo + "/"):
            raise InputError(field, f"{path} overlaps the repository {repo}")
    if path.startswith("/var/lib/postgresql/"):
        raise InputError(field, f"{path} is under PostgreSQL's own directory")
    return path


def check_label(value: Any, field: str = "label") -> str:
    if not isinstance(value, str) or not _LABEL.match(value):
        raise InputError(field, f"{value!r} is not a pgBackRest backup label")
    return value


def _utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env={**os.environ, "LANG": "C", "LC_ALL": "C"},
        )
    except FileNotFoundError as exc:
        raise BackupError(f"{argv[0]} is not installed on this host ({exc})") from None
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            argv, 124, "", f"{argv[0]} did not finish in {timeout:.0f} s"
        )


def _words(done: subprocess.CompletedProcess[str]) -> str:
    return ((done.stderr or "") + (done.stdout or "")).strip()


def named_files(text: str) -> list[str]:
    """The repository or data files a pgBackRest or PostgreSQL message names."""
    found = []
    for match in _FILE.findall(text or ""):
        name = match.rstrip(".")
        if name not in found and ("/" in name.strip("/")):
            found.append(name)
    return found


class Scratch:
    """The scratch instance's paths, and its removal."""

    def __init__(self, root: str, port: int, pg_version: str):
        self.root = root
        self.port = port
        self.bindir = f"/usr/lib/postgresql/{pg_version}/bin"
        self.data = os.path.join(root, "data")
        self.config = os.path.join(root, "pgbackrest.conf")
        self.pg_conf = os.path.join(root, "postgresql.conf")
        self.hba = os.path.join(root, "pg_hba.conf")
        self.log = os.path.join(root, "postgresql.log")

    def running(self) -> bool:
        return os.path.exists(os.path.join(self.data, "postmaster.pid"))

    def stop(self) -> None:
        if self.running():
            _run(
                [
                    f"{self.bindir}/pg_ctl",
                    "-D",
                    self.data,
                    "-m",
                    "immediate",
                    "-w",
                    "-t",
                    "60",
                    "stop",
                ],
                90,
            )

    def remove(self) -> bool:
        """Stop the instance and delete everything under the scratch directory."""
        self.stop()
        if os.path.isdir(self.root):
            for name in os.listdir(self.root):
                path = os.path.join(self.root, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        pass
            return not os.listdir(self.root)
        return True

    def busy(self) -> list[str]:
        """The scratch instance's processes still at work, for a start that did not finish:
        those named with its directory (the postmaster, a restore_command that has not
        returned) and those working in its data directory (the server's own processes,
        whatever their titles say: the startup process, and what it runs)."""
        data = os.path.realpath(self.data)
        found = []
        for pid in sorted(name for name in os.listdir("/proc") if name.isdigit()):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    words = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
                here = os.readlink(f"/proc/{pid}/cwd") == data
            except OSError:
                continue
            if words and (self.root in words or here):
                found.append(words[:200])
        return found

    def log_tail(self, lines: int = 15) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:]).strip()
        except OSError:
            return ""


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def _pgbackrest_conf(repo_path: str, scratch: Scratch, stanza: str, process_max: int) -> str:
    return (
        "# hisops restore drill (removed with the scratch instance)\n"
        "[global]\n"
        f"repo1-path={repo_path}\n"
        f"log-path={scratch.root}/log\n"
        f"lock-path={scratch.root}/lock\n"
        f"spool-path={scratch.root}/spool\n"
        "log-level-console=warn\n"
        "log-level-file=off\n"
        # a damaged file fails at once (pgBackRest retries a failed file after 15 s)
        "job-retry=0\n"
        f"process-max={process_max}\n"
        f"\n[{stanza}]\n"
        f"pg1-path={scratch.data}\n"
        f"pg1-port={scratch.port}\n"
        f"pg1-socket-path={scratch.root}\n"
    )


# Set last in postgresql.auto.conf (it overrides every other file): the copy's own
# settings (synchronous standbys, a primary to stream from, archiving) must not act here.
def _overrides(scratch: Scratch) -> str:
    return (
        "\n# hisops restore drill: the scratch instance's own settings\n"
        f"port = {scratch.port}\n"
        "listen_addresses = ''\n"
        f"unix_socket_directories = '{scratch.root}'\n"
        f"hba_file = '{scratch.hba}'\n"
        "archive_mode = off\n"
        "hot_standby = off\n"
        "synchronous_standby_names = ''\n"
        "primary_conninfo = ''\n"
        "primary_slot_name = ''\n"
        "shared_buffers = '32MB'\n"
        "max_wal_senders = 0\n"
        "wal_level = replica\n"
        "max_replication_slots = 0\n"
        "logging_collector = off\n"
    )


def _check(name: str, ok: bool, detail: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "ok": ok, "detail": detail, **extra}


def compare(expected: dict[str, dict[str, str]], found: dict[str, dict[str, str]]) -> list[str]:
    """Each difference between the snapshot's tables and the restored ones, in words."""
    problems = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if got is None:
            problems.append(f"{table}: missing from the restored copy")
        elif want is None:
            problems.append(f"{table}: in the restored copy but not in the snapshot")
        elif str(want.get("rows")) != str(got.get("rows")):
            problems.append(
                f"{table}: {got.get('rows')} rows, {want.get('rows')} when the copy was taken"
            )
        elif str(want.get("checksum")) != str(got.get("checksum")):
            problems.append(
                f"{table}: checksum {got.get('checksum')}, {want.get('checksum')} when the copy was taken"
            )
    return problems


_INVALID = re.compile(r"invalid (?:checksum|size|result)[^']*'([^']+)'")


def _restore_failure(
    done: subprocess.CompletedProcess[str], verify: str, repo_path: str = "", stanza: str = "his"
) -> dict[str, Any]:
    """The failed restore in words, naming the damaged files: the repository's (from
    ``pgbackrest verify``) and the one the restore stopped at."""
    words = _words(done)
    damaged = [f"{repo_path}/backup/{stanza}/{name}" for name in _INVALID.findall(verify or "")]
    files = damaged + [f for f in named_files(words) if f not in damaged]
    detail = words[-1200:] or f"pgbackrest exited {done.returncode}"
    if verify:
        detail += f"\npgbackrest verify: {verify[-800:]}"
    if damaged or "checksum" in words.lower():
        head = "the copy is damaged: " + (", ".join(files) or "(no file named)")
    else:  # a missing repository, a file it cannot open: said in pgBackRest's words
        head = "the restore failed" + (f" ({', '.join(files)})" if files else "")
    return _check("restore", False, f"{head}\n{detail}", files=files)


def run_drill(params: dict[str, Any], check: bool) -> dict[str, Any]:
    target = check_target(params.get("target"))
    label = check_label(params.get("label"))
    repo_path = str(params.get("repo_path") or "")
    if not repo_path.startswith("/"):
        raise InputError("repo_path", f"{repo_path!r} must be an absolute path")
    scratch = Scratch(
        check_scratch(params.get("scratch"), repo_path),
        check_port(params.get("port")),
        str(params.get("pg_version") or "15"),
    )
    stanza = str(params.get("stanza") or "his")
    database = str(params.get("database") or "his")
    shot = params.get("snapshot") or {}
    lsn = str(shot.get("lsn") or "")
    if lsn:
        snapshot.lsn_value(lsn)
    timeout = float(params.get("timeout") or 900)
    where = f"{scratch.data} on port {scratch.port} (socket in {scratch.root})"
    base = {"target": target, "label": label, "repo_path": repo_path, "restored_to": where,
            "port": scratch.port, "scratch": scratch.root}  # fmt: skip
    if target == "removable":
        mount = str(params.get("drive_mount") or "/srv/removable")
        if not is_mounted(mount):
            raise DriveAbsent(
                f"the removable drive is not plugged in: nothing is mounted at {mount}"
            )
    if check:
        return {**base, "changed": True, "passed": None, "checks": [],
                "message": f"would restore {label} from {repo_path} into {where}, prove it, "
                           "and remove it"}  # fmt: skip
    started = _utc()
    clock = time.monotonic()
    checks: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    rpo: dict[str, Any] = {}
    try:
        _steps(params, scratch, repo_path, label, stanza, database, shot, timeout, checks, timings)
        if len(checks) == 4 and all(c["ok"] for c in checks[:2]):
            rpo = _rpo(scratch, database, shot, started)
    except BackupError as exc:  # a step that could not even run: the drill failed
        checks.append(_check("drill", False, str(exc)))

    finally:
        tick = time.monotonic()
        removed = scratch.remove()
        timings["cleanup_s"] = round(time.monotonic() - tick, 2)
    return _finish(base, started, clock, checks, timings, rpo, removed)


def _steps(params: dict[str, Any], scratch: Scratch, repo_path: str, label: str, stanza: str,
           database: str, shot: dict[str, Any], timeout: float, checks: list[dict[str, Any]],
           timings: dict[str, float]) -> None:  # fmt: skip
    if not scratch.remove():  # a crashed earlier drill's leftovers
        raise BackupError(f"{scratch.root} could not be emptied before the drill")
    for sub in ("data", "log", "lock", "spool"):
        os.makedirs(os.path.join(scratch.root, sub), mode=0o700, exist_ok=True)
    os.chmod(scratch.data, 0o700)
    process_max = int(params.get("process_max") or 2)
    _write(scratch.config, _pgbackrest_conf(repo_path, scratch, stanza, process_max))
    _write(scratch.pg_conf, "# hisops restore drill: see postgresql.auto.conf\n")
    _write(scratch.hba, "local all all peer\n")
    common = ["pgbackrest", f"--config={scratch.config}", f"--stanza={stanza}", "--repo=1"]
    restore_command = " ".join(common[1:]) + ' archive-get %f "%p"'
    lsn = str(shot.get("lsn") or "")
    argv = [*common, f"--set={label}"]
    if lsn:
        argv += ["--type=lsn", f"--target={lsn}", "--target-exclusive", "--target-action=promote"]
    else:
        argv += ["--type=immediate", "--target-action=promote"]
    argv += [f"--recovery-option=restore_command=pgbackrest {restore_command}", "restore"]
    tick = time.monotonic()
    done = _run(argv, timeout)
    timings["restore_s"] = round(time.monotonic() - tick, 2)
    if done.returncode != 0:
        verify = _words(_run([*common, "--log-level-console=info", "verify"], timeout))
        checks.append(_restore_failure(done, verify, repo_path, stanza))
        return
    checks.append(_check("restore", True, f"pgBackRest restored {label} (each file checked "
                         "against the checksum the backup recorded)"))  # fmt: skip
    with open(os.path.join(scratch.data, "postgresql.auto.conf"), "a", encoding="utf-8") as handle:
        handle.write(_overrides(scratch))
    tick = time.monotonic()
    done = _run([f"{scratch.bindir}/pg_ctl", "-D", scratch.data, "-l", scratch.log, "-w", "-t",
                 str(int(timeout)), "-o", f"-c config_file={scratch.pg_conf}", "start"],
                timeout + 30)  # fmt: skip
    if done.returncode == 0:
        # pg_ctl's wait ends when recovery starts (hot_standby is off); the replay to the
        # snapshot's point and the promotion take the rest of the step's time at most
        _wait_primary(scratch, database, timeout - (time.monotonic() - tick))
    timings["start_s"] = round(time.monotonic() - tick, 2)
    if done.returncode != 0 or not _is_primary(scratch, database):
        tail = scratch.log_tail()
        busy = scratch.busy() if done.returncode == 0 else []
        still = (f" (still at work after {timings['start_s']:.0f} s: {'; '.join(busy)})"
                 if busy else "")  # fmt: skip
        checks.append(_check("start", False, "the restored copy did not start as a primary: "
                             + (tail or _words(done))[-1500:] + still,
                             files=named_files(tail)))  # fmt: skip
        return
    timings["rto_s"] = round(timings["restore_s"] + timings["start_s"], 2)
    checks.append(_check("start", True, f"started on port {scratch.port}, promoted, accepting "
                         f"connections {timings['start_s']} s after the restore"))  # fmt: skip
    tick = time.monotonic()
    # The two proofs read the whole copy, each on its own connections: side by side they
    # take the longer one's time, not the sum (pg_amcheck checks process_max relations at once).
    with ThreadPoolExecutor(max_workers=2) as pool:
        amcheck = pool.submit(_amcheck, scratch, timeout, process_max)
        counts = pool.submit(_counts, scratch, database, shot)
        checks.append(amcheck.result())
        checks.append(counts.result())
    timings["checks_s"] = round(time.monotonic() - tick, 2)


def _psql(scratch: Scratch, database: str, sql: str) -> list[list[str]]:
    return snapshot.psql(database, sql, scratch.port, scratch.root, timeout=600)


def _is_primary(scratch: Scratch, database: str) -> bool:
    try:
        return _psql(scratch, database, "SELECT pg_is_in_recovery()")[0][0] == "f"
    except BackupError:
        return False


def _wait_primary(scratch: Scratch, database: str, timeout: float) -> None:
    """Until the copy is a primary, the server has stopped (a recovery that failed), or
    ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while (not _is_primary(scratch, database) and scratch.running()
           and time.monotonic() < deadline):  # fmt: skip
        time.sleep(0.2)


def _amcheck(scratch: Scratch, timeout: float, jobs: int = 1) -> dict[str, Any]:
    databases = [
        r[0]
        for r in _psql(
            scratch, "postgres", "SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1"
        )
    ]
    tables = indexes = 0
    for name in databases:
        row = _psql(
            scratch,
            name,
            "SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'm', 't')), "
            "count(*) FILTER (WHERE c.relkind = 'i' AND am.amname = 'btree') "
            "FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam WHERE c.relpersistence = 'p'",
        )[0]
        tables, indexes = tables + int(row[0]), indexes + int(row[1])
    done = _run([f"{scratch.bindir}/pg_amcheck", "-h", scratch.root, "-p", str(scratch.port), "--all",
                 "--heapallindexed", "--install-missing", "--no-password", f"--jobs={max(1, jobs)}"],
                timeout)  # fmt: skip
    words = _words(done)
    summary = f"{len(databases)} databases, {tables} tables, {indexes} B-tree indexes"
    if done.returncode != 0:
        return _check("pg_amcheck --heapallindexed", False, f"{summary}: corruption or error: {words[-1500:]}",
                      files=named_files(words), tables=tables, indexes=indexes)  # fmt: skip
    return _check(
        "pg_amcheck --heapallindexed",
        True,
        f"{summary}: no corruption",
        tables=tables,
        indexes=indexes,
    )


def _counts(scratch: Scratch, database: str, shot: dict[str, Any]) -> dict[str, Any]:
    expected = shot.get("tables") or {}
    if not expected:
        return _check("row counts and checksums", False,
                      "no snapshot was recorded when this copy was taken: nothing to compare with")  # fmt: skip
    found = snapshot.table_sums(database, scratch.port, scratch.root)
    problems = compare(expected, found)
    rows = sum(int(v.get("rows") or 0) for v in found.values())
    if problems:
        return _check("row counts and checksums", False, "; ".join(problems), tables=found)
    return _check("row counts and checksums", True,
                  f"{len(found)} tables, {rows} rows: equal to the snapshot taken on the "
                  f"{shot.get('taken_on', 'standby')} at WAL {shot.get('lsn')}", tables=found)  # fmt: skip


def _rpo(scratch: Scratch, database: str, shot: dict[str, Any], started: str) -> dict[str, Any]:
    # NULL when recovery replayed no commit: the data is then the snapshot's, of its time
    row = _psql(scratch, database, "SELECT 'at', pg_last_xact_replay_timestamp()")[0]
    data_from = (
        snapshot.iso(row[1]) if len(row) > 1 and row[1] else str(shot.get("data_time") or "")
    )
    result: dict[str, Any] = {"data_from": data_from, "lsn": shot.get("lsn")}
    try:
        stamp = datetime.fromisoformat(data_from.replace("Z", "+00:00"))
        begun = datetime.fromisoformat(started.replace("Z", "+00:00"))
        result["seconds_before_drill"] = round((begun - stamp).total_seconds(), 1)
    except ValueError:
        result["seconds_before_drill"] = None
    return result


def _finish(base: dict[str, Any], started: str, clock: float, checks: list[dict[str, Any]],
            timings: dict[str, float], rpo: dict[str, Any], removed: bool) -> dict[str, Any]:  # fmt: skip
    timings["total_s"] = round(time.monotonic() - clock, 2)
    passed = bool(checks) and all(c["ok"] for c in checks) and len(checks) >= 4
    failed = [c for c in checks if not c["ok"]]
    message = (
        f"drill PASSED: {base['label']} from {base['target']} restored in {timings.get('rto_s')} s"
        if passed
        else "drill FAILED: "
        + "; ".join(f"{c['name']}: {c['detail'].splitlines()[0]}" for c in failed)
    )
    return {**base, "changed": True, "passed": passed, "started_at": started, "checks": checks,
            "timings": timings, "rpo": rpo, "rto_s": timings.get("rto_s"),
            "scratch_removed": removed, "message": message}  # fmt: skip
