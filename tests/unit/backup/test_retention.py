"""Retention of the off-site copies (issue 18): the configuration checked field by field,
the selection on named cases, and years of simulated calendar runs (seeded: the target
away on some days, copies caught up, a bad copy now and then, a copy taken by hand)
with every invariant checked after every step."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.backup import calendar
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.backup.retention import (
    Copy,
    Policy,
    copies_from,
    is_month_end,
    months_between,
    parse_retention,
    select,
)


# -- configuration ------------------------------------------------------------------------
def test_defaults():
    retention = parse_retention(None)
    assert retention.local_full == 2
    assert retention.offsite == Policy(keep_last=3, month_ends=12, archive_months=(12,))
    assert parse_retention({}).as_dict()["offsite"]["archive_months"] == [12]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"tape": {}}, "hisops_backup_retention.tape", "unknown setting"),
        ({"removable": {"keep_last": 2}}, "hisops_backup_retention.removable", "offsite"),
        ({"offsite": {"keep_last": 0}}, "hisops_backup_retention.offsite.keep_last", "1 to 100"),
        ({"offsite": {"keep_last": True}}, "hisops_backup_retention.offsite.keep_last", "whole"),
        ({"offsite": {"month_ends": -1}}, "hisops_backup_retention.offsite.month_ends", "range"),
        ({"offsite": {"month_ends": "x"}}, "hisops_backup_retention.offsite.month_ends", "whole"),
        (
            {"offsite": {"archive_months": [12, 13]}},
            "hisops_backup_retention.offsite.archive_months[1]",
            "1 to 12",
        ),
        (
            {"offsite": {"archive_months": [6, 6]}},
            "hisops_backup_retention.offsite.archive_months[1]",
            "twice",
        ),
        ({"offsite": {"weekly": 4}}, "hisops_backup_retention.offsite.weekly", "unknown"),
        (
            {"offsite": {"archive_labels": "x"}},
            "hisops_backup_retention.offsite.archive_labels",
            "",
        ),
        ({"local": {"full": 0}}, "hisops_backup_retention.local.full", "range"),
        ({"local": {"days": 3}}, "hisops_backup_retention.local.days", "unknown"),
        ([1], "hisops_backup_retention", "mapping"),
    ],
)
def test_bad_configuration_is_refused_naming_the_field(data, field, words):
    with pytest.raises(InputError) as err:
        parse_retention(data)
    assert err.value.field == field
    assert words in err.value.reason


def test_strings_from_the_inventory_are_numbers():
    policy = parse_retention({"offsite": {"keep_last": "4", "archive_months": ["6", 12]}}).offsite
    assert policy.keep_last == 4 and policy.archive_months == (6, 12)


# -- named cases --------------------------------------------------------------------------
def month_copies(start: date, months: int) -> list[Copy]:
    """The default calendar's off-site copies (10th, 20th, last day) over ``months``."""
    found, year, month = [], start.year, start.month
    for _ in range(months):
        for day in calendar.parse_calendar()["offsite"].days_in(year, month):
            found.append(Copy(f"{year:04d}{month:02d}{day:02d}F", date(year, month, day)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def test_two_years_keep_the_newest_three_the_last_12_month_ends_and_the_year_ends():
    copies = month_copies(date(2027, 1, 1), 26)  # to 2029-02-28
    chosen = select(copies, Policy(), date(2029, 2, 28))
    kept = [c for c in copies if c.label in chosen.keep]
    month_ends = [c.occasion for c in kept if is_month_end(c.occasion)]
    # 2028-02-29 (leap) to 2029-02-28: 13 month ends (0 to 12 months back), and 2027-12-31
    assert date(2027, 12, 31) in month_ends and date(2028, 2, 29) in month_ends
    assert date(2028, 1, 31) not in month_ends  # 13 months back, not an archive month
    assert chosen.archive == ["20271231F", "20281231F"]
    assert [c.label for c in kept][-3:] == ["20290210F", "20290220F", "20290228F"]
    assert len(kept) == 1 + 13 + 2  # 2027-12, 2028-02..2029-02, the 10th and 20th of Feb
    assert chosen.remove[0] == "20270110F" and "20271231F" not in chosen.remove


def test_a_month_end_copy_caught_up_in_the_next_month_is_still_the_month_end_copy():
    copies = [Copy("A", date(2027, 1, 31)), Copy("B", date(2027, 2, 10)),
              Copy("C", date(2027, 2, 20)), Copy("D", date(2027, 2, 28)),
              Copy("E", date(2027, 3, 10))]  # fmt: skip
    chosen = select(copies, Policy(keep_last=1, month_ends=1, archive_months=()), date(2027, 3, 10))
    assert chosen.remove == ["A", "B", "C"]  # A: January's end, two months back
    assert set(chosen.keep) == {"D", "E"}


def test_never_the_last_good_copy_and_nothing_when_no_copy_is_good():
    bad_newest = [Copy("A", date(2027, 3, 10)), Copy("B", date(2027, 3, 20), good=False)]
    chosen = select(bad_newest, Policy(keep_last=1, month_ends=0, archive_months=()),
                    date(2029, 1, 1))  # fmt: skip
    assert "A" in chosen.keep and chosen.remove == ["B"]  # the bad newer one goes, not A
    none_good = [Copy("A", date(2027, 3, 10), good=False), Copy("B", date(2027, 3, 20), good=False)]
    assert select(none_good, Policy(keep_last=1, month_ends=0), date(2030, 1, 1)).remove == []


def test_unknown_copies_archive_labels_and_dependencies_stay():
    copies = [Copy("HAND", None), Copy("F1", date(2027, 3, 10)),
              Copy("I1", date(2027, 3, 11), prior="F1"), Copy("PIN", date(2027, 3, 12)),
              Copy("F2", date(2027, 3, 20))]  # fmt: skip
    policy = Policy(keep_last=3, month_ends=0, archive_months=(), archive_labels=("PIN",))
    chosen = select(copies, policy, date(2027, 3, 20))
    assert chosen.remove == []  # I1 is among the three newest good, F1 its full
    assert chosen.keep["F1"] == "I1 depends on it" and "hand" not in chosen.keep["HAND"].lower()
    policy = Policy(keep_last=1, month_ends=0, archive_months=(), archive_labels=("PIN",))
    assert select(copies, policy, date(2027, 3, 20)).remove == ["F1", "I1"]


def test_copies_from_the_repository_and_the_history():
    backups = [{"label": "L1", "stopped": "2026-12-01T00:00:00Z", "error": False},
               {"label": "L2", "stopped": "2026-12-02T00:00:00Z", "error": True},
               {"label": "L3", "stopped": None, "error": False, "prior": "L1"}]  # fmt: skip
    copies = copies_from(backups, {"L1": "2027-03-10", "L2": "2027-03-20"})
    assert copies == [Copy("L1", date(2027, 3, 10)), Copy("L2", date(2027, 3, 20), good=False),
                      Copy("L3", None, good=False, prior="L1")]  # fmt: skip


# -- years of simulated runs --------------------------------------------------------------
POLICIES = [
    Policy(),
    Policy(keep_last=1, month_ends=0, archive_months=()),
    Policy(keep_last=5, month_ends=3, archive_months=(6, 12)),
    Policy(keep_last=2, month_ends=24, archive_months=(3,)),
]


@pytest.mark.parametrize("seed", range(6))
def test_years_of_runs_keep_every_promise_after_every_step(seed):
    rng = random.Random(seed)
    policy = POLICIES[seed % len(POLICIES)]
    cal = calendar.parse_calendar()
    events: list[calendar.Event] = []
    repo: list[Copy] = []
    made: list[Copy] = []
    day = date(2027, 1, 1) + timedelta(days=rng.randrange(365))
    end = day + timedelta(days=365 * 3 + rng.randrange(365))
    removed: set[str] = set()
    steps = 0
    while day <= end:
        for item in calendar.due(cal, day, events):
            if item.target != "offsite":
                continue
            if rng.random() < 0.2:  # the backup host away: a miss, caught up later
                events.append(calendar.Event("offsite", item.occasion, day, calendar.MISSED))
                continue
            copy = Copy(f"{len(made):05d}", item.occasion, good=rng.random() > 0.05)
            events.append(calendar.Event("offsite", item.occasion, day, calendar.DONE))
            repo.append(copy)
            made.append(copy)
        if rng.random() < 0.004:  # someone took a backup by hand
            copy = Copy(f"{len(made):05d}", None)
            repo.append(copy)
            made.append(copy)
        chosen = select(repo, policy, day)
        assert set(chosen.keep) | set(chosen.remove) == {c.label for c in repo}
        assert not set(chosen.keep) & set(chosen.remove)
        newest_good = [c for c in repo if c.good][-1:]
        repo = [c for c in repo if c.label not in chosen.remove]
        removed |= set(chosen.remove)
        check_invariants(repo, made, removed, policy, day, newest_good)
        assert select(repo, policy, day).remove == []  # a second run removes nothing
        steps += 1
        day += timedelta(days=1)
    assert steps > 1000 and removed  # years walked, and retention did remove copies


def check_invariants(repo, made, removed, policy, today, newest_good):
    present = {c.label for c in repo}
    good = [c for c in repo if c.good]
    # never the last good copy
    if newest_good:
        assert newest_good[0].label in present
    # the keep_last newest good copies of those ever made (not removed) stay
    made_good = [c for c in made if c.good]
    for c in made_good[-policy.keep_last :]:
        assert c.label in present, (today, c)
    for c in made:
        month_end = c.occasion is not None and is_month_end(c.occasion)
        archive = month_end and c.occasion.month in policy.archive_months
        within = month_end and 0 <= months_between(today, c.occasion) <= policy.month_ends
        if c.occasion is None or archive or within:
            assert c.label in present, (today, c)  # promised: still there
            assert c.label not in removed
    # and nothing else: an older copy no promise covers is gone
    covered = {c.label for c in good[-policy.keep_last :]}
    for c in repo:
        month_end = c.occasion is not None and is_month_end(c.occasion)
        assert (
            c.label in covered
            or c.occasion is None
            or (month_end and c.occasion.month in policy.archive_months)
            or (month_end and months_between(today, c.occasion) <= policy.month_ends)
        ), (today, c)
    archives = sum(1 for c in made if c.occasion and is_month_end(c.occasion)
                   and c.occasion.month in policy.archive_months)  # fmt: skip
    unknown = sum(1 for c in made if c.occasion is None)
    assert len(repo) <= policy.keep_last + policy.month_ends + 1 + archives + unknown


# -- applied to a repository (pgBackRest's calls replaced) ---------------------------------
class FakeRepo:
    def __init__(self, labels):
        self.labels = list(labels)
        self.commands = []

    def info(self, config, stanza, repo, repo_path=""):
        return {"backup": [{"label": x, "type": "full", "timestamp": {"start": 1, "stop": 2}}
                           for x in self.labels]}  # fmt: skip

    def expire(self, config, stanza, repo, labels):
        self.labels = [x for x in self.labels if x not in labels]
        self.commands += labels
        return [f"--set={x} expire" for x in labels]


@pytest.fixture
def fake_repo(monkeypatch):
    from ansible_collections.hisops.emergency.plugins.module_utils.backup import pgbackrest

    repo = FakeRepo(["A", "B", "C", "D", "E"])
    monkeypatch.setattr(pgbackrest, "info", repo.info)
    monkeypatch.setattr(pgbackrest, "expire_sets", repo.expire)
    return repo


PARAMS = {
    "config": "/etc/pgbackrest/pgbackrest.conf",
    "stanza": "his",
    "repo": 2,
    "policy": {"keep_last": 2, "month_ends": 1, "archive_months": [12]},
    "occasions": {
        "A": "2026-12-31",
        "B": "2027-01-10",
        "C": "2027-01-31",
        "D": "2027-02-10",
        "E": "2027-02-20",
    },  # fmt: skip
    "date": "2027-03-10",
}


def test_apply_check_mode_previews_and_removes_nothing(fake_repo):
    from ansible_collections.hisops.emergency.plugins.module_utils.backup.retention import apply

    result = apply(PARAMS, check=True)
    assert result["changed"] and result["removed"] == ["B", "C"]  # C: two months back
    assert result["archive"] == ["A"] and fake_repo.commands == []
    assert result["after"] == ["A", "D", "E"]


def test_apply_removes_then_a_second_run_changes_nothing(fake_repo):
    from ansible_collections.hisops.emergency.plugins.module_utils.backup.retention import apply

    result = apply(PARAMS, check=False)
    assert result["commands"] == ["--set=B expire", "--set=C expire"]
    assert result["after"] == ["A", "D", "E"] == fake_repo.labels
    again = apply(PARAMS, check=False)
    assert again["changed"] is False and again["commands"] == []


def test_apply_refuses_a_bad_policy_before_reading_the_repository(fake_repo):
    from ansible_collections.hisops.emergency.plugins.module_utils.backup.retention import apply

    with pytest.raises(InputError) as err:
        apply({**PARAMS, "policy": {"month_ends": "twelve"}}, check=False)
    assert err.value.field == "policy.month_ends"
