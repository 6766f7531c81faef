# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One client job on many workstations from one controller process (fleet mode).

Ansible runs a module once per host and task: a worker fork, an AnsiballZ payload, an
SSH exchange and a fresh Python for every workstation and every task. On a 2-core
controller that fixed cost is most of a fleet-wide rollback. Here one process opens an
OpenSSH session to every workstation at once (``workers`` at a time), sends the release
code of :mod:`release` (standard library only) with the request on stdin, and the
workstation runs switch, health check and revert in one Python start. The connection
details are the inventory's (address, port, user, key, ``ansible_ssh_common_args`` /
``ansible_ssh_extra_args``), so host keys are checked exactly as the inventory says.

Every workstation gets its own result - ``ok``, ``unchanged``, ``failed`` or
``unreachable`` (ssh could not reach it or the connection dropped) - never a silent skip.
"""

from __future__ import annotations

import inspect
import json
import os
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor

from . import errors, release, store
from .errors import InputError
from .store import ArtifactStore, file_name

#: module_utils/client files the workstation needs (standard library only), in import order
REMOTE_SOURCES = ("errors", "store", "release")
MARKER = "HISOPS-CLIENT-RESULT "
RESULTS = ("ok", "unchanged", "failed", "unreachable")
RELEASE_KEYS = ("state", "version", "package", "sha256", "mode", "name", "root", "keep",
                "health_command", "revert_unhealthy", "check_mode", "package_version")
# After the inventory's own ssh args (ssh keeps the first value given, so those win).
# Key exchange: with OpenSSH 9.2's first choice, the post-quantum sntrup761x25519 hybrid,
# one ``ssh host true`` cost 0.06 s of client CPU against 0.01 s with curve25519
# (measured): 5 s of a 2-core controller per 100 workstations. curve25519 first;
# the hybrid stays allowed (a server that insists gets it), and an inventory that sets
# KexAlgorithms in ansible_ssh_common_args decides instead.
SSH_DEFAULTS = ("-o", "BatchMode=yes", "-o", "ServerAliveInterval=3", "-o", "ServerAliveCountMax=3")
KEX_PREFERRED = ("curve25519-sha256", "curve25519-sha256@libssh.org",
                 "sntrup761x25519-sha512@openssh.com")


def kex_option() -> list:
    """``-o KexAlgorithms=...`` with those of KEX_PREFERRED this ssh knows (none: ssh's own)."""
    if not hasattr(kex_option, "known"):
        try:
            done = subprocess.run(["ssh", "-Q", "kex"], capture_output=True, text=True,
                                  timeout=10, check=False)
            kex_option.known = set(done.stdout.split()) if done.returncode == 0 else set()
        except (OSError, subprocess.TimeoutExpired):
            kex_option.known = set()
    usable = [k for k in KEX_PREFERRED if k in kex_option.known]
    return ["-o", "KexAlgorithms=" + ",".join(usable)] if usable else []


_BOOT = r'''
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
'''


def _source(name: str) -> str:
    """The source of one of REMOTE_SOURCES (imported above, so AnsiballZ ships it too)."""
    module = {"errors": errors, "store": store, "release": release}[name]
    try:
        return inspect.getsource(module)
    except (OSError, TypeError) as exc:  # pragma: no cover - Ansible's loaders give sources
        raise InputError("cannot read the client code %s.py to send: %s" % (name, exc),
                         field="hosts") from exc


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
            "from ansible_collections.hisops.emergency.plugins.module_utils.client.", "from .")
    copy = None
    if package_src:
        copy = package_payload(package_src, release_args)
    return _BOOT % {"sources": json.dumps(sources), "args": json.dumps(release_args),
                    "copy": json.dumps(copy),
                    "order": REMOTE_SOURCES, "marker": MARKER}


def package_payload(package_src: str, release_args: dict) -> dict:
    """The package's bytes for the workstations, refused here when its checksum is wrong."""
    import base64
    import hashlib

    if not release_args.get("package"):
        raise InputError("package_src needs package (its path on the workstation)",
                         field="package")
    try:
        with open(package_src, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError("cannot read %s: %s" % (package_src, exc), field="package_src") from exc
    actual = hashlib.sha256(data).hexdigest()
    wanted = release_args.get("sha256")
    if wanted and actual != wanted:
        raise InputError("%s has checksum %s, expected %s (corrupted or replaced): no "
                         "workstation touched" % (package_src, actual, wanted),
                         field="package_src")
    return {"path": release_args["package"], "sha256": actual,
            "data": base64.b64encode(data).decode("ascii")}


def ssh_argv(conn: dict, connect_timeout: int = 10) -> list:
    """``ssh`` for one workstation from its inventory connection details."""
    name = conn.get("name")
    if not name:
        raise InputError("every connection needs a name", field="connections")
    port = conn.get("port")
    if port not in (None, ""):
        try:
            port = int(port)
        except (TypeError, ValueError):
            raise InputError("%s: port %r is not a number" % (name, port),
                             field="connections") from None
    argv = ["ssh"]
    for key in ("common_args", "extra_args"):  # first value wins in ssh: the inventory's
        argv += shlex.split(conn.get(key) or "")
    argv += list(SSH_DEFAULTS) + kex_option() + ["-o", "ConnectTimeout=%d" % connect_timeout]
    if conn.get("host_key_checking") is False:
        argv += ["-o", "StrictHostKeyChecking=no"]
    if conn.get("key_file"):
        argv += ["-i", os.path.expanduser(str(conn["key_file"]))]
    if port not in (None, ""):
        argv += ["-p", str(port)]
    if conn.get("user"):
        argv += ["-l", str(conn["user"])]
    python = conn.get("python") or "/usr/bin/python3"
    command = "%s -" % shlex.quote(str(python))
    if conn.get("become"):
        if conn.get("become_method", "sudo") not in ("sudo", None, ""):
            raise InputError("%s: become_method %r is not supported here (sudo only)"
                             % (name, conn.get("become_method")), field="connections")
        # non-interactive: a sudo that asks for a password fails instead of hanging
        command = "sudo -n -H -u %s %s" % (shlex.quote(str(conn.get("become_user") or "root")),
                                           command)
    argv += ["--", str(conn.get("host") or name), command]
    return argv


def classify(reply: dict) -> str:
    """ok / unchanged / failed for a workstation's reply (unhealthy counts as failed)."""
    if reply.get("failed") or reply.get("health", {}).get("rc", 0) != 0:
        return "failed"
    return "ok" if reply.get("changed") else "unchanged"


def run_one(conn: dict, script: str, timeout: float, connect_timeout: int = 10) -> dict:
    """The request on one workstation; the reply with ``result`` (never raises)."""
    argv = ssh_argv(conn, connect_timeout)
    try:
        done = subprocess.run(argv, input=script, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"result": "unreachable", "failed": True, "unreachable": True, "changed": False,
                "msg": "no answer within %d s (the state is read when it returns)" % timeout}
    except OSError as exc:
        return {"result": "failed", "failed": True, "changed": False, "msg": "ssh: %s" % exc}
    reply = None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARKER):
            try:
                reply = json.loads(line[len(MARKER):])
            except ValueError:
                reply = None
            break
    if reply is None:
        text = (done.stderr or done.stdout).strip()[-500:]
        if done.returncode == 255:
            return {"result": "unreachable", "failed": True, "unreachable": True,
                    "changed": False, "msg": "unreachable: %s" % (text or "ssh exit 255")}
        return {"result": "failed", "failed": True, "changed": False,
                "msg": "no reply from the client code (rc %d): %s" % (done.returncode, text)}
    reply.setdefault("changed", False)
    reply.setdefault("failed", False)
    if not reply["failed"]:
        reply["version"] = reply["after"]["current"]
        reply["previous"] = reply["before"]["current"]
    reply["result"] = classify(reply)
    return reply


def run_fleet(connections: list, release_args: dict, workers: int = 20,
              timeout: float = 300, connect_timeout: int = 10, package_src=None) -> dict:
    """The request on every workstation, ``workers`` at a time; replies keyed by name."""
    names = [c.get("name") for c in connections]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError("listed more than once: %s" % ", ".join(map(str, duplicates)),
                         field="hosts")
    if workers < 1:
        raise InputError("must be at least 1", field="workers")
    for conn in connections:
        ssh_argv(conn, connect_timeout)  # refuse a bad connection before touching any host
    script = remote_script(release_args, package_src)
    if not connections:
        return {}
    with ThreadPoolExecutor(max_workers=min(workers, len(connections))) as pool:
        replies = list(pool.map(lambda c: run_one(c, script, timeout, connect_timeout),
                                connections))
    return dict(zip(names, replies, strict=True))


def reachability_probe(connections: list, connect_timeout: int = 5, workers: int = 20):
    """``probe(hosts)`` for :func:`plan.pick_canary`: the hosts among ``hosts`` that answer
    (a read-only query, one SSH session each). A host without connection details counts
    as reachable: the rollout itself will tell."""
    by_name = {c.get("name"): c for c in connections if isinstance(c, dict)}

    def probe(hosts: list) -> list:
        known = [by_name[h] for h in hosts if h in by_name]
        replies = run_fleet(known, {"state": "query", "check_mode": True}, workers,
                            timeout=connect_timeout * 3, connect_timeout=connect_timeout)
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
                health.get("output") or "rc %s" % health.get("rc"))
        good = result in ("ok", "unchanged")
        out.append({
            "host": host, "action": action, "target": target,
            "from": reply.get("previous"), "version": reply.get("version"),
            "expected": reply.get("version") if good else None,
            "result": result, "message": message,
        })
    return out


def earlier_failure(result) -> dict | None:
    """The reply for a host whose earlier step (a registered Ansible result) went wrong."""
    if not isinstance(result, dict):
        return None
    if result.get("unreachable"):
        return {"result": "unreachable", "failed": True, "unreachable": True, "changed": False,
                "msg": "unreachable in an earlier step: %s" % (result.get("msg") or "")}
    if result.get("failed"):
        return {"result": "failed", "failed": True, "changed": False,
                "msg": "an earlier step failed: %s" % (result.get("msg") or "")}
    return None


def fetch_missing(replies: dict, by_name: dict, release_args: dict, store_root: str,
                  workers: int = 20, timeout: float = 300, connect_timeout: int = 10) -> None:
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
        args = dict(release_args, package="%s/packages/%s" % (root, file_name(name, version, kind)),
                    sha256=artifact.sha256, package_version=version)
        again = run_fleet([by_name[h] for h in hosts], args, workers, timeout, connect_timeout,
                          package_src=artifact.path)
        for host, reply in again.items():
            reply["fetched"] = version
            replies[host] = reply


def run_fleet_job(hosts: list, connections: list, release_args: dict, workers: int = 20,
                  timeout: float = 300, connect_timeout: int = 10, record_action: str = "update",
                  record_target=None, earlier=None, package_src=None, store=None) -> dict:
    """What the client_fleet module returns: per-host replies, ledger records, counts, diffs.

    ``connections`` must name every host of ``hosts``. ``earlier`` maps hosts to the
    registered result of an earlier step (e.g. the package copy): a host for which it
    failed or was unreachable is not contacted and keeps that result. With ``store`` (the
    artifact store's root) a release a workstation lacks for a rollback is brought from
    there (:func:`fetch_missing`).
    """
    by_name = {}
    for conn in connections:
        if not isinstance(conn, dict) or not conn.get("name"):
            raise InputError("every connection needs a name", field="connections")
        by_name[conn["name"]] = conn
    missing = [h for h in hosts if h not in by_name]
    if missing:
        raise InputError("no connection details for %s" % ", ".join(missing[:5]),
                         field="connections")
    skipped = {}
    for host, result in (earlier or {}).items():
        reply = earlier_failure(result)
        if host in hosts and reply is not None:
            skipped[host] = reply
    contacted = run_fleet([by_name[h] for h in hosts if h not in skipped], release_args,
                          workers, timeout, connect_timeout, package_src)
    if store:
        fetch_missing(contacted, by_name, release_args, store, workers, timeout, connect_timeout)
    replies = {h: skipped[h] if h in skipped else contacted[h] for h in hosts}
    target = record_target or release_args.get("version") or "previous"
    counts = dict.fromkeys(RESULTS, 0)
    for reply in replies.values():
        counts[reply["result"]] += 1
    diffs = [
        {"before_header": "%s (before)" % host, "after_header": "%s (after)" % host,
         "before": json.dumps(reply["before"], indent=1, sort_keys=True) + "\n",
         "after": json.dumps(reply["after"], indent=1, sort_keys=True) + "\n"}
        for host, reply in replies.items() if reply.get("changed") and "before" in reply
    ]
    return {
        "changed": any(r.get("changed") for r in replies.values()),
        "hosts": replies,
        "records": records(replies, record_action, target),
        "outcomes": {host: reply["result"] for host, reply in replies.items()},
        "counts": counts,
        "diffs": diffs,
    }
