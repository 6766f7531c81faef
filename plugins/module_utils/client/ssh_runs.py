# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One client job on many workstations from one controller process (fleet mode).

Ansible runs a module once per host and task: a worker fork, an AnsiballZ payload, an
SSH exchange and a fresh Python for every workstation and every task. On a 2-core
controller that fixed cost is most of a fleet-wide rollback. Here one process sends to
every workstation (``workers`` at a time) the release code of :mod:`release` (standard
library only) with the request, as one program on the stdin of ``python3 -``, and the
workstation runs switch, health check and revert in one Python start.

How a workstation is reached is the caller's ``send(host, program, timeout)``: it runs the
program there and returns ``(rc, stdout, stderr)``, or raises :class:`Unreachable`. The
client_fleet action plugin sends over the workstation's own Ansible connection
(``plugins/plugin_utils/hosts.py``: every ``ansible_ssh_*`` variable, become, host key
checking and ControlPersist as for any task); this module stays free of controller code.

Every workstation gets its own result - ``ok``, ``unchanged``, ``failed`` or
``unreachable`` (it could not be reached, the connection dropped or it did not answer in
time) - never a silent skip.
"""

from __future__ import annotations

import inspect
import json
from concurrent.futures import ThreadPoolExecutor

from .. import files
from . import errors, release, store
from .errors import InputError
from .store import ArtifactStore, file_name

#: module_utils files the workstation needs (standard library only), in import order: the
#: collection's atomic write (module_utils/files.py), then module_utils/client's
REMOTE_SOURCES = ("files", "errors", "store", "release")
MARKER = "HISOPS-CLIENT-RESULT "
RESULTS = ("ok", "unchanged", "failed", "unreachable")
RELEASE_KEYS = (
    "state",
    "version",
    "package",
    "sha256",
    "mode",
    "name",
    "root",
    "keep",
    "health_command",
    "revert_unhealthy",
    "check_mode",
    "package_version",
)
#: exit codes of ``timeout`` (coreutils) when the program ran out of time (TERM, then KILL)
TIMED_OUT = (124, 137)


class Unreachable(Exception):
    """``send`` could not reach the workstation, or the connection dropped."""


def run_command(python: str, timeout: float) -> str:
    """The command that runs a program from stdin on a workstation, ended after
    ``timeout`` seconds (then KILL 5 s later): a workstation that hangs is a result."""
    return "timeout -k 5 %d %s -" % (int(timeout), python)


_BOOT = r"""
import json, sys, types
SOURCES = json.loads(%(sources)r)
ARGS = json.loads(%(args)r)
package = types.ModuleType("hisops_client")
package.__path__ = []
sys.modules["hisops_client"] = package
for name in %(order)r:
    module = types.ModuleType("hisops_client." + name)
    module.__package__ = "hisops_client"
    sys.modules[module.__name__] = module
    exec(compile(SOURCES[name], "hisops_client/%%s.py" %% name, "exec"), module.__dict__)
    setattr(package, name, module)
release = sys.modules["hisops_client.release"]
errors = sys.modules["hisops_client.errors"]
COPY = json.loads(%(copy)r)
try:
    copied = False
    if COPY:
        import base64
        copied = release.receive_package(COPY["path"], base64.b64decode(COPY["data"]),
                                         COPY["sha256"], ARGS.get("check_mode", False))
    out = release.apply(**ARGS)
    if copied:
        out["changed"] = True
        out["actions"] = ["copy %%s" %% COPY["path"]] + out["actions"]
except (errors.ClientError, OSError) as exc:
    out = {"failed": True, "msg": str(exc), "field": getattr(exc, "field", "")}
    if getattr(exc, "version", None):
        out["missing"] = exc.version  # a release to go back to that is not there
sys.stdout.write("\n%(marker)s" + json.dumps(out) + "\n")
"""


def _source(name: str) -> str:
    """The source of one of REMOTE_SOURCES (imported above, so AnsiballZ ships it too)."""
    module = {"files": files, "errors": errors, "store": store, "release": release}[name]
    try:
        return inspect.getsource(module)
    except (OSError, TypeError) as exc:  # pragma: no cover - Ansible's loaders give sources
        raise InputError(
            "cannot read the client code %s.py to send: %s" % (name, exc), field="hosts"
        ) from exc


def remote_script(release_args: dict, package_src=None) -> str:
    """The Python program a workstation runs: the release code and this request.

    With ``package_src`` (a package on the controller, checked against
    ``release_args["sha256"]`` here) its bytes travel in the program and are written to
    ``release_args["package"]`` on the workstation when that file is not there yet.
    """
    unknown = sorted(set(release_args) - set(RELEASE_KEYS))
    if unknown:
        raise InputError("unknown release option(s) %s" % ", ".join(unknown), field="release")
    sources = {name: _source(name) for name in REMOTE_SOURCES}
    for name, text in sources.items():  # the workstation has no ansible_collections package
        sources[name] = text.replace(
            "from ansible_collections.hisops.emergency.plugins.module_utils.client.", "from ."
        ).replace("from ..files import", "from .files import")
    copy = None
    if package_src:
        copy = package_payload(package_src, release_args)
    return _BOOT % {
        "sources": json.dumps(sources),
        "args": json.dumps(release_args),
        "copy": json.dumps(copy),
        "order": REMOTE_SOURCES,
        "marker": MARKER,
    }


def package_payload(package_src: str, release_args: dict) -> dict:
    """The package's bytes for the workstations, refused here when its checksum is wrong."""
    import base64
    import hashlib

    if not release_args.get("package"):
        raise InputError("package_src needs package (its path on the workstation)", field="package")
    try:
        with open(package_src, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError("cannot read %s: %s" % (package_src, exc), field="package_src") from exc
    actual = hashlib.sha256(data).hexdigest()
    wanted = release_args.get("sha256")
    if wanted and actual != wanted:
        raise InputError(
            "%s has checksum %s, expected %s (corrupted or replaced): no "
            "workstation touched" % (package_src, actual, wanted),
            field="package_src",
        )
    return {
        "path": release_args["package"],
        "sha256": actual,
        "data": base64.b64encode(data).decode("ascii"),
    }


def classify(reply: dict) -> str:
    """ok / unchanged / failed for a workstation's reply (unhealthy counts as failed)."""
    if reply.get("failed") or reply.get("health", {}).get("rc", 0) != 0:
        return "failed"
    return "ok" if reply.get("changed") else "unchanged"


def reply_of(rc: int, stdout: str, stderr: str, timeout: float) -> dict:
    """A workstation's reply from what its program printed (``result`` set)."""
    reply = None
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            try:
                reply = json.loads(line[len(MARKER) :])
            except ValueError:
                reply = None
            break
    if reply is None:
        text = (stderr or stdout).strip()[-500:]
        if rc in TIMED_OUT:
            return {
                "result": "unreachable",
                "failed": True,
                "unreachable": True,
                "changed": False,
                "msg": "no answer within %d s (the state is read when it returns)" % timeout,
            }
        if rc == 255:
            return {
                "result": "unreachable",
                "failed": True,
                "unreachable": True,
                "changed": False,
                "msg": "unreachable: %s" % (text or "ssh exit 255"),
            }
        return {
            "result": "failed",
            "failed": True,
            "changed": False,
            "msg": "no reply from the client code (rc %d): %s" % (rc, text),
        }
    reply.setdefault("changed", False)
    reply.setdefault("failed", False)
    if not reply["failed"]:
        reply["version"] = reply["after"]["current"]
        reply["previous"] = reply["before"]["current"]
    reply["result"] = classify(reply)
    return reply


def run_one(host: str, send, script: str, timeout: float) -> dict:
    """The request on one workstation; the reply with ``result`` (never raises)."""
    try:
        rc, stdout, stderr = send(host, script, timeout)
    except Unreachable as exc:
        return {
            "result": "unreachable",
            "failed": True,
            "unreachable": True,
            "changed": False,
            "msg": "unreachable: %s" % (str(exc).strip()[-500:] or "no connection"),
        }
    except Exception as exc:  # noqa: BLE001 - one workstation's error is its result
        return {"result": "failed", "failed": True, "changed": False, "msg": str(exc)}
    return reply_of(rc, stdout, stderr, timeout)


def run_fleet(
    hosts: list, send, release_args: dict, workers: int = 20, timeout: float = 300, package_src=None
) -> dict:
    """The request on every workstation, ``workers`` at a time; replies keyed by name."""
    duplicates = sorted({n for n in hosts if hosts.count(n) > 1})
    if duplicates:
        raise InputError(
            "listed more than once: %s" % ", ".join(map(str, duplicates)), field="hosts"
        )
    if workers < 1:
        raise InputError("must be at least 1", field="workers")
    script = remote_script(release_args, package_src)
    if not hosts:
        return {}
    with ThreadPoolExecutor(max_workers=min(workers, len(hosts))) as pool:
        replies = list(pool.map(lambda h: run_one(h, send, script, timeout), hosts))
    return dict(zip(hosts, replies, strict=True))


def reachability_probe(send, known: list, timeout: float = 15, workers: int = 20):
    """``probe(hosts)`` for :func:`plan.pick_canary`: the hosts among ``hosts`` that answer
    (a read-only query through ``send``, one session each). A host not in ``known`` is not
    asked and counts as reachable: the rollout itself will tell."""

    def probe(hosts: list) -> list:
        asked = [h for h in hosts if h in known]
        replies = run_fleet(
            asked, send, {"state": "query", "check_mode": True}, workers, timeout=timeout
        )
        return [h for h in hosts if replies.get(h, {}).get("result") != "unreachable"]

    return probe


def records(replies: dict, action: str, target) -> list:
    """Ledger entries (client_ledger ``records``) for a fleet run's replies."""
    out = []
    for host, reply in replies.items():
        result = reply["result"]
        health = reply.get("health") or {}
        message = reply.get("msg") or ""
        if not message and result != "unreachable":
            message = ", ".join(reply.get("actions") or [])
        if health.get("rc", 0) != 0:
            message = ("%s; " % message if message else "") + "health check failed: %s" % (
                health.get("output") or "rc %s" % health.get("rc")
            )
        good = result in ("ok", "unchanged")
        out.append(
            {
                "host": host,
                "action": action,
                "target": target,
                "from": reply.get("previous"),
                "version": reply.get("version"),
                "expected": reply.get("version") if good else None,
                "result": result,
                "message": message,
            }
        )
    return out


def earlier_failure(result) -> dict | None:
    """The reply for a host whose earlier step (a registered Ansible result) went wrong."""
    if not isinstance(result, dict):
        return None
    if result.get("unreachable"):
        return {
            "result": "unreachable",
            "failed": True,
            "unreachable": True,
            "changed": False,
            "msg": "unreachable in an earlier step: %s" % (result.get("msg") or ""),
        }
    if result.get("failed"):
        return {
            "result": "failed",
            "failed": True,
            "changed": False,
            "msg": "an earlier step failed: %s" % (result.get("msg") or ""),
        }
    return None


def fetch_missing(
    replies: dict,
    send,
    release_args: dict,
    store_root: str,
    workers: int = 20,
    timeout: float = 300,
) -> None:
    """Bring the release a rollback (or a put-back) needs from the artifact store.

    A workstation that answered "version X is not installed here" (``missing``) gets X's
    package - its checksum verified against the store's record here, sent with the
    request and checked again on the workstation before it is unpacked, as an update
    does - in a second session; its reply replaces the first. Workstations missing the
    same version share one program. ``replies`` is updated in place.
    """
    wanted: dict = {}
    for host, reply in replies.items():
        if reply.get("failed") and reply.get("missing"):
            wanted.setdefault(reply["missing"], []).append(host)
    if not wanted:
        return
    kind = "deb" if release_args.get("mode") == "deb" else "tar"
    name = release_args.get("name") or "his-client"
    root = (release_args.get("root") or "/opt/his-client").rstrip("/")
    artifacts = ArtifactStore(store_root)
    for version, hosts in sorted(wanted.items()):
        try:
            artifact = artifacts.resolve(name, version, kind)
        except InputError as exc:
            for host in hosts:
                replies[host]["msg"] += "; not brought from the artifact store: %s" % exc
            continue
        args = dict(
            release_args,
            package="%s/packages/%s" % (root, file_name(name, version, kind)),
            sha256=artifact.sha256,
            package_version=version,
        )
        again = run_fleet(hosts, send, args, workers, timeout, package_src=artifact.path)
        for host, reply in again.items():
            reply["fetched"] = version
            replies[host] = reply


def run_fleet_job(
    hosts: list,
    send,
    release_args: dict,
    workers: int = 20,
    timeout: float = 300,
    record_action: str = "update",
    record_target=None,
    earlier=None,
    package_src=None,
    store=None,
) -> dict:
    """What the client_fleet module returns: per-host replies, ledger records, counts, diffs.

    ``send`` reaches the workstations (see the module's docstring). ``earlier`` maps hosts
    to the registered result of an earlier step (e.g. the package copy): a host for which
    it failed or was unreachable is not contacted and keeps that result. With ``store``
    (the artifact store's root) a release a workstation lacks for a rollback is brought
    from there (:func:`fetch_missing`).
    """
    skipped = {}
    for host, result in (earlier or {}).items():
        reply = earlier_failure(result)
        if host in hosts and reply is not None:
            skipped[host] = reply
    contacted = run_fleet(
        [h for h in hosts if h not in skipped], send, release_args, workers, timeout, package_src
    )
    if store:
        fetch_missing(contacted, send, release_args, store, workers, timeout)
    replies = {h: skipped[h] if h in skipped else contacted[h] for h in hosts}
    target = record_target or release_args.get("version") or "previous"
    counts = dict.fromkeys(RESULTS, 0)
    for reply in replies.values():
        counts[reply["result"]] += 1
    diffs = [
        {
            "before_header": "%s (before)" % host,
            "after_header": "%s (after)" % host,
            "before": json.dumps(reply["before"], indent=1, sort_keys=True) + "\n",
            "after": json.dumps(reply["after"], indent=1, sort_keys=True) + "\n",
        }
        for host, reply in replies.items()
        if reply.get("changed") and "before" in reply
    ]
    return {
        "changed": any(r.get("changed") for r in replies.values()),
        "hosts": replies,
        "records": records(replies, record_action, target),
        "outcomes": {host: reply["result"] for host, reply in replies.items()},
        "counts": counts,
        "diffs": diffs,
    }
