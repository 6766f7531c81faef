"""ansible-playbook runs forked from a process that has imported ansible once.

The suite runs about 400 playbooks; each fresh ``ansible-playbook`` spent about 0.3 CPU-s
importing ansible-core before reading its playbook (about half of a short run), on a
machine whose 2 cores the suite keeps busy. This server imports ``ansible.cli.playbook``
once; every run is a fork of it that calls the same entry point the ``ansible-playbook``
script calls (``ansible.cli.playbook.main``), with the run's own arguments, environment,
working directory, output files and ansible local temporary directory. The collection's
own code (plugins, module_utils) is never imported here: each run loads it afresh.

Ansible reads its settings (ANSIBLE_*, the locale, HOME) when it is imported: a server
serves only runs whose such environment equals its own, so there is one server per such
environment (``run`` starts them as needed), and a run the server refuses anyway falls
back to the real script. HISOPS_FORKSERVER=0 runs every playbook as a fresh process.

Protocol (one connection per run, JSON lines): the client sends
``{"argv", "env", "cwd", "stdout", "stderr"}``; the server answers ``{"pid": N}`` once the
run is forked (the run is its own process group: the client kills it on a timeout), then
``{"rc": N}`` when it ends, or ``{"refused": reason}``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _ansible_env(env: dict[str, str]) -> dict[str, str]:
    """What ansible fixes when it is imported: its settings, the locale, the home."""
    return {
        k: v
        for k, v in env.items()
        if k.startswith(("ANSIBLE_", "LC_", "PYTHON")) or k in ("LANG", "HOME")
    }


def _run(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: run ansible-playbook as the script would, report its rc."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # ansible waits for its own workers
    os.setpgid(0, 0)
    rc = 250
    try:
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if fds:  # the client's own stdin, stdout and stderr (a gate's wrapper script)
            for fd, target in zip(fds, (0, 1, 2), strict=True):
                os.dup2(fd, target)
                os.close(fd)
        else:
            null = os.open(os.devnull, os.O_RDONLY)
            out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            for fd, target in ((null, 0), (out, 1), (err, 2)):
                os.dup2(fd, target)
                os.close(fd)
        sys.argv = list(request["argv"])
        from ansible import constants as C  # noqa: N812 - ansible's own name for it

        # a local temporary directory of the run's own, as a fresh process makes one
        # (the server's is shared by no run, and removed only when the server ends)
        own_tmp = tempfile.mkdtemp(
            prefix="ansible-local-", dir=os.path.dirname(C.DEFAULT_LOCAL_TMP)
        )
        C.DEFAULT_LOCAL_TMP = own_tmp
        try:
            from ansible.cli.playbook import main

            main()
            rc = 0
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            shutil.rmtree(own_tmp, ignore_errors=True)
    except BaseException as exc:  # noqa: BLE001 - reported as the run's failure
        print(f"forkserver: the run failed to start: {exc!r}", file=sys.stderr)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # nothing left to report to
                stream.flush()
        try:
            conn.sendall(json.dumps({"rc": rc}).encode() + b"\n")
        finally:
            os._exit(rc)  # the server's atexit handlers (its temporary directory) are its own


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    """A request (one JSON line) and the descriptors sent with its first bytes, if any."""
    data, fds, _flags, _address = socket.recv_fds(conn, 1 << 20, 3)
    while not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            for fd in fds:
                os.close(fd)
            raise ValueError("the request was cut short")
        data += more
    return json.loads(data), list(fds)


def serve(path: str, gate: bool = False) -> None:
    """Serve runs on ``path``; a gate's server (``gate``, started by a wrapper script that
    exits) ends when its directory is removed or it has been idle GATE_IDLE_S, a pytest
    process's server when that process is gone."""
    # the script's own sys.path, not this file's directory
    sys.path[0] = os.path.dirname(sys.executable)
    # the import every run would repeat (importing more of ansible-core here, its executor
    # and the plugins the playbooks use, saved nothing measurable: the plugin loader loads
    # them its own way)
    import ansible.cli.playbook  # noqa: F401

    # (not netmiko and hier_config, which the switch modules run in their task's worker
    # use: every run forked from here would carry them, and each of its workers' garbage
    # collections would walk them - a client file's playbooks cost 1.2x the CPU with them
    # preloaded here; a switch playbook's main process imports them when its first switch
    # task's action plugin is loaded: plugins/plugin_utils/switch_action.py)

    # the payloads carry their bytecode (ansible_bytecode.py), loaded from its file: this
    # directory is not put on the runs' sys.path
    spec = importlib.util.spec_from_file_location(
        "hisops_ansible_bytecode", os.path.join(os.path.dirname(__file__), "ansible_bytecode.py")
    )
    assert spec is not None and spec.loader is not None
    bytecode = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bytecode)
    bytecode.install(
        memo_dir=os.environ.get("HISOPS_ANSIBALLZ_MEMO")
        or os.path.join(os.path.dirname(path), "ansiballz")
    )

    own = _ansible_env(dict(os.environ))
    own_cwd = os.getcwd()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # runs are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    # a server whose pytest process was killed (no atexit ran) ends on its own
    listener.settimeout(5.0)
    parent = os.getppid()
    last = time.monotonic()
    print("ready", flush=True)
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            if gate:
                if (
                    not os.path.isdir(os.path.dirname(path))
                    or time.monotonic() - last > GATE_IDLE_S
                ):
                    return
            elif os.getppid() != parent:
                return
            continue
        last = time.monotonic()
        conn.settimeout(None)
        with conn:
            try:
                request, fds = _receive(conn)
            except (OSError, ValueError):
                continue
            refused = None
            if _ansible_env(request["env"]) != own:
                refused = "ANSIBLE_* environment"
            elif "ANSIBLE_CONFIG" not in request["env"] and request["cwd"] != own_cwd:
                refused = "another directory: another ansible.cfg may be found there"
            if refused is None and os.fork() == 0:
                listener.close()
                _run(conn, request, fds)
            for fd in fds:
                os.close(fd)
            if refused is not None:
                conn.sendall(json.dumps({"refused": refused}).encode() + b"\n")


class _Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.dir = tempfile.mkdtemp(prefix="hisops-forkserver-")
        self.path = os.path.join(self.dir, "socket")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, self.path],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the ansible fork server did not start")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


_servers: dict[frozenset, _Server] = {}
_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    for server in _servers.values():
        server.stop()
    _servers.clear()


def run(argv: list[str], env: dict[str, str], timeout: float) -> tuple[int, str] | None:
    """``argv`` (an ansible-playbook command) forked from a server: (rc, stdout + stderr),
    or None when no server serves it (the caller runs the script)."""
    script = Path(argv[0])
    if env.get("HISOPS_FORKSERVER", "1") == "0" or script != Path(sys.executable).parent / (
        "ansible-playbook"
    ):
        return None  # another ansible-playbook than this Python's
    key = frozenset(_ansible_env(env).items())
    with _lock:
        if key not in _servers:
            _servers[key] = _Server(env)
        server = _servers[key]
    out = tempfile.mkdtemp(prefix="hisops-run-", dir=server.dir)
    request = {
        "argv": argv,
        "env": env,
        "cwd": os.getcwd(),
        "stdout": os.path.join(out, "stdout"),
        "stderr": os.path.join(out, "stderr"),
    }
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(server.path)
            conn.sendall(json.dumps(request).encode() + b"\n")
            answers = conn.makefile("rb")
            first = json.loads(answers.readline() or b"{}")
            if "pid" not in first:
                return None  # refused: the caller runs the script
            try:
                last = json.loads(answers.readline() or b"{}")
            except TimeoutError:
                os.killpg(first["pid"], signal.SIGKILL)
                raise subprocess.TimeoutExpired(argv, timeout) from None
        text = ""
        for name in ("stdout", "stderr"):
            with open(request[name], encoding="utf-8", errors="replace") as stream:
                text += stream.read()
        return int(last.get("rc", 250)), text
    finally:
        shutil.rmtree(out, ignore_errors=True)


# A gate's server that no run asked for this long ends (a gate's scenarios each have an
# environment of their own, so a server of a scenario that ended is idle from then on).
GATE_IDLE_S = 120.0


def gate_run(argv: list[str]) -> int | None:
    """For a gate's ``ansible-playbook`` wrapper (scripts/gates/ansible-bin): ``argv`` run
    forked from the gate's server for this process's ANSIBLE_* environment and directory
    (started at the first run that needs it), on this process's own stdin, stdout and
    stderr; its exit code. None when the gate has no server directory
    (HISOPS_GATE_FORKSERVER) or the run was refused: the caller runs ansible in-process."""
    folder = os.environ.get("HISOPS_GATE_FORKSERVER", "")
    if not folder or os.environ.get("HISOPS_FORKSERVER", "1") == "0" or not os.path.isdir(folder):
        return None
    env = dict(os.environ)
    ident = {
        **_ansible_env(env),
        "cwd": "" if "ANSIBLE_CONFIG" in env else os.getcwd(),
        "python": sys.executable,
    }
    key = hashlib.sha256(json.dumps(sorted(ident.items())).encode()).hexdigest()[:16]
    path = os.path.join(folder, f"{key}.sock")
    request = json.dumps({"argv": argv, "env": env, "cwd": os.getcwd()}).encode() + b"\n"
    for attempt in (1, 2):
        try:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(path)
        except OSError:
            conn.close()
            if attempt == 2:
                return None
            _start_gate_server(folder, key, path, env)
            continue
        with conn:
            socket.send_fds(conn, [request], [0, 1, 2])
            answers = conn.makefile("rb")
            first = json.loads(answers.readline() or b"{}")
            if "pid" not in first:
                return None  # refused: the caller runs ansible in-process
            pid = first["pid"]

            def forward(signum: int, _frame: object, group: int = pid) -> None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signum)

            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, forward)
            last = json.loads(answers.readline() or b"{}")
            return int(last.get("rc", 250))
    return None


def _start_gate_server(folder: str, key: str, path: str, env: dict[str, str]) -> None:
    """The gate's server for ``key``, started once (a lock: concurrent runs of one
    environment start one server); its own session, holding none of the caller's files."""
    with open(os.path.join(folder, f"{key}.lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
            probe.connect(path)
            return  # another run started it meanwhile (the probe is refused as cut short)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with open(os.path.join(folder, f"{key}.log"), "a", encoding="utf-8") as log:
            proc = subprocess.Popen(
                [sys.executable, __file__, path, "--gate"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                text=True,
            )
        assert proc.stdout is not None
        ready = proc.stdout.readline().strip() == "ready"
        proc.stdout.close()
        if not ready:
            raise RuntimeError(f"the gate's ansible fork server did not start: {folder}/{key}.log")


if __name__ == "__main__":
    serve(sys.argv[1], gate=sys.argv[2:] == ["--gate"])
