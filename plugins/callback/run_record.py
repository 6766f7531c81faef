# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: run_record
type: aggregate
short_description: Append a JSON-lines run record of every playbook run (plan P1.3)
description:
  - Writes one JSON object per line for the start of the playbook, each play, every task
    result on every host, and the closing statistics, so that an incident report can say
    who did what, when, where and with what result.
  - Each line carries a UTC timestamp, the operator (C(HISOPS_OPERATOR) or the login user),
    the run id, the playbook, play, host, task, module, changed, failed, message and the
    diff when the task produced one.
  - Results of tasks with C(no_log) are written without message, diff or any module output;
    keys that name secrets (password, secret, token, private key) are masked everywhere.
  - One file per run, named after its start time, playbook and run id, in O(record_dir).
version_added: 0.1.0
options:
  record_dir:
    description: Directory of the run records; created when missing.
    type: path
    default: ~/.hisops/records
    env:
      - name: HISOPS_RUN_RECORD_DIR
    ini:
      - section: callback_run_record
        key: record_dir
  operator:
    description: Who runs the playbook. Defaults to the login user.
    type: str
    env:
      - name: HISOPS_OPERATOR
  run_id:
    description: Identifier of the run; the hisops CLI passes the ansible-runner ident.
    type: str
    env:
      - name: HISOPS_RUN_ID
"""

import datetime
import getpass
import json
import os
import re
import uuid

from ansible import context
from ansible.plugins.callback import CallbackBase

SECRET_KEY = re.compile(r"(pass(word|wd)?|secret|token|private_?key|api_?key|community)", re.I)
MASK = "********"
NO_LOG_MESSAGE = "output hidden: the task is no_log"


def _utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def mask_secrets(value):
    """Return a copy of value with every secret-named key's value masked."""
    if isinstance(value, dict):
        return {
            k: (
                MASK
                if isinstance(k, str) and SECRET_KEY.search(k) and v not in (None, "")
                else mask_secrets(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [mask_secrets(v) for v in value]
    return value


def _result_data(result) -> dict:
    data = getattr(result, "result", None)
    if data is None:
        data = getattr(result, "_result", {})
    return dict(data or {})


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "hisops.emergency.run_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self._path = None
        self._playbook = None
        self._play = None
        self._operator = None
        self._run_id = None
        self._check_mode = False

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._operator = self.get_option("operator") or _login_user()
        self._run_id = self.get_option("run_id") or uuid.uuid4().hex[:12]

    # -- writing -----------------------------------------------------------------------
    def _open(self, playbook_name: str) -> None:
        record_dir = os.path.expanduser(self.get_option("record_dir"))
        os.makedirs(record_dir, mode=0o750, exist_ok=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", playbook_name)
        self._path = os.path.join(record_dir, f"{stamp}-{stem}-{self._run_id}.jsonl")

    def _write(self, event: str, **fields) -> None:
        if self._path is None:
            self._open("adhoc")
        record = {
            "ts": _utc_now(),
            "event": event,
            "run_id": self._run_id,
            "operator": self._operator,
            "playbook": self._playbook,
            "play": self._play,
        }
        record.update(fields)
        line = json.dumps(mask_secrets(record), default=str, ensure_ascii=False, sort_keys=False)
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def _task_record(self, status: str, result, ignore_errors: bool = False) -> None:
        task = result._task
        data = _result_data(result)
        no_log = bool(getattr(task, "no_log", False)) or "censored" in data
        fields = {
            "host": result._host.get_name(),
            "task": task.get_name(),
            "module": task.action,
            "status": status,
            "changed": bool(data.get("changed", False)),
            "failed": status in ("failed", "unreachable"),
            "ignore_errors": bool(ignore_errors),
        }
        if self._check_mode or getattr(task, "check_mode", None) is True:
            fields["check_mode"] = True
        if no_log:
            fields["no_log"] = True
            fields["message"] = NO_LOG_MESSAGE
        else:
            message = data.get("msg") or data.get("reason") or data.get("stderr") or ""
            fields["message"] = str(message)[:4000]
            diff = data.get("diff")
            if diff:
                fields["diff"] = diff
        self._write("task", **fields)

    # -- playbook events ---------------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        self._playbook = os.path.basename(playbook._file_name)
        self._check_mode = bool(context.CLIARGS.get("check", False))
        self._open(os.path.splitext(self._playbook)[0])
        fields = {}
        # the incident the run is made for (HISOPS_INCIDENT, as hisops run sets it): the
        # toolkit's clock tick puts the finished run in that incident's timeline
        if os.environ.get("HISOPS_INCIDENT", "").strip():
            fields["incident"] = os.environ["HISOPS_INCIDENT"].strip()
        self._write(
            "playbook_start",
            path=os.path.abspath(playbook._file_name),
            check_mode=self._check_mode,
            diff_mode=bool(context.CLIARGS.get("diff", False)),
            **fields,
        )

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()
        self._write("play_start")

    def v2_runner_on_ok(self, result):
        self._task_record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._task_record("failed", result, ignore_errors=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._task_record("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._task_record("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed)}
        failed = any(s["failures"] or s["unreachable"] for s in summary.values())
        self._write("playbook_end", stats=summary, failed=failed)


def _login_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
