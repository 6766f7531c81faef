"""Drills (P9.2): a drill opens an incident, shows each scenario as it starts and ends (on the
terminal and as plain lines in a log), scores each against the first clock, tells nobody."""

from __future__ import annotations

import io
import json

from hisops import drill
from hisops.incident import service
from hisops.incident.drills import DrillProgress


def _scenario(name: str) -> drill.Scenario:
    return drill.Scenario(name=name, plan_item="P4.3", title=name, playbook="network_check")


def test_a_drill_opens_scores_and_closes_its_incident(ctx, tmp_path, monkeypatch):
    events: list[str] = []
    results = {
        "quick-fix": drill.Outcome(_scenario("quick-fix"), None, 12.0, error=""),
        "slow-fix": drill.Outcome(_scenario("slow-fix"), None, 2400.0, error=""),
        "broken": drill.Outcome(_scenario("broken"), None, 3.0, error="AGG-3 did not answer"),
    }
    # as if each playbook behaved unless the outcome has an error (no real run here)
    monkeypatch.setattr(drill.Outcome, "passed", property(lambda self: not self.error))

    def fake_run(inventory, scenario, quiet=True):
        events.append(f"run {scenario.name}")
        return results[scenario.name]

    monkeypatch.setattr(drill, "run_scenario", fake_run)
    out = io.StringIO()

    class Spy(DrillProgress):
        def start(self, index, scenario):
            events.append(f"start {index}")
            super().start(index, scenario)

    log = tmp_path / "drills" / "drill.log"
    progress = Spy(3, log, ctx=ctx, out=out)
    drill.run_drill(tmp_path / "inventory.yml", [_scenario(n) for n in results], progress=progress)
    scores = progress.close()
    assert events == [
        "start 1",
        "run quick-fix",
        "start 2",
        "run slow-fix",
        "start 3",
        "run broken",
    ]
    assert [(s.name, s.within, s.passed) for s in scores] == [
        ("quick-fix", True, True),
        ("slow-fix", False, True),
        ("broken", False, False),
    ]
    lines = out.getvalue().splitlines()
    assert "scenario 1 of 3: quick-fix (P4.3)" in lines[1]
    assert lines[2].endswith("12.0 s of 30 min: within")
    assert "2400.0 s of 30 min: OVER" in lines[4]
    assert "FAILED (AGG-3 did not answer)" in lines[6]
    assert "1 of 3 scenarios recovered within the clock" in lines[-1]
    assert len(log.read_text().splitlines()) == len(lines)  # the same lines, in the log
    incident = service.get(ctx, progress.incident)
    assert incident["drill"] == 1 and incident["state"] == "closed"
    assert incident["notices"] == []  # a drill tells no department and nobody up the chain
    steps = [e["text"] for e in incident["entries"] if e["kind"] == "step"]
    assert steps[0] == "scenario quick-fix: fault injected"
    assert any("slow-fix" in s and "OVER" in s for s in steps)
    # the drill's JSON summary names the incident and each scenario's score against the clock
    summary = json.loads(
        drill.write_summary(list(results.values()), tmp_path / "summary", progress).read_text()
    )
    assert summary["incident"] == progress.incident
    clocks = {s["name"]: s["clock"] for s in summary["scenarios"]}
    assert clocks["quick-fix"] == {"threshold_seconds": 1800.0, "within": True}
    assert clocks["slow-fix"]["within"] is False and clocks["broken"]["within"] is False


def test_a_broken_site_file_does_not_stop_the_drill(tmp_path, monkeypatch):
    site = tmp_path / "site.yml"
    site.write_text("language: fr\n")
    monkeypatch.setenv("HISOPS_INCIDENT_CONFIG", str(site))
    monkeypatch.setenv("HISOPS_INCIDENT_DIR", str(tmp_path / "inc"))
    out = io.StringIO()
    progress = DrillProgress(1, tmp_path / "drill.log", out=out)
    progress.start(1, _scenario("quick-fix"))
    progress.finish(drill.Outcome(_scenario("quick-fix"), None, 5.0, error="no lab"))
    scores = progress.close()
    assert progress.incident is None and len(scores) == 1
    text = out.getvalue()
    assert "no drill incident: language: 'fr'" in text
    assert "0 of 1 scenarios recovered within the clock" in text
