# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention of the off-site copies that keeps what the calendar promised.

pgBackRest's own retention counts full backups (``repo-retention-full``) and has no pin
that ``expire`` respects: with a count of 9, the December month-end copy is gone by
mid-February. So repo2's pgBackRest retention is set to its maximum (its automatic
expire after each backup then never removes a backup) and hisops decides, from the
backup history's *occasion* of each copy (the calendar day it was made for, a catch-up
included), which copies go, then removes exactly those with ``expire --set=<label>``:

* the ``keep_last`` newest good copies stay (the 10th, the 20th, the month end);
* every month-end copy stays for ``month_ends`` months (its month's end counted as 0);
* **archive copies** stay for ever: the month-end copies of the ``archive_months``
  (by default December: the year-end copy) and any label listed in ``archive_labels``.
  They survive because this selection never lists them and pgBackRest's count never
  reaches them; no pgBackRest command removes them on its own;
* the newest good copy always stays (never the last good copy on a target); with no good
  copy at all nothing is removed;
* a copy the history does not know (taken by hand, or before hisops) is never removed:
  hisops does not know what it was for.

WAL: ``repo-retention-archive`` keeps point-in-time recovery over the ``keep_last``
newest full backups; every older copy keeps the WAL that makes it consistent (pgBackRest
never removes that while the backup is in the repository).

The removable drive's copy is repo2's, files and info: it holds what repo2 held when it
was copied (docs/backups.md). The daily target (repo1) is a count of full backups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup import pgbackrest
from ansible_collections.hisops.emergency.plugins.module_utils.backup.calendar import (
    last_day,
    parse_date,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    InputError,
    PgBackRestError,
)

RETENTION_TARGETS = ("local", "offsite")
_OFFSITE_KEYS = ("keep_last", "month_ends", "archive_months", "archive_labels")
_LOCAL_KEYS = ("full",)


@dataclass(frozen=True)
class Policy:
    """How long the off-site copies stay."""

    keep_last: int = 3
    month_ends: int = 12
    archive_months: tuple[int, ...] = (12,)
    archive_labels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["archive_months"] = list(self.archive_months)
        data["archive_labels"] = list(self.archive_labels)
        return data


@dataclass(frozen=True)
class Retention:
    local_full: int = 2
    offsite: Policy = field(default_factory=Policy)

    def as_dict(self) -> dict[str, Any]:
        return {"local": {"full": self.local_full}, "offsite": self.offsite.as_dict()}


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise InputError(where, f"{value!r} is not a whole number")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise InputError(where, f"{value!r} is not a whole number")
    if not low <= value <= high:
        raise InputError(where, f"{value} is out of range ({low} to {high})")
    return value


def _mapping(value: Any, where: str, known: tuple[str, ...]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(where, f"must be a mapping, got {type(value).__name__}")
    for key in value:
        if key not in known:
            raise InputError(f"{where}.{key}", f"unknown setting (known: {', '.join(known)})")
    return value


def parse_policy(value: Any, where: str) -> Policy:
    data = _mapping(value, where, _OFFSITE_KEYS)
    default = Policy()
    keep_last = _whole(data.get("keep_last", default.keep_last), f"{where}.keep_last", 1, 100)
    month_ends = _whole(data.get("month_ends", default.month_ends), f"{where}.month_ends", 0, 1200)
    months = data.get("archive_months", list(default.archive_months))
    if months is None:
        months = []
    if isinstance(months, (int, str)):
        months = [months]
    if not isinstance(months, (list, tuple)):
        raise InputError(f"{where}.archive_months", "must be a list of months (1-12)")
    parsed: list[int] = []
    for index, item in enumerate(months):
        month = _whole(item, f"{where}.archive_months[{index}]", 1, 12)
        if month in parsed:
            raise InputError(f"{where}.archive_months[{index}]", f"{month} is listed twice")
        parsed.append(month)
    labels = data.get("archive_labels") or []
    if not isinstance(labels, (list, tuple)) or not all(isinstance(x, str) and x for x in labels):
        raise InputError(f"{where}.archive_labels", "must be a list of pgBackRest backup labels")
    return Policy(keep_last, month_ends, tuple(sorted(parsed)), tuple(labels))


def parse_retention(data: Any = None, where: str = "hisops_backup_retention") -> Retention:
    """The retention from configuration; a bad value fails naming the field."""
    top = _mapping(data or {}, where, RETENTION_TARGETS + ("removable",))
    if "removable" in top:
        raise InputError(
            f"{where}.removable",
            "the removable drive holds a copy of the off-site repository: it keeps what "
            f"{where}.offsite keeps (set that)",
        )
    local = _mapping(top.get("local"), f"{where}.local", _LOCAL_KEYS)
    full = _whole(local.get("full", 2), f"{where}.local.full", 1, 100)
    return Retention(full, parse_policy(top.get("offsite"), f"{where}.offsite"))


@dataclass(frozen=True)
class Copy:
    """One backup in a repository: its pgBackRest label, the calendar day it was made
    for (None: the history does not know it), whether pgBackRest calls it good, and the
    label of the backup it depends on (an incremental's full)."""

    label: str
    occasion: date | None
    good: bool = True
    prior: str | None = None


@dataclass
class Selection:
    keep: dict[str, str] = field(default_factory=dict)  # label -> why it stays
    remove: list[str] = field(default_factory=list)  # oldest first
    archive: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"keep": self.keep, "remove": self.remove, "archive": self.archive}


def months_between(later: date, earlier: date) -> int:
    return (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month)


def is_month_end(day: date) -> bool:
    return day.day == last_day(day.year, day.month)


def is_archive(copy: Copy, policy: Policy) -> bool:
    if copy.label in policy.archive_labels:
        return True
    occasion = copy.occasion
    return (
        occasion is not None and is_month_end(occasion) and occasion.month in policy.archive_months
    )


def select(copies: Iterable[Copy], policy: Policy, today: date) -> Selection:
    """Which copies stay (and why) and which go, oldest first. ``copies`` in the
    repository's order (oldest first, as pgBackRest lists them)."""
    found = list(copies)
    chosen = Selection()
    good = [c for c in found if c.good]
    for c in found:
        if c.occasion is None:
            chosen.keep[c.label] = "not made by a hisops run (never removed by hisops)"
        elif is_archive(c, policy):
            chosen.keep[c.label] = "archive copy (kept for ever)"
            chosen.archive.append(c.label)
        elif (
            is_month_end(c.occasion) and 0 <= months_between(today, c.occasion) <= policy.month_ends
        ):
            chosen.keep[c.label] = f"month-end copy (kept {policy.month_ends} months)"
        elif c.occasion > today:
            chosen.keep[c.label] = "made for a later day than this run's (left alone)"
    for c in good[-policy.keep_last :]:
        chosen.keep.setdefault(c.label, f"one of the {policy.keep_last} newest good copies")
    if not good:
        for c in found:
            chosen.keep.setdefault(c.label, "the target holds no good copy: nothing is removed")
        return chosen
    chosen.keep.setdefault(good[-1].label, "the newest good copy")
    # a backup another kept one depends on stays (expire --set would take its dependents)
    by_label = {c.label: c for c in found}
    changed = True
    while changed:
        changed = False
        for label in list(chosen.keep):
            prior = by_label[label].prior if label in by_label else None
            if prior and prior in by_label and prior not in chosen.keep:
                chosen.keep[prior] = f"{label} depends on it"
                changed = True
    chosen.remove = [c.label for c in found if c.label not in chosen.keep]
    return chosen


def copies_from(backups: Iterable[Mapping[str, Any]], occasions: Mapping[str, str]) -> list[Copy]:
    """Repository backups (``pgbackrest.backups``) with the history's occasion of each."""
    result = []
    for item in backups:
        label = str(item.get("label"))
        occasion = occasions.get(label)
        result.append(
            Copy(
                label,
                date.fromisoformat(occasion) if occasion else None,
                good=not item.get("error") and bool(item.get("stopped")),
                prior=item.get("prior"),
            )
        )
    return result


def apply(params: dict[str, Any], check: bool) -> dict[str, Any]:
    """Read the repository, select, ``expire --set`` what goes, read it again and prove
    every copy meant to stay is still there. ``before``/``commands``/``after``."""
    policy = parse_policy(params.get("policy"), "policy")
    today = parse_date(params.get("date"), "date")
    occasions = {str(k): str(v) for k, v in (params.get("occasions") or {}).items()}
    config, stanza, repo = params["config"], params["stanza"], int(params["repo"])
    before = pgbackrest.backups(pgbackrest.info(config, stanza, repo))
    chosen = select(copies_from(before, occasions), policy, today)
    prior = {b["label"]: b.get("prior") for b in before}
    gone: set[str] = set()
    todo = []
    for label in chosen.remove:  # an incremental goes with its full: not expired twice
        if prior.get(label) in gone:
            gone.add(label)
            continue
        gone.add(label)
        todo.append(label)
    result: dict[str, Any] = {
        "before": [b["label"] for b in before],
        "keep": chosen.keep,
        "archive": chosen.archive,
        "removed": chosen.remove,
        "changed": bool(todo),
    }
    if check:
        return {**result, "commands": [f"--set={label} expire" for label in todo],
                "after": [b["label"] for b in before if b["label"] not in gone]}  # fmt: skip
    commands = pgbackrest.expire_sets(config, stanza, repo, todo)
    after = [b["label"] for b in pgbackrest.backups(pgbackrest.info(config, stanza, repo))]
    lost = [label for label in chosen.keep if label not in after]
    if lost:
        raise PgBackRestError("retention removed copies it meant to keep", ", ".join(sorted(lost)))
    return {**result, "commands": commands, "after": after}
