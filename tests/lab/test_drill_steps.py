"""The drill's lab steps (hisops/drill.py): what happens to the lab around a scenario."""

from __future__ import annotations

import dataclasses
import time

import pytest

from hisops import drill
from hisops.drill import LabStep, LabStepFailed, Scenario, run_lab_step, run_scenario

pytestmark = pytest.mark.lab


def test_power_off_cut_recable_reach_reset(fresh_lab) -> None:
    lab = fresh_lab
    inventory = lab.inventory
    assert "powered off" in run_lab_step(LabStep("power-off", ("AGG-1",)), lab.client, inventory)
    seen = run_lab_step(LabStep("cut", ("opd-reg-01", "his-db-1")), lab.client, inventory)
    assert seen == "opd-reg-01 cannot reach his-db-1:5432"
    with pytest.raises(LabStepFailed, match=r"AGG-1 is powered-off"):
        run_lab_step(LabStep("reach", ("opd-reg-01", "his-db-1")), lab.client, inventory)

    moved = run_lab_step(LabStep("recable", ("AGG-1", "SPARE-S5735")), lab.client, inventory)
    assert moved.startswith("AGG-1's cables moved to SPARE-S5735:")
    # The spare still has its own (spare) configuration: cabled, but not carrying the VLANs.
    with pytest.raises(LabStepFailed):
        run_lab_step(LabStep("reach", ("opd-reg-01", "his-db-1")), lab.client, inventory)

    run_lab_step(LabStep("reset"), lab.client, inventory)
    seen = run_lab_step(LabStep("reach", ("opd-reg-01", "his-db-1")), lab.client, inventory)
    assert "AGG-1" in seen and "SPARE-S5735" not in seen


def test_forget_host_vars_removes_only_that_override(lab, tmp_path) -> None:
    inventory = tmp_path / "inventory.yml"
    host_vars = tmp_path / "host_vars"
    host_vars.mkdir()
    (host_vars / "AGG-1.yml").write_text("ansible_host: 127.0.0.9\n")
    (host_vars / "AGG-2.yml").write_text("ansible_host: 127.0.0.8\n")
    run_lab_step(LabStep("forget-host-vars", ("AGG-1",)), lab.client, inventory)
    assert sorted(p.name for p in host_vars.iterdir()) == ["AGG-2.yml"]


def test_a_failed_step_skips_the_playbook_and_cleanup_still_runs(fresh_lab, monkeypatch) -> None:
    lab = fresh_lab
    ran = []
    monkeypatch.setattr(drill.runner, "run_playbook", lambda *a, **k: ran.append(a))
    scenario = Scenario(
        name="t",
        plan_item="P4.1",
        title="t",
        playbook="spare_swap",
        before=(LabStep("power-off", ("AGG-1",)), LabStep("reach", ("opd-reg-01", "his-db-1"))),
        cleanup=(LabStep("reset"),),
    )
    outcome = run_scenario(lab.inventory, scenario)
    assert not outcome.passed and ran == []
    assert "AGG-1 is powered-off" in outcome.error
    assert outcome.steps[-1] == "lab reset to its startup state and cabling"
    assert lab.reach("opd-reg-01", "his-db-1")["reachable"]


def test_wait_lets_time_pass(tmp_path) -> None:
    started = time.monotonic()
    seen = run_lab_step(LabStep("wait", ("0.3",)), None, tmp_path / "inventory.yml")
    assert seen == "waited 0.3 s" and time.monotonic() - started >= 0.3


def test_the_sync_standby_loss_is_rehearsed_in_order_and_ends_async() -> None:
    """Issue 16 in the main job: sync build, the sync standby killed, time for the degrade
    service (5 s) to pass, db_status, the rejoin, back to async before the clients."""
    names = [s.name for s in drill.SCENARIOS]
    chain = [
        "db-standby-build-sync",
        "db-sync-standby-crash",
        "db-status-degraded",
        "db-sync-standby-rejoin",
        "db-standby-build-async",
    ]
    start = names.index(chain[0])
    assert names[start : start + len(chain)] == chain
    by_name = {s.name: s for s in drill.SCENARIOS}
    waited = [float(step.args[0]) for step in by_name["db-sync-standby-crash"].after
              if step.action == "wait"]  # fmt: skip
    assert waited and waited[0] > 5
    assert by_name["db-standby-build-sync"].extravars == {"db_standby_build_sync_mode": "sync"}
    assert "db_standby_build_sync_mode" not in by_name["db-standby-build-async"].extravars


def test_a_switch_answering_with_another_host_key_is_refused_in_the_drill_naming_it(lab) -> None:
    """Issue 17 in the main job: the refusal is the pass, and it must name the switch."""
    by_name = {s.name: s for s in drill.SCENARIOS}
    refused = run_scenario(lab.inventory, by_name["hostkey-changed-refused"])
    assert refused.passed, (refused.error, refused.output()[-2000:])
    assert refused.result is not None and not refused.result.ok
    assert "host key of AGG-3" in refused.output() and "has changed" in refused.output()
    assert refused.steps[-1] == "AGG-3: faults cleared"


def test_a_run_that_does_not_say_the_expected_text_fails_its_scenario(lab) -> None:
    """The drill's key comparison (hostkeys-compare's run) with a text it never prints."""
    compare = {s.name: s for s in drill.SCENARIOS}["hostkeys-compare"]
    scenario = dataclasses.replace(compare, expect_text="a sentence no run prints")
    outcome = run_scenario(lab.inventory, scenario)
    assert outcome.result is not None and outcome.result.ok  # the run itself went well
    assert not outcome.passed
    assert outcome.error == "the run did not say 'a sentence no run prints'"
    # after the refusal above, its clean-up gave AGG-3 its own key back: all match the record
    assert sum(s.get("changed", 0) for s in outcome.result.stats.values()) == 0
