"""The console's example states, written into real stores in a directory of their own:
the hospital normal, a segment isolated with a switch down, and the database failed over
with an incident open. The tests and the screenshots in docs/ (scripts/console_screenshots)
read them as ``hisops console`` reads a controller's: the state store through its API, the
incident through hisops.incident's, the inspection as its JSON file, the db_status report
and the client ledger as the playbooks write them.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from hisops.console.sources import Paths

STATES = ("normal", "isolated", "failover")
# Headless Chromium as the browser test and the screenshots run it: as root (CI) without
# its sandbox, and talking to nothing but the console (no update, sync, safe-browsing or
# metrics traffic: the machine may reach only its own addresses)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--no-pings",
    "--metrics-recording-only",
)
PRODUCTION = ("CORE-1", "AGG-1", "AGG-2", "AGG-3", "AGG-4", "AGG-5", "ACC-1", "ACC-2", "ACC-3")
ISOLATION_ID = "iso-20261207T083000Z-demo01"
FENCE_ID = "fence-his-db-1"


def _findings_module() -> Any:
    from hisops.state_cli import _state_modules

    _state_modules()  # puts the collection on sys.path
    from ansible_collections.hisops.emergency.plugins.module_utils.inspection import findings

    return findings


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _inspection(state: str, now: datetime) -> dict[str, Any]:
    fm = _findings_module()
    finding = fm.Finding
    out = []
    for name in PRODUCTION:
        if state == "isolated" and name in ("AGG-3", "ACC-2"):
            out.append(
                finding(
                    "network",
                    "switch_reachable",
                    "critical",
                    name,
                    f"{name} does not answer: TCP connection to port 22 timed out",
                    suggested_class=2,
                )
            )
            continue
        out.append(finding("network", "switch_reachable", "ok", name, f"{name} answers"))
        if state == "isolated" and name == "CORE-1":
            out.append(
                finding(
                    "network",
                    "compliance_expected",
                    "ok",
                    name,
                    "CORE-1: 3 lines differ from its intended configuration, all held by "
                    f"isolation {ISOLATION_ID}",
                    expected={"kind": "isolation", "id": ISOLATION_ID},
                )
            )
            out.append(
                finding(
                    "network",
                    "interface_down",
                    "warning",
                    name,
                    "CORE-1 XGigabitEthernet2/0/2 went down since the last inspection",
                    params={"switch": name, "interface": "XGigabitEthernet2/0/2"},
                    suggested_class=2,
                )
            )
        else:
            out.append(
                finding("network", "compliance", "ok", name, f"{name} matches its intended config")
            )
    if state == "failover":
        out += [
            finding(
                "database",
                "db_node",
                "critical",
                "his-db-1",
                "his-db-1 does not answer: the server is down",
                params={"role": "unknown", "error": "unreachable"},
                suggested_class=1,
                action="hisops run db_rejoin",
            ),
            finding(
                "database",
                "db_standby",
                "warning",
                "pair",
                "no standby: the primary runs alone",
                suggested_class=2,
            ),
        ]
    else:
        out += [
            finding("database", "db_node", "ok", "his-db-1", "his-db-1 is primary"),
            finding("database", "db_node", "ok", "his-db-2", "his-db-2 is standby"),
            finding(
                "database",
                "replication_lag",
                "ok",
                "his-db-2",
                "his-db-2 replays 0.2 s behind",
                value=0.2,
                unit="seconds",
            ),
        ]
    out.append(finding("servers", "host_reachable", "ok", "backup-1", "backup-1 answers"))
    if state == "isolated":
        out.append(
            finding(
                "addresses",
                "unassigned_address",
                "warning",
                "10.10.30.199",
                "10.10.30.199 (52:54:00:1e:00:99) on AGG-1 GigabitEthernet0/0/9 was not "
                "assigned by the plan",
                params={"vlan": 30, "switch": "AGG-1", "port": "GigabitEthernet0/0/9"},
                action="hisops run isolate -e target=10.10.30.199",
            )
        )
    started = now - timedelta(minutes=3)
    return {
        "started": _iso(started),
        "finished": _iso(now - timedelta(minutes=2)),
        "site": "hospital",
        "exit_code": fm.exit_code(out),
        "summary": fm.summary_line(out),
        "findings": [f.to_dict() for f in out],
        "areas": {
            area: {
                "checked": len({f.subject for f in out if f.area == area}),
                "worst": fm.worst(f for f in out if f.area == area),
            }
            for area in sorted({f.area for f in out})
        },
    }


def _db_status(state: str) -> dict[str, Any]:
    if state == "failover":
        nodes = [
            {"name": "his-db-1", "role": None, "error": "unreachable: the server is down"},
            {"name": "his-db-2", "role": "primary", "timeline": 11, "error": ""},
        ]
        return {
            "nodes": nodes,
            "lag": {},
            "switchover": {"go": False, "summary": "NO-GO for switchover: no standby"},
            "failover": {"go": False, "summary": "NO-GO for failover: no standby"},
        }
    return {
        "nodes": [
            {"name": "his-db-1", "role": "primary", "timeline": 10, "error": ""},
            {"name": "his-db-2", "role": "standby", "timeline": 10, "error": ""},
        ],
        "lag": {"his-db-2": {"bytes": 0, "human": "0 bytes", "seconds": 0.2}},
        "switchover": {"go": True, "summary": "GO for switchover: his-db-2 is streaming"},
        "failover": {"go": False, "summary": "NO-GO for failover: his-db-1 is running"},
    }


def _ledger(state: str, topology: Any) -> dict[str, Any]:
    hosts = {}
    for endpoint in topology.endpoints.values():
        if endpoint.kind != "workstation":
            continue
        current = "5.1.0"
        if state == "failover" and endpoint.vlan == 50 and endpoint.name >= "doc-04":
            current = "5.0.0"  # the rollout was stopped by the outage
        hosts[endpoint.name] = {
            "current": current,
            "expected": "5.1.0",
            "known_good": current,
            "history": [],
        }
    return {"format": 1, "hosts": hosts, "runs": [], "fleet_expected": "5.1.0"}


def make_state(
    directory: str, state: str, now: datetime | None = None, language: str = "en"
) -> Paths:
    """Write the sources of ``state`` (one of STATES) under ``directory``; returns the
    paths the console reads them from."""
    from hisops.console.sources import read_topology
    from hisops.incident import config, service
    from hisops.incident.store import Store
    from hisops.state_cli import _state_modules

    if state not in STATES:
        raise ValueError(f"state: {state!r} is not one of {', '.join(STATES)}")
    now = now or datetime.now(UTC).replace(microsecond=0)
    paths = Paths.defaults(
        state_dir=os.path.join(directory, "state"),
        db_status=os.path.join(directory, "reports", "db_status.json"),
        ledger=os.path.join(directory, "client", "ledger.json"),
        incident_dir=os.path.join(directory, "incidents"),
        incident_config=os.path.join(directory, "site.yml"),
        inspection=os.path.join(directory, "inspections", "latest.json"),
    )
    from hisops.console.sources import Gathered

    probe = Gathered(now=now)
    read_topology(probe, paths)
    if probe.topology is None:
        raise RuntimeError(f"the topology: {probe.missing.get('topology')}")
    topology = probe.topology

    def write(path: str, data: dict[str, Any]) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)

    write(paths.inspection, _inspection(state, now))
    write(paths.db_status, _db_status(state))
    write(paths.ledger, _ledger(state, topology))

    store = _state_modules().StateStore(paths.state_dir)
    store.history(1)  # the store exists in every state, empty in the normal one
    if state != "normal":
        store.open(
            "spare_swap",
            "spare:AGG-1",
            id="swap-AGG-1",
            operator="wang.wei",
            summary="SPARE-S5735 runs as AGG-1 (from the backup of AGG-1)",
            devices=["AGG-1", "SPARE-S5735"],
            details={"spare": "SPARE-S5735"},
            opened_at=_iso(now - timedelta(days=2)),
        )
    with open(paths.incident_config, "w", encoding="utf-8") as handle:
        handle.write(f"language: {language}\n")
    ctx = service.Context(
        store=Store(paths.incident_dir),
        site=config.load(paths.incident_config),
        operator="zhang.min",
    )
    ctx.store.schema_version()  # the incident store exists in every state
    if state == "isolated":
        pharmacy = [e for e in topology.endpoints.values() if e.vlan == 30]
        store.open(
            "isolation",
            "segment:30",
            id=ISOLATION_ID,
            operator="li.na",
            summary="segment PHARMACY: ransomware on pharmacy workstations",
            devices=["CORE-1"],
            endpoints=[{"name": e.name, "ip": e.ip, "mac": e.mac} for e in pharmacy],
            opened_at=_iso(now - timedelta(minutes=25)),
        )
    if state == "failover":
        store.open(
            "db_fence",
            "his-db-1",
            id=FENCE_ID,
            operator="zhang.min",
            summary="his-db-1 fenced by switch_port (CORE-1:GigabitEthernet1/0/1 shut)",
            endpoints=[{"name": "his-db-1", "ip": "10.10.100.11"}],
            opened_at=_iso(now - timedelta(minutes=32)),
        )
        service.open_incident(
            ctx,
            title="HIS database primary his-db-1 down, failed over to his-db-2",
            occurred="40m",
            department="it",
            scope="database_server",
        )
    return paths
