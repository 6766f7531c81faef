# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The daily inspection's one result type: a finding, and the verdict over many.

Every check of the daily inspection (network, addresses, database, servers, workstations,
medical-insurance interface, UPS) returns a list of ``Finding``; the sheet (HTML), the JSON,
the Prometheus textfile, the Nagios exit code and the console read only these. A finding is
plain data (``to_dict``/``from_dict`` round-trip through JSON), so checks that run on a
managed host (an Ansible module) return the same dicts as checks run on the controller.

Severity follows the Nagios plugin guidelines: ``ok`` 0, ``warning`` 1, ``critical`` 2,
``unknown`` 3 (the check could not tell: e.g. a host did not answer to a check that needs
it to). A thing that should answer and does not (a switch, a UPS) is a ``critical`` finding
of its own, not an ``unknown``: the inspection never crashes on it.

``check`` is a stable key (``switch_reachable``, ``unassigned_address``, ...) and ``params``
its values, so the sheet and the console can render the message in the site's language;
``message`` is the English sentence, always present.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Optional

SEVERITIES = ("ok", "warning", "critical", "unknown")
# Nagios exit codes per severity
EXIT_CODES = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
# What the sheet shows first: critical, warning, unknown, ok
RANK = {"critical": 0, "warning": 1, "unknown": 2, "ok": 3}

# The inspection's areas and the plan items each one answers
AREAS = {
    "network": "P4.3",
    "addresses": "P4.4",
    "database": "P6.4",
    "servers": "P8.1",
    "workstations": "P5.4",
    "insurance": "P7.5",
    "ups": "P8.2",
}


class FindingError(ValueError):
    """A finding built with a bad field (a programming error of a check, named)."""


@dataclass(frozen=True)
class Finding:
    area: str  # one of AREAS
    check: str  # stable key of the check, e.g. "switch_reachable"
    severity: str  # one of SEVERITIES
    subject: str  # what it is about: a switch, an address, a host, "pair"
    message: str  # English sentence for people
    plan_item: str = ""  # defaults to the area's plan item
    params: Mapping[str, Any] = field(default_factory=dict)  # values for localized messages
    suggested_class: Optional[int] = None  # fault class (1, 2, 3) a person would open
    action: str = ""  # one command that handles it (e.g. the isolate command)
    expected: Optional[Mapping[str, str]] = None  # {"kind": ..., "id": ...}: on purpose
    value: Optional[float] = None  # a measured figure (lag, age in hours, latency ms)
    unit: str = ""  # its unit, for perfdata and the Prometheus textfile

    def __post_init__(self) -> None:
        if self.area not in AREAS:
            raise FindingError(f"area: {self.area!r} is not one of {sorted(AREAS)}")
        if self.severity not in SEVERITIES:
            raise FindingError(f"severity: {self.severity!r} is not one of {list(SEVERITIES)}")
        if not self.check or not self.subject:
            raise FindingError("check and subject: both are required")
        if self.suggested_class not in (None, 1, 2, 3):
            raise FindingError(f"suggested_class: {self.suggested_class!r} is not 1, 2 or 3")
        if not self.plan_item:
            object.__setattr__(self, "plan_item", AREAS[self.area])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["params"] = dict(self.params)
        data["expected"] = dict(self.expected) if self.expected else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Finding":
        known = cls.__dataclass_fields__
        extra = sorted(set(data) - set(known))
        if extra:
            raise FindingError(f"finding: unknown fields {extra}")
        return cls(**{k: v for k, v in data.items() if k in known})


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """What is wrong first: by severity, then plan item, then subject."""
    return sorted(findings, key=lambda f: (RANK[f.severity], f.plan_item, f.subject, f.check))


def worst(findings: Iterable[Finding]) -> str:
    """The run's severity: critical over warning over unknown over ok."""
    severities = {f.severity for f in findings}
    for severity in ("critical", "warning", "unknown"):
        if severity in severities:
            return severity
    return "ok"


def exit_code(findings: Iterable[Finding]) -> int:
    """The Nagios exit code of a whole inspection."""
    return EXIT_CODES[worst(findings)]


def summary_line(findings: Iterable[Finding]) -> str:
    """Nagios' one line: ``INSPECTION CRITICAL - 2 critical, 1 warning, 40 ok | perfdata``."""
    items = list(findings)
    counts = {s: sum(1 for f in items if f.severity == s) for s in SEVERITIES}
    parts = [f"{counts[s]} {s}" for s in ("critical", "warning", "unknown", "ok") if counts[s]]
    perf = " ".join(f"{s}={counts[s]}" for s in ("critical", "warning", "unknown", "ok"))
    return f"INSPECTION {worst(items).upper()} - {', '.join(parts) or 'nothing checked'} | {perf}"
