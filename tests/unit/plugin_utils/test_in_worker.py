"""plugins/plugin_utils/in_worker.py: when a module's payload runs in the worker, and that it
hands back what a new Python would have (stdout, exit code, its children's output)."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import pytest
from ansible_collections.hisops.emergency.plugins.plugin_utils import in_worker

LOCAL = SimpleNamespace(transport="local")
NO_BECOME = SimpleNamespace(become=False)
TASK = SimpleNamespace(async_val=0)
PAYLOAD = b"#!" + sys.executable.encode() + b"\nprint('{}')\n"


def test_runs_here_only_for_this_python_piped_over_a_local_connection(monkeypatch) -> None:
    monkeypatch.delenv(in_worker.ENV_SWITCH, raising=False)
    here = dict(cmd=sys.executable, in_data=PAYLOAD, connection=LOCAL,
                play_context=NO_BECOME, task=TASK)  # fmt: skip
    assert in_worker.runs_here(**here)
    assert not in_worker.runs_here(**{**here, "in_data": None})  # not piped: a file on disk
    assert not in_worker.runs_here(**{**here, "cmd": "/usr/bin/python2"})  # another Python
    assert not in_worker.runs_here(**{**here, "cmd": f"FOO=1 {sys.executable}"})  # environment
    assert not in_worker.runs_here(**{**here, "connection": SimpleNamespace(transport="ssh")})
    assert not in_worker.runs_here(**{**here, "play_context": SimpleNamespace(become=True)})
    assert not in_worker.runs_here(**{**here, "task": SimpleNamespace(async_val=30)})
    assert not in_worker.runs_here(**{**here, "in_data": b"\x7fELF binary module"})
    monkeypatch.setenv(in_worker.ENV_SWITCH, "0")
    assert not in_worker.runs_here(**here)


def payload(body: str) -> bytes:
    return b"#!" + sys.executable.encode() + b"\n" + body.encode()


def test_stdout_and_exit_code_come_back_and_the_process_is_left_as_it_was(tmp_path) -> None:
    cwd, path, argv = os.getcwd(), list(sys.path), list(sys.argv)
    done = in_worker.run_payload(payload(
        "import os, sys, json\n"
        f"os.chdir({str(tmp_path)!r}); sys.path.insert(0, 'zip'); sys.argv[:] = ['x']\n"
        "if __name__ == '__main__':\n"
        "    print(json.dumps({'changed': True}))\n"
        "    sys.exit(0)\n"
    ))  # fmt: skip
    assert done["rc"] == 0
    assert done["stdout"].strip() == '{"changed": true}'
    assert done["stdout_lines"] == ['{"changed": true}']
    assert (os.getcwd(), sys.path, sys.argv) == (cwd, path, argv)


def test_a_failed_exit_and_an_exception_are_the_rc_and_stderr_a_new_python_would_give() -> None:
    failed = in_worker.run_payload(
        payload("import sys\nprint('{\"failed\": true}')\nsys.exit(1)\n")
    )
    assert failed["rc"] == 1 and '"failed": true' in failed["stdout"]
    crashed = in_worker.run_payload(payload("raise RuntimeError('boom')\n"))
    assert crashed["rc"] == 1
    assert "RuntimeError: boom" in crashed["stderr"]
    message = in_worker.run_payload(payload("import sys\nsys.exit('no netmiko')\n"))
    assert (message["rc"], message["stderr"].strip()) == (1, "no netmiko")


def test_what_children_write_to_the_descriptors_is_captured_not_leaked(capfd) -> None:
    done = in_worker.run_payload(payload(
        "import subprocess\n"
        "subprocess.run(['sh', '-c', 'echo child-out; echo child-err >&2'], check=True)\n"
        "print('{}')\n"
    ))  # fmt: skip
    assert "child-out" in done["stdout"] and "child-err" in done["stderr"]
    leaked = capfd.readouterr()
    assert "child-out" not in leaked.out and "child-err" not in leaked.err


def test_exit_handlers_the_module_registers_run_when_it_ends_not_at_the_workers_exit(
    tmp_path,
) -> None:
    marker = tmp_path / "cleaned"
    done = in_worker.run_payload(payload(
        "import atexit, pathlib\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "print('{}')\n"
    ))  # fmt: skip
    assert done["rc"] == 0
    assert marker.read_text() == "yes"


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (b"#!x\n)(", "SyntaxError"),
        (b"#!x\nimport no_such_module_anywhere\n", "ModuleNotFoundError"),
    ],
)
def test_a_payload_that_cannot_run_is_a_failed_run_not_a_worker_crash(
    bad: bytes, error: str
) -> None:
    done = in_worker.run_payload(bad)
    assert done["rc"] == 1 and error in done["stderr"]


class _Spawning:
    """Stands in for ActionBase: what would start a new process."""

    def _low_level_execute_command(self, cmd, sudoable=True, in_data=None, executable=None, **kw):
        return {"rc": 0, "stdout": "spawned", "stderr": ""}


class _Action(in_worker.InWorkerModules, _Spawning):
    def __init__(self, transport: str = "local", become: bool = False) -> None:
        self._connection = SimpleNamespace(transport=transport)
        self._play_context = SimpleNamespace(become=become)
        self._task = TASK


def test_the_action_runs_a_piped_local_module_here_and_everything_else_as_before(
    monkeypatch,
) -> None:
    monkeypatch.delenv(in_worker.ENV_SWITCH, raising=False)
    module = payload("import os, sys\nprint('{\"pid\": %d}' % os.getpid())\nsys.exit(0)\n")
    here = _Action()._low_level_execute_command(sys.executable, in_data=module)
    assert here["stdout"].strip() == f'{{"pid": {os.getpid()}}}'  # this very process
    assert _Action()._low_level_execute_command("echo ~root")["stdout"] == "spawned"
    over_ssh = _Action(transport="ssh")._low_level_execute_command(sys.executable, in_data=module)
    assert over_ssh["stdout"] == "spawned"
    become = _Action(become=True)._low_level_execute_command(sys.executable, in_data=module)
    assert become["stdout"] == "spawned"
    monkeypatch.setenv(in_worker.ENV_SWITCH, "0")
    assert (
        _Action()._low_level_execute_command(sys.executable, in_data=module)["stdout"] == "spawned"
    )
