"""Spare readiness against the lab (issue 6, plan P4.1): spares matched on the model and
firmware the devices report, backups aged from the store's history."""

from __future__ import annotations

import pytest

from .playbooks import run_playbook

pytestmark = pytest.mark.lab


def test_spares_and_backups_reported(fresh_lab, tmp_path):
    lab = fresh_lab
    backup = run_playbook("switch_backup", lab.inventory, tmp_path)
    assert backup.rc == 0, backup.stdout

    run = run_playbook("spare_readiness", lab.inventory, tmp_path)
    assert run.rc == 0, run.stdout
    report = run.report("spare_readiness.json")
    assert not report["ready"]
    # One spare per core/aggregation model in the hospital; the access models have none.
    assert sorted(m.split(":")[0] for m in report["missing"]) == ["ACC-1", "ACC-2", "ACC-3"]
    assert (
        report["devices"]["AGG-1"]["spare"] == report["devices"]["AGG-2"]["spare"] == "SPARE-S5735"
    )
    assert report["devices"]["AGG-4"]["spare"] == "SPARE-C9300"
    assert report["devices"]["CORE-1"]["backup_age_hours"] < 1

    strict = run_playbook(
        "spare_readiness",
        lab.inventory,
        tmp_path,
        {"fail_when_not_ready": True, "max_age_hours": 0.0001},
    )
    assert strict.rc != 0
    missing = strict.report("spare_readiness.json")["missing"]
    assert any(m.startswith("CORE-1: backup") and "old" in m for m in missing)

    lab.fault("SPARE-C9300", "power-off")
    off = run_playbook("spare_readiness", lab.inventory, tmp_path)
    report = off.report("spare_readiness.json")
    assert report["devices"]["AGG-4"]["spare"] == ""
    assert any(m.startswith("SPARE-C9300 (spare): does not answer") for m in report["missing"])
