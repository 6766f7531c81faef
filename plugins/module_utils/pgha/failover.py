# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover's steps on the DB hosts (``db_failover_step``), and who runs it.

The ``db_failover`` action runs the failover as one task; its orchestration - both nodes
read at once, the verdict, the fences, the promotion - is ``orchestrate.py``, the fence
methods ``fences.py``. On the hosts, this module's steps:

1. ``begin``: the node's state; the standby named (or found) as the candidate takes the
   failover lock in the same call;
2. ``fence`` (``fence_ssh``, on the old primary): stopped, never started at boot, no
   PostgreSQL process left, ``standby.signal``;
3. ``promote`` on the candidate: the gap from the fenced node's last checkpoint, refused
   unless it is zero or accepted, ``pg_promote``, read-write, and the lock released;
4. ``release``: the lock of the run, when it stops before the promotion.

Steps 1 and 3 run as ``postgres`` (peer authentication on the Unix socket). A refusal
says why in words and in a code (``reason``: ``lock_held``, ``not_fenced``, ...).
"""

from __future__ import annotations

import datetime
import getpass
import json
import os
import socket
import subprocess
import time
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha import ops
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.config import HaSettings
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import (
    InputError,
    PgHaError,
    Refused,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.fences import FENCES
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.files import (
    read_text,
    touch,
    write_atomic,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.node import LocalNode
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.spec import (
    node_from,
    settings_from,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    STANDBY,
    STOPPED,
    UNREACHABLE,
)

FENCE_METHODS = tuple(FENCES)
LOCK_PATH = "/var/lib/postgresql/hisops-failover.lock"


# ---------------------------------------------------------------------- on the DB hosts
def begin(
    node: LocalNode,
    name: str,
    lock: bool,
    owner: str,
    check: bool,
    break_stale_s: float = 0,
    lock_path: str = LOCK_PATH,
    break_owner: str = "",
) -> dict[str, Any]:
    """This node's state; a standby asked to ``lock`` takes the pair's lock for ``owner``."""
    state = node.state(name)
    out: dict[str, Any] = {"changed": False, "state": state.as_dict(), "locked": False}
    if lock and state.role == STANDBY:
        taken = ops.lock(
            lock_path,
            owner,
            "present",
            check,
            break_stale_s,  # LockHeld: refused
            "failover",
            break_owner,
        )
        out["changed"] = taken.changed
        out["locked"] = not check
        out["lock"] = taken.as_dict()
    return out


def _postgres_pids() -> list[int]:
    proc = subprocess.run(
        ["pgrep", "-u", "postgres", "-x", "postgres"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return [int(p) for p in proc.stdout.split() if not _zombie(int(p))]


def _zombie(pid: int) -> bool:
    """Exited, waiting to be reaped: it serves nobody (pgrep still lists it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True  # gone already


def _gone_within(timeout: float) -> list[int]:
    """The PostgreSQL processes still there after up to ``timeout`` s: a process killed with
    SIGKILL leaves when the kernel is done with it (not at once, e.g. in the middle of I/O)."""
    end = time.monotonic() + timeout
    pids = _postgres_pids()
    while pids and time.monotonic() < end:
        time.sleep(0.1)
        pids = _postgres_pids()
    return pids


def fence_ssh(node: LocalNode, name: str, check: bool, timeout: float = 60) -> ops.Result:
    """Fence this node (the old primary) from the inside; idempotent, check mode honoured.

    PostgreSQL stopped (fast: a clean shutdown checkpoint makes the gap known), never
    started at boot (Debian ``start.conf`` = ``manual``, which both the systemd generator
    and the init script honour), no PostgreSQL process left (a killed postmaster leaves
    its backends serving their sessions), and ``standby.signal``: started by hand, it comes
    up read-only.
    """
    res = ops.Result(check)
    running = node.is_running()
    start_conf = read_text(node.start_conf)
    signal = os.path.exists(node.standby_signal)
    res.before = {"running": running, "enabled": node.service_enabled(), "standby_signal": signal}
    if running and res.would(f"pg_ctlcluster {node.version} {node.cluster} stop -m fast"):
        try:
            node.ctl("stop", "-m", "fast", "-w", "-t", str(int(timeout)), timeout=timeout + 10)
        except PgHaError:
            node.ctl("stop", "-m", "immediate", "-w", "-t", "30", timeout=40)
    if node.service_enabled() is not False and res.would(f"{node.start_conf}: manual"):
        write_atomic(node.start_conf, _manual(start_conf), 0o644)
    if _postgres_pids() and res.would("pkill -9 -u postgres -x postgres"):
        subprocess.run(["pkill", "-9", "-u", "postgres", "-x", "postgres"], check=False, timeout=30)
        _gone_within(10)
    if not signal and res.would(f"touch {node.standby_signal}"):
        touch(node.standby_signal)
    after = node.state(name)  # in check mode: the node as it is
    res.after = {
        "running": after.role not in (STOPPED, UNREACHABLE),
        "enabled": after.service_enabled,
        "standby_signal": after.standby_signal,
        "processes": len(_postgres_pids()),
    }
    res.details["state"] = after.as_dict()
    return res


def _manual(start_conf: str | None) -> str:
    lines = [
        line
        for line in (start_conf or "").splitlines()
        if line.lstrip().startswith("#") or not line.strip()
    ]
    return "\n".join([*lines, "manual"]) + "\n"


def promote(
    node: LocalNode,
    settings: HaSettings,
    check: bool,
    old_primary: dict | None,
    fence_proof: str,
    accept_data_loss: bool,
    owner: str,
    timeout: float = 60,
    lock_path: str = LOCK_PATH,
    await_file: str = "",
    await_s: float = 0,
) -> ops.Result:
    """``ops.promote``, then the lock of ``owner`` released (also when the promotion fails).

    With ``await_file`` the step is started while the old primary is being fenced (its
    Python start and imports off the critical path): it waits for the controller's word in
    that file - the fence proof and the old primary's state, or why not to promote - and
    promotes only on a proof. No word within ``await_s``: not promoted."""
    try:
        if await_file:
            word = await_word(await_file, await_s)
            if word.get("abort") or not word.get("fence_proof"):
                raise Refused(
                    [f"not promoted: {word.get('abort') or 'no fence proof'}"], code="not_promoted"
                )
            fence_proof, old_primary = str(word["fence_proof"]), word.get("old_primary")
        return ops.promote(
            node, settings, check, old_primary, fence_proof, accept_data_loss, timeout
        )
    finally:
        ops.lock(lock_path, owner, "absent", check)


def await_word(path: str, seconds: float) -> dict[str, Any]:
    """The JSON the controller writes (atomically, by rename) to ``path``; the file is
    removed once read. ``{"abort": ...}`` when nothing came within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8") as handle:
                word = json.load(handle)
        except (FileNotFoundError, ValueError):
            time.sleep(0.01)
            continue
        try:
            os.unlink(path)
        except OSError:
            pass
        return word if isinstance(word, dict) else {"abort": "an unreadable word"}
    return {"abort": f"no word from the controller within {seconds:.0f} s"}


def release(owner: str, check: bool, lock_path: str = LOCK_PATH) -> ops.Result:
    return ops.lock(lock_path, owner, "absent", check)


def run_step(params: dict[str, Any], check: bool) -> ops.Result | dict[str, Any]:
    """``db_failover_step``: the step its ``step`` parameter names."""
    node = node_from(params)
    if params["step"] == "begin":
        return begin(
            node,
            params["name"],
            params["lock"],
            params["owner"],
            check,
            params["break_stale_s"],
            break_owner=params.get("break_owner") or "",
        )
    if params["step"] == "fence":
        return fence_ssh(node, params["name"], check, params["timeout"])
    if params["step"] == "promote":
        return promote(
            node,
            settings_from(params),
            check,
            params["old_primary"],
            params["fence_proof"],
            params["accept_data_loss"],
            params["owner"],
            params["timeout"],
            await_file=params.get("await_file") or "",
            await_s=float(params.get("await_s") or 0),
        )
    return release(params["owner"], check)


# ---------------------------------------------------------------------- on the controller
# (also the pair's lock of db_pair_lock: who holds it, and whether its holder is gone)
def default_owner(pid: int | None = None) -> str:
    """``<user>@<controller> pid <pid> <UTC time>``: who holds the lock, for a refused second
    run. Unique per run: two runs started in the same second by the same user must not
    count as one owner (the lock would let both through). ``pid``: the process whose life
    the lock lasts (a role holding it over several tasks names ansible-playbook itself)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "operator"
    user = os.environ.get("HISOPS_OPERATOR") or user
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")
    return f"{user}@{socket.gethostname()} pid {pid or os.getpid()} {stamp}"


def gone_holder(holder: dict[str, Any] | None) -> bool:
    """Whether the lock's holder is a run of this controller whose process has ended (its
    lock is stale: the run was killed or its controller rebooted under it). Only this
    controller can tell; a holder of another controller is never judged gone."""
    owner = str((holder or {}).get("owner", ""))
    who, _sep, rest = owner.partition(" pid ")
    if not rest or who.rpartition("@")[2] != socket.gethostname():
        return False
    try:
        pid = int(rest.split()[0])
    except (ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def validate(
    candidate: str,
    group: list[str],
    fence: list[str],
    fence_command: list[str],
    switch_ports: dict[str, Any] | None = None,
) -> None:
    """Inputs refused before anything is touched, each naming its field."""
    if len(group) != 2:
        raise InputError("group", f"must hold exactly the two database servers, got {group}")
    if candidate and candidate not in group:
        raise InputError(
            "candidate",
            f"{candidate!r} is not a database server of the pair "
            f"({', '.join(group)}); nothing changed",
        )
    if not fence:
        raise InputError("fence", "name at least one fence method")
    unknown = [m for m in fence if m not in FENCE_METHODS]
    if unknown:
        raise InputError("fence", f"unknown method(s) {unknown}; choose from {list(FENCE_METHODS)}")
    if "site_command" in fence and not fence_command:
        raise InputError("fence_command", "empty, but fence names site_command")
