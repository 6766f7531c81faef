# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The version ledger on the controller (plan P7.3): per workstation, what was installed,
when, by whom, with what result, what is expected there and its last known-good version.

One JSON file (written atomically under an exclusive lock: batches of one run and
parallel runs append safely) and an HTML rendering of it. Entries are facts, never
secrets: versions, results, messages, operator and run id.

Results of an entry: ``ok`` (switched, health check passed), ``unchanged`` (already
there and healthy), ``failed`` (could not switch, or unhealthy and not put back),
``rolled_back`` (unhealthy after the switch, put back at once), ``reverted`` (went back
because the rollout stopped), ``unreachable`` (could not be reached: state unknown until
it returns), ``skipped`` (not attempted: the rollout had stopped), ``isolated`` (deferred:
an open isolation cut it off on purpose; the first audit after the reconnection brings
it up).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os

from ..files import write_atomic
from .errors import InputError, LedgerError
from .ledger_templates import AUDIT_HTML, LEDGER_HTML

try:
    import jinja2

    HAS_JINJA2 = True
    JINJA2_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - the report says so
    HAS_JINJA2 = False
    JINJA2_IMPORT_ERROR = exc

RESULTS = (
    "ok",
    "unchanged",
    "failed",
    "rolled_back",
    "reverted",
    "unreachable",
    "skipped",
    "isolated",
)
ACTIONS = ("update", "rollback", "reconcile", "revert", "audit")
AUDIT_STATES = ("current", "behind", "failed", "offline", "rolled_back", "unknown", "isolated")
HISTORY_LIMIT = 200


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def empty_ledger() -> dict:
    return {"format": 1, "hosts": {}, "runs": [], "fleet_expected": None}


class Ledger:
    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    def read(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return empty_ledger()
        except (OSError, ValueError) as exc:
            raise LedgerError("cannot read the ledger %s: %s" % (self.path, exc)) from exc
        base = empty_ledger()
        base.update(data)
        return base

    @contextlib.contextmanager
    def update(self, check_mode: bool = False):
        """Yield the ledger for changes; written back atomically unless ``check_mode``."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path + ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self.read()
            original = json.dumps(data, sort_keys=True)
            yield data
            if not check_mode and json.dumps(data, sort_keys=True) != original:
                write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def host_entry(data: dict, host: str) -> dict:
    return data["hosts"].setdefault(
        host, {"expected": None, "known_good": None, "current": None, "history": []}
    )


def record(data: dict, entries: list, run: dict) -> list:
    """Append ``entries`` (one per workstation) to the ledger; returns the hosts recorded.

    An entry: host, action, version (what the workstation runs now), target (what was
    asked), from (what it ran before), result, message, and optionally expected (the
    version it should run from now on).
    """
    recorded = []
    for index, entry in enumerate(entries):
        where = "records[%d]" % index
        if not isinstance(entry, dict) or not entry.get("host"):
            raise InputError("%s: each record needs a host" % where, field="records")
        if entry.get("result") not in RESULTS:
            raise InputError(
                "%s: result %r is not one of %s" % (where, entry.get("result"), ", ".join(RESULTS)),
                field="records",
            )
        if entry.get("action") not in ACTIONS:
            raise InputError(
                "%s: action %r is not one of %s" % (where, entry.get("action"), ", ".join(ACTIONS)),
                field="records",
            )
        host = host_entry(data, entry["host"])
        if entry["result"] == "unchanged":
            # Nothing happened there: no history line, only facts that were out of date.
            facts = {
                "current": entry.get("version"),
                "known_good": entry.get("version"),
                "expected": entry.get("expected") or host.get("expected"),
            }
            facts = {k: v for k, v in facts.items() if v and host.get(k) != v}
            if facts:
                host.update(facts)
                recorded.append(entry["host"])
            continue
        item = {
            "at": run.get("at") or now(),
            "by": run.get("operator") or "unknown",
            "run": run.get("run_id") or "",
            "action": entry["action"],
            "target": entry.get("target"),
            "from": entry.get("from"),
            "version": entry.get("version"),
            "result": entry["result"],
            "message": str(entry.get("message") or "")[:500],
        }
        host["history"].append(item)
        del host["history"][:-HISTORY_LIMIT]
        if entry["result"] != "unreachable" and entry.get("version") is not None:
            host["current"] = entry["version"]
        if entry["result"] in ("ok", "unchanged") and entry.get("version"):
            host["known_good"] = entry["version"]
        if "expected" in entry and entry["expected"]:
            host["expected"] = entry["expected"]
        recorded.append(entry["host"])
    return recorded


def set_expected(data: dict, expected: dict) -> list:
    """Set the version each workstation should run; returns the hosts whose value changed."""
    changed = []
    for host, version in sorted((expected or {}).items()):
        if not version:
            continue
        entry = host_entry(data, host)
        if entry.get("expected") != version:
            entry["expected"] = version
            changed.append(host)
    return changed


def add_run(data: dict, run: dict) -> None:
    data["runs"].append(run)
    del data["runs"][:-HISTORY_LIMIT]
    if run.get("fleet_expected"):
        data["fleet_expected"] = run["fleet_expected"]


def passed_on(data: dict, hosts: list, version: str) -> dict:
    """Per host of the test group: True when ``version`` was installed there with a healthy result."""
    verdict = {}
    for host in hosts:
        history = data["hosts"].get(host, {}).get("history", [])
        verdict[host] = any(
            h.get("version") == version
            and h.get("result") in ("ok", "unchanged")
            and h.get("action") in ("update", "reconcile")
            for h in history
        )
    return verdict


def expected_for(data: dict, host: str):
    entry = data["hosts"].get(host) or {}
    return entry.get("expected") or data.get("fleet_expected")


def classify(data: dict, host: str, actual, reachable: bool, healthy, isolated=None) -> dict:
    """Audit verdict for one workstation: state, expected, actual, last result and why.

    ``isolated`` (why: the open isolation's hold) wins over every other state: the
    workstation is cut off on purpose and left alone until the reconnection.
    """
    entry = data["hosts"].get(host) or {}
    history = entry.get("history") or []
    last = history[-1] if history else None
    expected = expected_for(data, host)
    out = {
        "host": host,
        "expected": expected,
        "actual": actual,
        "healthy": healthy,
        "known_good": entry.get("known_good"),
        "last_result": last.get("result") if last else None,
        "last_at": last.get("at") if last else None,
        "last_run": last.get("run") if last else None,
    }
    if isolated:
        out.update(
            state="isolated",
            reason="cut off on purpose: %s; last known version %s"
            % (isolated, entry.get("current") or actual or "unknown"),
        )
    elif not reachable:
        out.update(
            state="offline",
            reason="unreachable now; last known version %s" % (entry.get("current") or "unknown"),
        )
    elif expected is None:
        out.update(state="unknown", reason="no version expected yet (no completed rollout)")
    elif actual == expected and healthy is not False:
        out.update(state="current", reason="")
    elif actual == expected:
        out.update(state="failed", reason="runs %s but its health check fails" % actual)
    elif last and last.get("result") == "failed":
        out.update(
            state="failed", reason="last %s failed: %s" % (last["action"], last.get("message"))
        )
    elif last and last.get("result") == "rolled_back" and last.get("target") == expected:
        out.update(
            state="rolled_back",
            reason="%s failed its health check here (run %s); put back "
            "to %s" % (expected, last.get("run"), actual),
        )
    else:
        out.update(state="behind", reason=behind_reason(last, actual, expected))
    out["remediation"], out["remediation_reason"] = remediation(out, last)
    return out


def remediation(verdict: dict, last) -> tuple:
    """What ``remediate=true`` does for a classified workstation, and why.

    * ``update``: bring it to the expected version (behind; or failed with another
      version than the expected one, so the expected one has not failed there);
    * ``wait``: offline - reconciled by the first audit that reaches it again;
    * ``attention``: a person must look - the expected version itself failed or was
      rolled back there, or it runs the expected version and its health check fails:
      installing it again would fail the same way;
    * ``none``: current, or nothing expected yet.
    """
    state, expected = verdict["state"], verdict["expected"]
    if state == "behind":
        return ("update", "was behind: " + verdict["reason"])
    if state == "isolated":
        return (
            "wait",
            "isolated: left alone until the reconnection; the first audit after it "
            "brings it up (%s)" % verdict["reason"],
        )
    if state == "offline":
        return (
            "wait",
            "offline: reconciled when it answers an audit again (%s)" % verdict["reason"],
        )
    if state == "rolled_back":
        return (
            "attention",
            "needs attention: %s itself failed its health check here; "
            "fix the cause (or publish a new version) before trying again" % expected,
        )
    if state == "failed":
        if verdict["actual"] == expected:
            return ("attention", "needs attention: runs %s and its health check fails" % expected)
        if last and last.get("target") == expected:
            return (
                "attention",
                "needs attention: %s failed here (%s); not tried again"
                % (expected, last.get("message") or "no message"),
            )
        return (
            "update",
            "retry: the last %s (to %s) failed, %s has not failed here: %s"
            % (
                last.get("action") if last else "change",
                last.get("target") if last else "?",
                expected,
                verdict["reason"],
            ),
        )
    return ("none", "")


def behind_reason(last, actual, expected) -> str:
    if last is None:
        return "no rollout reached it (added after the rollout, or never updated): runs %s" % (
            actual or "no client"
        )
    if last.get("result") == "unreachable":
        return "was unreachable during run %s at %s (%s)" % (
            last.get("run"),
            last.get("at"),
            last.get("action"),
        )
    if last.get("result") == "isolated":
        return "deferred by run %s at %s (%s)" % (
            last.get("run"),
            last.get("at"),
            last.get("message") or "isolated",
        )
    if last.get("result") == "skipped":
        return "not attempted: run %s stopped before its batch" % last.get("run")
    return "runs %s, expected %s since run %s (changed outside hisops?)" % (
        actual or "no client",
        expected,
        last.get("run"),
    )


def _render(source: str, **context) -> str:
    if not HAS_JINJA2:
        raise LedgerError(
            "cannot render the HTML report: jinja2 is not installed (%s)" % JINJA2_IMPORT_ERROR
        )
    env = jinja2.Environment(
        autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
    )
    return env.from_string(source).render(**context)


def render_html(data: dict, title: str = "HIS client version ledger") -> str:
    """The ledger as HTML: each workstation (its last ten entries), then the last 50 runs."""
    workstations = []
    for host in sorted(data["hosts"]):
        entry = data["hosts"][host]
        history = entry.get("history", [])
        workstations.append(
            {
                "host": host,
                "current": entry.get("current"),
                "expected": expected_for(data, host),
                "known_good": entry.get("known_good"),
                "last_result": (history or [{}])[-1].get("result"),
                "entries": len(history),
                "history": list(reversed(history[-10:])),
            }
        )
    runs = [
        {key: r.get(key) for key in ("at", "run_id", "operator", "playbook", "version", "outcome")}
        for r in reversed(data.get("runs", [])[-50:])
    ]
    return _render(
        LEDGER_HTML,
        title=title,
        at=now(),
        fleet_expected=data.get("fleet_expected"),
        workstations=workstations,
        runs=runs,
    )


def write_reports(data: dict, directory: str, name: str = "client-ledger", audit=None) -> dict:
    """``client-ledger.json``/``.html``; with ``audit``, also ``client-audit.json``/``.html``."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    files = [
        (name, "json", json.dumps(data, indent=1, sort_keys=True) + "\n"),
        (name, "html", render_html(data)),
    ]
    if audit is not None:
        summary = {
            "at": now(),
            "workstations": audit,
            "counts": {s: sum(1 for a in audit if a["state"] == s) for s in AUDIT_STATES},
        }
        files += [
            ("client-audit", "json", json.dumps(summary, indent=1, sort_keys=True) + "\n"),
            ("client-audit", "html", render_audit_html(summary)),
        ]
    for base, ext, text in files:
        path = os.path.join(directory, "%s.%s" % (base, ext))
        write_atomic(path, text)
        paths[ext if base == name else "audit_" + ext] = path
    return paths


def render_audit_html(summary: dict) -> str:
    """The audit as HTML: the workstations that are not current first."""
    workstations = sorted(
        summary["workstations"], key=lambda a: (a["state"] == "current", a["host"])
    )
    return _render(
        AUDIT_HTML, at=summary["at"], counts=summary["counts"], workstations=workstations
    )
