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
from pathlib import Path


def _ansible_env(env: dict[str, str]) -> dict[str, str]:
    """What ansible fixes when it is imported: its settings, the locale, the home."""
    return {
        k: v
        for k, v in env.items()
        if k.startswith(("ANSIBLE_", "LC_", "PYTHON")) or k in ("LANG", "HOME")
    }


def _run(conn: socket.socket, request: dict) -> None:
    """In the forked child: run ansible-playbook as the script would, report its rc."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # ansible waits for its own workers
    os.setpgid(0, 0)
    rc = 250
    try:
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
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


def serve(path: str) -> None:
    # the script's own sys.path, not this file's directory
    sys.path[0] = os.path.dirname(sys.executable)
    # the import every run would repeat (importing more of ansible-core here, its executor
    # and the plugins the playbooks use, saved nothing measurable: the plugin loader loads
    # them its own way)
    import ansible.cli.playbook  # noqa: F401

    # the payloads carry their bytecode (ansible_bytecode.py), loaded from its file: this
    # directory is not put on the runs' sys.path
    spec = importlib.util.spec_from_file_location(
        "hisops_ansible_bytecode", os.path.join(os.path.dirname(__file__), "ansible_bytecode.py")
    )
    assert spec is not None and spec.loader is not None
    bytecode = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bytecode)
    bytecode.install(memo_dir=os.path.join(os.path.dirname(path), "ansiballz"))

    own = _ansible_env(dict(os.environ))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # runs are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    # a server whose pytest process was killed (no atexit ran) ends on its own
    listener.settimeout(5.0)
    parent = os.getppid()
    print("ready", flush=True)
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            if os.getppid() != parent:
                return
            continue
        conn.settimeout(None)
        with conn:
            request = json.loads(conn.makefile("rb").readline())
            if _ansible_env(request["env"]) != own:
                conn.sendall(json.dumps({"refused": "ANSIBLE_* environment"}).encode() + b"\n")
                continue
            if os.fork() == 0:
                listener.close()
                _run(conn, request)


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


if __name__ == "__main__":
    serve(sys.argv[1])
