# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-local modules run in the worker that already holds their imports.

A switch module runs on the controller (it reaches the device with netmiko). Ansible
starts a new Python for it and pipes it the module's AnsiballZ payload; that Python
imports ansible's module_utils, netmiko, paramiko and hier_config again - about 0.45
CPU-s of a 0.55 CPU-s run (issue 15) - while the worker that started it has ansible
imported already and, through the action plugin's own imports (loaded in the main
process by the strategy before the workers fork), netmiko and hier_config too.

:class:`InWorkerModules` runs that same payload in the worker instead: the bytes Ansible
built (arguments, serialization profile, module code, all as usual) are executed as the
new Python would execute them, with the payload's stdout and exit code handed back to
Ansible's own result parsing. Each worker is a fork that serves one task on one host and
exits, so nothing the module changes in the process (``sys.path``, the working
directory, ``os.environ``) outlives the task.

It is used only where the new process would be this very Python on this machine: a
``local`` connection, no become, no async, no task ``environment`` (the command line is
the interpreter alone) and that interpreter is this process's own executable. Anything
else - another ``ansible_python_interpreter`` for localhost, a delegation over SSH - runs
the usual way. ``HISOPS_MODULES_IN_WORKER=0`` turns it off.
"""

from __future__ import annotations

import atexit
import io
import os
import shlex
import sys
import tempfile
import traceback
from typing import Any

from ansible.plugins.action.normal import ActionModule as NormalAction

ENV_SWITCH = "HISOPS_MODULES_IN_WORKER"


def _same_python(path: str) -> bool:
    try:
        return os.path.samefile(path, sys.executable)
    except OSError:
        return False


def runs_here(cmd: Any, in_data: Any, connection: Any, play_context: Any, task: Any) -> bool:
    """Whether the low-level command is the pipelined run of a module by this Python."""
    if os.environ.get(ENV_SWITCH, "1") == "0" or not isinstance(in_data, bytes):
        return False
    if getattr(connection, "transport", "") != "local" or getattr(play_context, "become", False):
        return False
    if getattr(task, "async_val", 0):
        return False
    try:
        words = shlex.split(str(cmd))
    except ValueError:
        return False
    return len(words) == 1 and _same_python(words[0]) and in_data.startswith(b"#!")


def run_payload(payload: bytes) -> dict[str, Any]:
    """Execute an AnsiballZ payload here as ``python -`` would; its result as the
    low-level command's (``rc``, ``stdout``, ``stderr`` and their lines)."""
    out, err = io.StringIO(), io.StringIO()
    saved_streams = sys.stdout, sys.stderr
    saved_argv, saved_path = list(sys.argv), list(sys.path)
    saved_main = sys.modules.get("__main__")
    cwd = os.getcwd()
    handlers: list[tuple[Any, tuple, dict]] = []
    register = atexit.register

    def collect(func: Any, *args: Any, **kwargs: Any) -> Any:
        handlers.append((func, args, kwargs))
        return func

    rc = 0
    # what the module's children (or C code) write to the process's own descriptors
    with tempfile.TemporaryFile() as raw_out, tempfile.TemporaryFile() as raw_err:
        for stream in saved_streams:
            stream.flush()
        fds = os.dup(1), os.dup(2)
        os.dup2(raw_out.fileno(), 1)
        os.dup2(raw_err.fileno(), 2)
        sys.stdout, sys.stderr = out, err
        atexit.register = collect  # type: ignore[assignment]
        try:
            code = compile(payload, "<AnsiballZ payload>", "exec")
            exec(code, {"__name__": "__main__", "__builtins__": __builtins__})  # noqa: S102
        except SystemExit as exc:
            if exc.code is None:
                rc = 0
            elif isinstance(exc.code, int):
                rc = exc.code
            else:
                err.write(f"{exc.code}\n")
                rc = 1
        except BaseException:  # what a new Python would print before dying  # noqa: BLE001
            err.write(traceback.format_exc())
            rc = 1
        finally:
            atexit.register = register  # type: ignore[assignment]
            for func, args, kwargs in reversed(handlers):  # the module's own exit work
                try:
                    func(*args, **kwargs)
                except Exception:  # noqa: BLE001 - as at a real exit: printed, not raised
                    err.write(traceback.format_exc())
            sys.stdout, sys.stderr = saved_streams
            os.dup2(fds[0], 1)
            os.dup2(fds[1], 2)
            for fd in fds:
                os.close(fd)
            sys.argv[:] = saved_argv
            sys.path[:] = saved_path
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
            try:
                os.chdir(cwd)
            except OSError:
                pass
        raw_out.seek(0)
        raw_err.seek(0)
        stdout = out.getvalue() + raw_out.read().decode("utf-8", "surrogateescape")
        stderr = err.getvalue() + raw_err.read().decode("utf-8", "surrogateescape")
    return {
        "rc": rc,
        "stdout": stdout,
        "stdout_lines": stdout.splitlines(),
        "stderr": stderr,
        "stderr_lines": stderr.splitlines(),
    }


class InWorkerModules:
    """Mixin for an ActionBase subclass whose module runs on the controller."""

    def _low_level_execute_command(
        self, cmd, sudoable=True, in_data=None, executable=None, **kwargs
    ):
        action: Any = self
        if (
            executable is None
            and not kwargs.get("chdir")
            and runs_here(cmd, in_data, action._connection, action._play_context, action._task)
        ):
            return run_payload(in_data)
        return super()._low_level_execute_command(  # type: ignore[misc]
            cmd, sudoable=sudoable, in_data=in_data, executable=executable, **kwargs
        )


class LocalModuleAction(InWorkerModules, NormalAction):
    """The action of a module with no action plugin of its own (Ansible's ``normal``), for
    the collection's modules that run on the controller (``delegate_to: localhost``): on a
    host reached over SSH it is exactly ``normal``."""
