"""The console's model: what was read -> each node's and link's state, colour class and
label, and the panels; on the three example states in real stores and on pure findings."""

from __future__ import annotations

import json

import pytest

from hisops.console import model
from hisops.console.demo import FENCE_ID, ISOLATION_ID
from hisops.console.render import render_page
from hisops.console.sources import Paths, gather

PRODUCTION = {"CORE-1", "AGG-1", "AGG-2", "AGG-3", "AGG-4", "AGG-5", "ACC-1", "ACC-2", "ACC-3"}


def nodes(view: model.View) -> dict[str, model.Node]:
    return {n.id: n for n in view.nodes}


def link(view: model.View, a: str, b: str) -> model.Edge:
    wanted = {f"sw-{a}", f"sw-{b}"}
    (found,) = [e for e in view.edges if {e.a, e.b} == wanted]
    return found


# ------------------------------------------------------------------ pure rules


@pytest.mark.parametrize(
    ("finding", "state"),
    [
        ({"check": "switch_reachable", "severity": "critical"}, "down"),
        ({"check": "switch_reachable", "severity": "ok"}, "ok"),
        # a spare that does not answer is a warning, not a down production switch
        ({"check": "switch_reachable", "severity": "warning"}, "warning"),
        ({"check": "compliance_drift", "severity": "warning"}, "drifted"),
        (
            {
                "check": "compliance_drift",
                "severity": "warning",
                "expected": {"kind": "isolation", "id": "iso-1"},
            },
            "held",
        ),
        ({"check": "model_firmware", "severity": "warning"}, "warning"),
        ({"check": "backup_age", "severity": "critical"}, "warning"),
    ],
)
def test_finding_state(finding: dict, state: str) -> None:
    assert model.finding_state(finding) == state


def test_finding_interfaces() -> None:
    down = {
        "check": "interface_down",
        "severity": "warning",
        "params": {"switch": "CORE-1", "interface": "XGigabitEthernet2/0/2"},
    }
    assert model.finding_interfaces(down) == ["XGigabitEthernet2/0/2"]
    assert model.finding_interfaces({**down, "severity": "ok"}) == []
    assert model.finding_interfaces({**down, "check": "backup_age"}) == []
    many = {"check": "link_state", "severity": "critical", "params": {"interfaces": ["a", "b"]}}
    assert model.finding_interfaces(many) == ["a", "b"]


def test_by_subject_host_of_a_path_and_vlan() -> None:
    disk = {"area": "servers", "subject": "backup-1:/srv/backup", "severity": "warning"}
    address = {
        "area": "addresses",
        "subject": "10.10.30.199",
        "severity": "warning",
        "params": {"vlan": 30, "switch": "AGG-1"},
    }
    index = model.by_subject([disk, address])
    assert index["backup-1"] == [disk]
    assert index["VLAN 30"] == [address]
    assert "AGG-1" not in index  # an address seen on a switch is not the switch's finding


def test_pick_order() -> None:
    assert model.pick({"ok", "held", "down"}, model.SWITCH_ORDER) == "down"
    assert model.pick({"ok", "held"}, model.SWITCH_ORDER) == "held"
    assert model.pick(set(), model.SWITCH_ORDER) == "unknown"
    assert model.pick({"warning", "isolated", "partial"}, model.SEGMENT_ORDER) == "isolated"


# ------------------------------------------------------------------ the example states


def test_normal_everything_ok(gathered) -> None:
    view = model.build(gathered["normal"], "en")
    assert view.missing == {}
    by_id = nodes(view)
    for name in PRODUCTION:
        assert by_id[f"sw-{name}"].state == "ok", name
        assert by_id[f"sw-{name}"].css == "switch state-ok"
    assert {n.name for n in view.nodes if n.kind == "segment"} == {
        "OUTPATIENT",
        "INPATIENT",
        "PHARMACY",
        "NURSE",
        "DOCTOR",
        "MEDTECH",
    }
    assert all(n.state == "ok" for n in view.nodes if n.kind == "segment")
    assert all(e.state == "ok" for e in view.edges)
    assert by_id["srv-his-db-1"].state == "primary"
    assert by_id["srv-his-db-2"].state == "standby"
    assert "replication lag 0 bytes (0.2 s)" in by_id["srv-his-db-2"].lines
    assert by_id["srv-backup-1"].role == "backup_target"
    assert view.overall == "ok"
    assert view.holds == [] and view.incidents == []
    # spares are listed, not drawn
    assert "sw-SPARE-S5735" not in by_id
    assert [s["note"] for s in view.spares] == [""] * 5


def test_isolated_segment_and_switch_down(gathered) -> None:
    view = model.build(gathered["isolated"], "en")
    by_id = nodes(view)
    assert by_id["sw-AGG-3"].state == "down"
    assert by_id["sw-ACC-2"].state == "down"  # behind AGG-3
    assert "down" in by_id["sw-AGG-3"].lines
    assert link(view, "CORE-1", "AGG-3").state == "cut"
    assert link(view, "AGG-3", "ACC-2").state == "cut"
    assert link(view, "CORE-1", "AGG-2").state == "ok"
    pharmacy = by_id["seg-30"]
    assert pharmacy.state == "isolated"
    assert pharmacy.css == "segment state-isolated"
    assert f"isolated {ISOLATION_ID}" in pharmacy.lines
    # the pharmacy's attachment to AGG-1 is cut off on purpose
    (attach,) = [e for e in view.edges if e.a == "seg-30"]
    assert attach.state == "isolated"
    # the unassigned address on VLAN 30: the segment is isolated, which says more
    assert by_id["seg-50"].state == "ok"
    # CORE-1: its drift is the isolation (expected), its link to AGG-3 went down
    assert by_id["sw-CORE-1"].state == "warning"
    assert f"isolation {ISOLATION_ID}" in by_id["sw-CORE-1"].lines
    assert by_id["sw-AGG-1"].state == "held"
    assert "runs on spare SPARE-S5735" in by_id["sw-AGG-1"].lines
    assert {s["name"]: s["note"] for s in view.spares}["SPARE-S5735"].endswith("AGG-1")
    assert view.overall == "critical"
    assert [h["id"] for h in view.holds] == ["swap-AGG-1", ISOLATION_ID]
    wrong = view.inspection["findings"]
    assert [f["severity"] for f in wrong] == ["critical", "critical", "warning", "warning"]
    assert view.inspection["ok_count"] == 18
    areas = {a["area"]: (a["worst"], a["checked"]) for a in view.inspection["areas"]}
    assert areas["network"] == ("critical", "9 checked")
    assert areas["addresses"] == ("warning", "1 checked")
    assert areas["database"] == ("ok", "2 checked")


def test_failover_and_open_incident(gathered) -> None:
    view = model.build(gathered["failover"], "en")
    by_id = nodes(view)
    old, new = by_id["srv-his-db-1"], by_id["srv-his-db-2"]
    assert old.state == "down"  # down wins over its fence
    assert f"fenced {FENCE_ID}" in old.lines
    assert new.state == "primary" and "primary · TL 11" in new.lines
    (attach,) = [e for e in view.edges if e.a == "srv-his-db-1"]
    assert attach.state == "ok"  # the switch is up; the node itself is down
    assert [d["go"] for d in view.database["verdicts"]] == [False, False]
    assert [f["check"] for f in view.database["findings"]] == ["db_node", "db_standby"]
    (incident,) = view.incidents
    assert incident["class"] == "1" and incident["state"] == "open"
    assert incident["department"] == "IT department"
    assert incident["lasted"].startswith("0 h 4")
    stages = [(c["stage"], c["passed"]) for c in incident["clocks"]]
    assert stages == [("30min", True), ("long", False), ("24h", False)]
    assert incident["clocks"][0]["text"].startswith("passed ")
    doctors = {c["department"]: c for c in view.clients}["doctor stations"]
    assert doctors["behind"] == ["doc-04", "doc-05", "doc-06"]
    assert doctors["versions"] == "5.0.0 ×3, 5.1.0 ×3"
    assert doctors["state"] == "warning"
    assert view.overall == "critical"


def test_languages(gathered) -> None:
    zh = model.build(gathered["isolated"], "zh")
    by_id = nodes(zh)
    assert by_id["sw-AGG-3"].lines[1].startswith("汇聚")
    assert "中断" in by_id["sw-AGG-3"].lines
    assert by_id["seg-30"].lines[1] == "药房"
    page = render_page(zh, refresh=30)
    assert '<html lang="zh-CN">' in page and "运维控制台" in page
    # without a language: the site's (the example sites say en)
    assert model.build(gathered["isolated"]).language == "en"


def test_page_and_json(gathered) -> None:
    view = model.build(gathered["isolated"], "en")
    page = render_page(view, refresh=30)
    assert '<meta http-equiv="refresh" content="30">' in page
    assert 'id="sw&#45;AGG&#45;3" class="node switch state&#45;down"' in page
    assert 'class="node segment state&#45;isolated"' in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    data = json.loads(json.dumps(view.to_dict()))
    assert {n["id"]: n["css"] for n in data["nodes"]}["seg-30"] == "segment state-isolated"
    assert "labels" not in data


def test_every_source_missing_is_said_not_a_crash(tmp_path) -> None:
    nowhere = str(tmp_path / "nothing")
    paths = Paths(
        topology=f"{nowhere}/hospital.yml",
        state_dir=f"{nowhere}/state",
        db_status=f"{nowhere}/db_status.json",
        ledger=f"{nowhere}/ledger.json",
        incident_dir=f"{nowhere}/incidents",
        incident_config=f"{nowhere}/site.yml",
        inspection=f"{nowhere}/latest.json",
    )
    gathered = gather(paths)
    assert set(gathered.missing) == {
        "topology",
        "holds",
        "database",
        "clients",
        "incidents",
        "inspection",
    }
    assert not (tmp_path / "nothing").exists()  # reading created no store
    view = model.build(gathered, "en")
    assert view.nodes == [] and view.overall == "unknown"
    page = render_page(view, refresh=30)
    assert "<svg" not in page
    assert page.count("no data:") == 6  # drawing, incidents, holds, database, clients, inspection


def test_a_broken_source_is_one_missing_part(state_paths, tmp_path) -> None:
    paths = state_paths["isolated"]
    broken = tmp_path / "latest.json"
    broken.write_text("{not json")
    ledger = tmp_path / "ledger.json"
    ledger.write_text("[1, 2]")
    gathered = gather(Paths(**{**paths.__dict__, "inspection": str(broken), "ledger": str(ledger)}))
    assert set(gathered.missing) == {"inspection", "clients"}
    view = model.build(gathered, "en")
    # without the inspection the switches are unknown, the holds still show
    assert nodes(view)["sw-AGG-2"].state == "unknown"
    assert nodes(view)["sw-AGG-1"].state == "held"
    assert nodes(view)["seg-30"].state == "isolated"
    assert view.overall == "unknown"


def test_stale_inspection(gathered) -> None:
    from datetime import timedelta

    old = gathered["normal"]
    later = type(old)(**{**old.__dict__, "now": old.now + timedelta(hours=40)})
    view = model.build(later, "en")
    assert view.inspection["stale"] == "the inspection is stale (40 h old)"
    assert view.overall == "warning"


def test_holds_read_inside_an_ansible_module(state_paths, monkeypatch) -> None:
    """Where ``ansible_collections`` is AnsiballZ's (the inspection's report module calls
    write_snapshot), the state package is loaded from the repository's files."""
    import hisops.state_cli
    from hisops.console import sources

    def not_there() -> None:
        raise ImportError("No module named 'ansible_collections.hisops.emergency...state'")

    monkeypatch.setattr(hisops.state_cli, "_state_modules", not_there)
    store = sources.state_store_module()
    assert store.__name__ == "_hisops_console_state.store"
    gathered = gather(state_paths["isolated"])
    assert "holds" not in gathered.missing
    assert [h["id"] for h in gathered.holds] == ["swap-AGG-1", ISOLATION_ID]


def test_a_half_broken_inspection_shows_what_it_can(gathered) -> None:
    base = gathered["isolated"]
    inspection = {
        "started": "yesterday",
        "exit_code": "two",
        "areas": ["network"],
        "findings": [
            "not a finding",
            {"subject": "AGG-2", "check": "switch_reachable", "severity": "critical"},
            {"subject": "AGG-4", "severity": "dreadful", "params": ["interface", "x"]},
            {"subject": None, "params": None, "expected": "iso-1"},
        ],
    }
    broken = type(base)(
        **{**base.__dict__, "inspection": inspection, "db_status": {"nodes": [1], "lag": [2]}}
    )
    view = model.build(broken, "en")
    by_id = nodes(view)
    assert by_id["sw-AGG-2"].state == "down"
    assert by_id["sw-AGG-4"].state == "warning"  # an unknown severity is not ok
    assert [f["severity"] for f in view.inspection["findings"]][:1] == ["critical"]
    assert view.inspection["areas"] == [] and view.database["nodes"] == []
    assert "<svg" in render_page(view, refresh=30)


def test_drawing_fits_the_hospital_and_scrolls_a_big_site(gathered) -> None:
    from hisops.console import drawing

    view = model.build(gathered["isolated"], "en")
    source = drawing.graph(view).source
    assert "rankdir=TB" in source
    for node in view.nodes:
        assert f'id="{node.id}"' in source
    assert drawing.render_svg(view).startswith('<svg class="drawing"')
    big = model.View(language="en", labels=view.labels, generated_at="")
    big.nodes = [
        model.Node(
            id=f"sw-ACC-{i}", kind="switch", name=f"ACC-{i}", state="ok", lines=[], role="access"
        )
        for i in range(drawing.FIT_NODES + 1)
    ]
    assert "rankdir=LR" in drawing.graph(big).source
    assert drawing.render_svg(big).startswith('<svg class="drawing large" width="')


@pytest.mark.parametrize(
    ("incident", "headline"),
    [
        ({"class": "1", "state": "open", "drill": False}, "critical"),
        ({"class": "2", "state": "open", "drill": False}, "critical"),
        ({"class": "3", "state": "open", "drill": False}, "warning"),
        ({"class": "1", "state": "open", "drill": True}, "ok"),  # a drill is shown only
        ({"class": "1", "state": "resolved", "drill": False}, "ok"),
    ],
)
def test_headline_by_incident(gathered, incident: dict, headline: str) -> None:
    normal = gathered["normal"]
    row = {"id": 7, "title": "t", "occurred_at": "2026-12-07T00:00:00Z", "clocks": [], **incident}
    with_incident = type(normal)(**{**normal.__dict__, "incidents": [row]})
    view = model.build(with_incident, "en")
    assert view.overall == headline
    assert [i["id"] for i in view.incidents] == [7]


def test_a_spare_that_does_not_answer_is_said_under_the_drawing(gathered) -> None:
    normal = gathered["normal"]
    silent = {
        "area": "network",
        "check": "switch_reachable",
        "severity": "warning",
        "subject": "SPARE-C9300",
        "message": "SPARE-C9300 does not answer",
    }
    inspection = {**normal.inspection, "findings": [*normal.inspection["findings"], silent]}
    view = model.build(type(normal)(**{**normal.__dict__, "inspection": inspection}), "en")
    notes = {s["name"]: s["note"] for s in view.spares}
    assert notes["SPARE-C9300"] == "SPARE-C9300 does not answer"
    assert notes["SPARE-CORE-1"] == ""
    assert "sw-SPARE-C9300" not in nodes(view)


def test_a_big_site_folds_its_quiet_access_switches() -> None:
    from hisops.console.labels import labels

    view = model.View(language="en", labels=labels("en"), generated_at="")

    def switch(name: str, role: str, state: str = "ok") -> None:
        view.nodes.append(
            model.Node(
                id=f"sw-{name}", kind="switch", name=name, state=state, lines=[name], role=role
            )
        )

    def line(a: str, b: str) -> None:
        view.edges.append(model.Edge(id=f"link-{a}-{b}", a=a, b=b, state="ok"))

    switch("CORE-1", "core")
    for agg in range(4):
        switch(f"AGG-{agg}", "aggregation")
        line("sw-CORE-1", f"sw-AGG-{agg}")
        for acc in range(10):
            name = f"ACC-{agg}-{acc}"
            switch(name, "access", "down" if name == "ACC-2-3" else "ok")
            line(f"sw-AGG-{agg}", f"sw-{name}")
            line("seg-10", f"sw-{name}")  # every access switch carries VLAN 10
    model.fold_access(view, labels("en"))
    ids = {n.id for n in view.nodes}
    assert "sw-ACC-2-3" in ids  # what is wrong stays drawn on its own
    assert not any(i.startswith("sw-ACC-0-") for i in ids)
    folded = {n.id: n for n in view.nodes if n.id.startswith("fold-")}
    assert folded["fold-sw-AGG-0-ok"].lines == ["10 × access", "ok"]
    assert folded["fold-sw-AGG-2-ok"].lines[0] == "9 × access"
    assert "ACC-2-3" not in folded["fold-sw-AGG-2-ok"].tooltip
    pairs = [(e.a, e.b) for e in view.edges]
    assert len(pairs) == len(set(pairs)) and len({e.id for e in view.edges}) == len(pairs)
    assert ("seg-10", "fold-sw-AGG-1-ok") in pairs and ("sw-AGG-1", "fold-sw-AGG-1-ok") in pairs
    assert ("seg-10", "sw-ACC-2-3") in pairs
    # the hospital's 9 switches are never folded
    small = model.View(language="en", labels=labels("en"), generated_at="")
    small.nodes = view.nodes[:9]
    small.edges = []
    model.fold_access(small, labels("en"))
    assert len(small.nodes) == 9
