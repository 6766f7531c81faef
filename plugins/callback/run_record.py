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
  - Each line carries a UTC timestamp, the operator (C(HISOPS_OPERATOR), else the AWX user
    who launched the job, else the login user), the run id, the playbook, play, host, task, module, changed, failed, message and the
    diff when the task produced one.
  - Results of tasks with C(no_log) are written without message, diff or any module output;
    keys that name secrets (password, secret, token, private key) are masked everywhere.
  - One file per run, named after its start time, playbook and run id, in O(record_dir).
  - On AWX / Automation Controller (inside an execution environment) the operator is the
    job's C(awx_user_name) (or C(tower_user_name)) extra variable (C(schedule:<name>) for
    a job a schedule launched), the run id
    C(awx-job-<awx_job_id>), the incident the C(incident) extra variable, and the record is
    written into the job's ansible-runner artifact directory (C(AWX_ISOLATED_DATA_DIR)),
    which ansible-runner streams back to the controller with the job's artifacts. When
    C(HISOPS_RUN_RECORD_DIR) names another directory (the hisops store mounted into the
    execution environment, where C(hisops incident tick) finds the runs), the record is
    written there and a copy among the job's artifacts.
version_added: 0.1.0
options:
  record_dir:
    description: Directory of the run records; created when missing.
    type: path
    default: ~/.hisops/records
    env:
      # ansible-runner's artifact directory of the run (set in every run it starts, AWX's
      # jobs included); HISOPS_RUN_RECORD_DIR, listed last, wins over it
      - name: AWX_ISOLATED_DATA_DIR
      - name: HISOPS_RUN_RECORD_DIR
    ini:
      - section: callback_run_record
        key: record_dir
  operator:
    description: Who runs the playbook. Defaults to the AWX user who launched the job
      (extra variable C(awx_user_name) or C(tower_user_name)), else the login user.
    type: str
    env:
      - name: HISOPS_OPERATOR
  run_id:
    description: Identifier of the run; the hisops CLI passes the ansible-runner ident.
      Defaults to C(awx-job-<awx_job_id>) on AWX, else a random id.
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
from ansible.utils.vars import load_extra_vars

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
        self._copy = None  # an AWX job's artifact directory, when records go elsewhere
        self._playbook = None
        self._play = None
        self._operator = None
        self._run_id = None
        self._check_mode = False
        self._awx_job = False

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._operator = self.get_option("operator") or _login_user()
        self._run_id = self.get_option("run_id") or uuid.uuid4().hex[:12]

    def _take_awx_job_vars(self, loader) -> dict:
        """AWX passes who launched the job and the job's id as extra variables (awx_*, and
        tower_* for older playbooks); an explicit HISOPS_OPERATOR / HISOPS_RUN_ID wins."""
        try:
            extra = load_extra_vars(loader) or {}
        except Exception:  # a broken -e was already refused by ansible-playbook itself
            extra = {}
        if not self.get_option("operator"):
            self._operator = awx_operator(extra) or self._operator
        self._awx_job = bool(extra.get("awx_job_id") or extra.get("tower_job_id"))
        if not self.get_option("run_id"):
            job_id = extra.get("awx_job_id") or extra.get("tower_job_id")
            if job_id:
                self._run_id = f"awx-job-{job_id}"
        return extra

    # -- writing -----------------------------------------------------------------------
    def _open(self, playbook_name: str) -> None:
        record_dir = os.path.expanduser(self.get_option("record_dir"))
        os.makedirs(record_dir, mode=0o750, exist_ok=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", playbook_name)
        self._path = os.path.join(record_dir, f"{stamp}-{stem}-{self._run_id}.jsonl")
        artifacts = os.environ.get("AWX_ISOLATED_DATA_DIR", "")
        if (
            self._awx_job
            and artifacts
            and os.path.realpath(artifacts) != os.path.realpath(record_dir)
        ):
            self._copy = os.path.join(artifacts, os.path.basename(self._path))

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
        for path in (self._path, self._copy):
            if path:
                with open(path, "a", encoding="utf-8") as handle:
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
        extra = self._take_awx_job_vars(playbook._loader)
        self._open(os.path.splitext(self._playbook)[0])
        fields = {}
        # the incident the run is made for (HISOPS_INCIDENT, as hisops run sets it, or an AWX
        # job's incident extra variable): the toolkit's clock tick puts the finished run in
        # that incident's timeline
        incident = (
            os.environ.get("HISOPS_INCIDENT", "").strip()
            or str(extra.get("incident") or "").strip()
        )
        if incident:
            fields["incident"] = incident
        if extra.get("awx_job_id") or extra.get("tower_job_id"):
            fields["awx_job"] = {
                key: extra[key]
                for key in ("awx_job_id", "awx_job_template_name", "awx_user_name",
                            "awx_workflow_job_id", "awx_schedule_name")
                if key in extra
            }  # fmt: skip
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


def awx_operator(extra: dict):
    """Who an AWX job runs for, from the variables AWX gives every job
    (awx/main/models/unified_jobs.py awx_meta_vars): the user who launched it, else the
    schedule that did (no user then), else None (not an AWX job)."""
    for prefix in ("awx", "tower"):
        user = extra.get(f"{prefix}_user_name")
        if user:
            return str(user)
    for prefix in ("awx", "tower"):
        for key in ("schedule_name", "parent_job_schedule_name"):
            schedule = extra.get(f"{prefix}_{key}")
            if schedule:
                return f"schedule:{schedule}"
    return None


def _login_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
