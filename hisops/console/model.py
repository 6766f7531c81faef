"""What the console shows, from what was gathered: pure functions, no I/O.

The drawing's nodes (switches, department segments, servers) and links each get a
*state*, the state a colour and a CSS class (``state-<state>``), and a label in the page's
language. Where a state comes from:

* a switch: the last inspection's findings about it (``subject`` is its hostname): a
  critical finding of a reachability check (``*reach*``) is ``down``, a compliance finding
  (``*complian*``, ``*drift*``) that is not an expected deviation is ``drifted``, any other
  finding that is not ok is ``warning``; then the open holds on it (an isolation, a
  vendor window, a spare swap: ``held``); ``ok`` when the inspection saw nothing, ``unknown``
  without an inspection.
* a link: ``cut`` when a finding about one of its ends' interfaces is not ok (a check named
  ``*interface*`` or ``*link*`` with ``params.interface``/``params.interfaces``), or when
  a switch at one end is down.
* a department segment: ``isolated`` by an open segment isolation (key ``segment:<vlan>``),
  ``warning`` when a finding about one of its endpoints is not ok, ``partial`` when
  single hosts of it are isolated.
* the DB servers: the role and lag of the last ``db_status`` report, ``fenced`` by an open
  fence, ``down`` when the report could not read the node or a finding about it is
  critical.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hisops.console.labels import labels as labels_for
from hisops.console.sources import Gathered
from hisops.incident.messages import LANGUAGES

# state -> (fill, border): light fills so the labels stay readable
COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("#c8e6c9", "#2e7d32"),
    "primary": ("#a5d6a7", "#1b5e20"),
    "standby": ("#c8e6c9", "#2e7d32"),
    "down": ("#ef9a9a", "#b71c1c"),
    "cut": ("#ef9a9a", "#c62828"),
    "drifted": ("#ffcc80", "#e65100"),
    "warning": ("#fff59d", "#f9a825"),
    "isolated": ("#ce93d8", "#6a1b9a"),
    "fenced": ("#ce93d8", "#6a1b9a"),
    "partial": ("#e1bee7", "#8e24aa"),
    "held": ("#90caf9", "#0d47a1"),
    "spare": ("#f5f5f5", "#9e9e9e"),
    "unknown": ("#e0e0e0", "#757575"),
}
# which state wins when several apply (first wins)
SWITCH_ORDER = ("down", "drifted", "warning", "held", "ok", "unknown")
SEGMENT_ORDER = ("isolated", "warning", "partial", "ok", "unknown")

REACH = re.compile(r"reach", re.I)
DRIFT = re.compile(r"complian|drift", re.I)
INTERFACE = re.compile(r"interface|link", re.I)
STALE_AFTER = timedelta(hours=36)
MAX_FINDINGS = 40
# a site with more switches than this draws its quiet access switches (ok, or unknown
# without an inspection, nothing held) as one node per uplink switch: what is wrong stands
# out among 200 switches instead of drowning in a row of them
FOLD_ACCESS_OVER = 40
# what the inspection's sheet shows first (plugins/module_utils/inspection/findings.py)
RANK = {"critical": 0, "warning": 1, "unknown": 2, "ok": 3}


@dataclass
class Node:
    id: str  # the SVG element's id
    kind: str  # switch, segment, server, spare
    name: str
    state: str
    lines: list[str]  # the label, first line the name
    tooltip: str = ""
    role: str = ""  # a switch's role; a server's kind (db_server, backup_target, ...)

    @property
    def css(self) -> str:
        return f"{self.kind} state-{self.state}"


@dataclass
class Edge:
    id: str
    a: str  # node ids
    b: str
    state: str
    label: str = ""
    tooltip: str = ""

    @property
    def css(self) -> str:
        return f"link state-{self.state}"


@dataclass
class View:
    language: str
    labels: dict[str, Any]
    generated_at: str  # in the site's time zone, for people
    site: str = ""
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    database: dict[str, Any] = field(default_factory=dict)
    clients: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    inspection: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    spares: list[dict[str, str]] = field(default_factory=list)
    overall: str = "unknown"  # ok, warning, critical, unknown: the page's headline

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("labels")
        for node, out in zip(self.nodes, data["nodes"], strict=True):
            out["css"] = node.css
        for edge, out in zip(self.edges, data["edges"], strict=True):
            out["css"] = edge.css
        return data


def pick(states: set[str], order: tuple[str, ...]) -> str:
    for state in order:
        if state in states:
            return state
    return order[-1]


def node_id(kind: str, name: str) -> str:
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name)


# ------------------------------------------------------------------ findings


def finding_state(finding: dict[str, Any]) -> str:
    """A finding about a switch, as a switch state."""
    severity = finding.get("severity", "unknown")
    check = str(finding.get("check", ""))
    if severity == "ok":
        return "ok"
    if finding.get("expected"):
        return "held"
    if severity == "critical" and REACH.search(check):
        return "down"
    if DRIFT.search(check):
        return "drifted"
    return "warning"


def finding_interfaces(finding: dict[str, Any]) -> list[str]:
    """The interfaces a not-ok interface or link finding says are down."""
    if finding.get("severity") == "ok" or not INTERFACE.search(str(finding.get("check", ""))):
        return []
    params = finding.get("params") or {}
    found = params.get("interfaces") or []
    if isinstance(found, str):
        found = [found]
    for key in ("interface", "port"):
        if params.get(key):
            found = [*found, params[key]]
    return [str(name) for name in found]


def by_subject(findings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Findings by what they are about: the subject, the host of a ``host:path`` subject
    (a disk, a log), ``params.host``/``params.switch``, and ``VLAN <id>`` for
    ``params.vlan``."""
    result: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        params = finding.get("params") or {}
        subject = str(finding.get("subject", ""))
        keys = {subject, subject.split(":", 1)[0]}
        keys.update(str(params[k]) for k in ("host",) if params.get(k))
        if finding.get("area") == "network" and params.get("switch"):
            # an address found on a switch is not the switch's fault: network findings only
            keys.add(str(params["switch"]))
        if params.get("vlan") not in (None, ""):
            keys.add(f"VLAN {params['vlan']}")
        for key in keys:
            result.setdefault(key, []).append(finding)
    return result


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def clean_findings(raw: Any) -> list[dict[str, Any]]:
    """The inspection's findings as the model reads them: dicts, with text where text is
    expected and a dict of params (a file written by hand or half-broken shows what it
    can, never crashes the page)."""
    found = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        finding = dict(item)
        for key in ("area", "check", "subject", "message", "plan_item", "action"):
            finding[key] = str(finding.get(key) or "")
        severity = str(finding.get("severity") or "unknown")
        finding["severity"] = severity if severity in RANK else "unknown"
        finding["params"] = _dict(finding.get("params"))
        finding["expected"] = _dict(finding.get("expected")) or None
        found.append(finding)
    return found


# ------------------------------------------------------------------ the view


def build(gathered: Gathered, language: str | None = None) -> View:
    language = language if language in LANGUAGES else gathered.language
    words = labels_for(language or "en")
    tz = _zone(gathered.timezone)
    view = View(
        language=language or "en",
        labels=words,
        generated_at=_local(gathered.now, tz),
        missing=dict(gathered.missing),
    )
    findings = clean_findings((gathered.inspection or {}).get("findings"))
    subjects = by_subject(findings)
    view.inspection = _inspection(gathered, findings, words, tz)
    view.holds = _holds(gathered.holds, words, tz)
    view.incidents = _incidents(gathered, view.language, words, tz)
    view.database = _database(gathered, findings, words, tz)
    if gathered.topology is not None:
        view.site = gathered.topology.name
        _draw(view, gathered, subjects, words)
        fold_access(view, words)
    view.clients = _clients(gathered, words)
    view.overall = overall(view, gathered)
    return view


def overall(view: View, gathered: Gathered) -> str:
    """The headline: critical when something is down or cut, the inspection exited 2 or a
    class 1 or 2 incident is open; warning for drift, warnings, another open incident or a
    stale inspection; unknown without an inspection; ok only when all was seen ok. A drill
    is shown, never raises the headline."""
    states = {n.state for n in view.nodes} | {e.state for e in view.edges}
    exit_code = (gathered.inspection or {}).get("exit_code")
    real = [i for i in gathered.incidents if not i.get("drill") and i.get("state") == "open"]
    if (
        states & {"down", "cut"}
        or exit_code == 2
        or any(i.get("class") in ("1", "2") for i in real)
    ):
        return "critical"
    if states & {"drifted", "warning"} or exit_code == 1 or real or view.inspection.get("stale"):
        return "warning"
    if gathered.inspection is None or exit_code == 3:
        return "unknown"
    return "ok"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone shows UTC rather than nothing
        return ZoneInfo("UTC")


def _parse(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def _local(moment: datetime | str, tz: ZoneInfo) -> str:
    parsed = _parse(moment) if isinstance(moment, str) else moment
    if parsed is None:
        return str(moment)
    return parsed.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _draw(
    view: View,
    gathered: Gathered,
    subjects: dict[str, list[dict[str, Any]]],
    words: dict[str, Any],
) -> None:
    from hisops.lab.hosts.spec import kind_for_endpoint

    topology = gathered.topology
    inspected = gathered.inspection is not None
    holds = gathered.holds
    states = words["states"]

    # switches
    down_ports: set[tuple[str, str]] = set()
    switch_state: dict[str, str] = {}
    for name, device in topology.devices.items():
        found = subjects.get(name, [])
        seen = {finding_state(f) for f in found}
        for finding in found:
            down_ports.update((name, i) for i in finding_interfaces(finding))
        notes: list[str] = []
        for hold in holds:
            if name not in hold.get("devices", []):
                continue
            if hold["kind"] == "spare_swap":
                spare = (hold.get("details") or {}).get("spare") or next(
                    (d for d in hold["devices"] if d != name), ""
                )
                if spare and spare != name:
                    notes.append(words["runs_on_spare"].format(spare=spare))
                    seen.add("held")
            elif hold["kind"] in ("isolation", "vendor_window"):
                notes.append(f"{words['kinds'][hold['kind']]} {hold['id']}")
                seen.add("held")
        if device.role == "spare":
            in_use = [
                d
                for h in holds
                if h["kind"] == "spare_swap" and name in h.get("devices", [])
                for d in h["devices"]
                if d != name
            ]
            spare_notes = [states["held"] + ": " + ", ".join(in_use)] if in_use else []
            spare_notes += [str(f.get("message", "")) for f in found if f.get("severity") != "ok"]
            view.spares.append(
                {"name": name, "model": device.model, "note": "; ".join(spare_notes)}
            )
            continue
        if inspected:
            seen.add("ok")
        state = pick(seen, SWITCH_ORDER)
        switch_state[name] = state
        bad = [f.get("message", "") for f in found if f.get("severity") != "ok"]
        lines = [name, f"{words['roles'].get(device.role, device.role)} · {device.model}"]
        if state not in ("ok", "spare", "unknown", "held"):
            lines.append(states.get(state, state))
        lines += notes[:2]
        view.nodes.append(
            Node(
                id=node_id("sw", name),
                kind="switch",
                name=name,
                state=state,
                lines=lines,
                tooltip="; ".join(bad + notes),
                role=device.role,
            )
        )

    # links between switches
    for index, link in enumerate(topology.links):
        ends = ((link.a.device, link.a.interface), (link.b.device, link.b.interface))
        cut = [f"{d}:{i}" for d, i in ends if (d, i) in down_ports]
        dead = [d for d, _ in ends if switch_state.get(d) == "down"]
        if cut or dead:
            state = "cut"
        elif all(switch_state.get(d) == "unknown" for d, _ in ends):
            state = "unknown"
        else:
            state = "ok"
        view.edges.append(
            Edge(
                id=f"link-{index}",
                a=node_id("sw", link.a.device),
                b=node_id("sw", link.b.device),
                state=state,
                label=states["cut"] if state == "cut" else "",
                tooltip=str(link) + (f" ({', '.join(cut or dead)})" if cut or dead else ""),
            )
        )

    # department segments (one node per VLAN) and the servers, each endpoint on its own
    isolated_segments: dict[int, dict[str, Any]] = {}
    isolated_hosts: dict[str, dict[str, Any]] = {}
    for hold in holds:
        if hold["kind"] != "isolation":
            continue
        key = str(hold.get("key", ""))
        if key.startswith("segment:"):
            vlan = key.split(":", 1)[1]
            if vlan.isdigit():
                isolated_segments[int(vlan)] = hold
        else:
            for endpoint in hold.get("endpoints") or []:
                if endpoint.get("name"):
                    isolated_hosts[str(endpoint["name"])] = hold
    fenced = {
        str(e.get("name")): h
        for h in holds
        if h["kind"] == "db_fence"
        for e in (h.get("endpoints") or [])
    }
    fenced.update({str(h.get("key")): h for h in holds if h["kind"] == "db_fence"})
    db_nodes = {n["name"]: n for n in view.database.get("nodes", [])}

    segments: dict[int, list[Any]] = {}
    for endpoint in topology.endpoints.values():
        server_kind = kind_for_endpoint(endpoint.name, endpoint.kind)
        if endpoint.name == topology.controller:
            server_kind = "controller"
        if endpoint.kind == "server" or server_kind in ("db_server", "backup_target", "controller"):
            view.nodes.append(
                _server_node(
                    endpoint,
                    server_kind or "server",
                    subjects.get(endpoint.name, []),
                    db_nodes.get(endpoint.name),
                    fenced.get(endpoint.name),
                    isolated_hosts.get(endpoint.name),
                    words,
                )
            )
            view.edges.append(
                Edge(
                    id=node_id("attach", endpoint.name),
                    a=node_id("srv", endpoint.name),
                    b=node_id("sw", endpoint.switch),
                    state=_attach_state(
                        switch_state.get(endpoint.switch, "unknown"),
                        view.nodes[-1].state == "fenced",
                    ),
                    tooltip=f"{endpoint.name} - {endpoint.switch}:{endpoint.port}",
                )
            )
            continue
        segments.setdefault(endpoint.vlan, []).append(endpoint)

    ledger_hosts = _dict((gathered.ledger or {}).get("hosts"))
    for vlan_id in sorted(segments):
        members = segments[vlan_id]
        vlan = topology.vlans.get(vlan_id)
        vlan_name = vlan.name if vlan else str(vlan_id)
        seen = {"ok"} if gathered.inspection is not None else set()
        for member in members:
            if any(f.get("severity") != "ok" for f in subjects.get(member.name, [])):
                seen.add("warning")
        for finding in subjects.get(f"VLAN {vlan_id}", []):
            if finding.get("severity") != "ok":
                seen.add("warning")
        cut_off = sorted(m.name for m in members if m.name in isolated_hosts)
        if cut_off:
            seen.add("partial")
        segment_hold = isolated_segments.get(vlan_id)
        if segment_hold:
            seen.add("isolated")
        state = pick(seen, SEGMENT_ORDER)
        department = words["segments"].get(vlan_name) or (vlan.department if vlan else "")
        stations = [m for m in members if m.kind == "workstation"]
        versions = Counter(
            str(_dict(ledger_hosts.get(m.name)).get("current") or "?") for m in stations
        )
        lines = [f"VLAN {vlan_id} {vlan_name}", department]
        lines.append(f"{len(stations)} {words['workstations']}" + _versions_text(versions))
        if segment_hold:
            lines.append(f"{states['isolated']} {segment_hold['id']}")
        elif cut_off:
            lines.append(
                words["hosts_isolated"].format(count=len(cut_off)) + ": " + ", ".join(cut_off)
            )
        elif state == "warning":
            lines.append(states["warning"])
        segment_id = node_id("seg", str(vlan_id))
        view.nodes.append(
            Node(
                id=segment_id,
                kind="segment",
                name=vlan_name,
                state=state,
                lines=lines,
                tooltip=(segment_hold or {}).get("summary", "")
                or ", ".join(m.name for m in members),
                role=str(vlan_id),
            )
        )
        for switch in sorted({m.switch for m in members}):
            view.edges.append(
                Edge(
                    id=node_id("attach", f"{vlan_id}-{switch}"),
                    a=segment_id,
                    b=node_id("sw", switch),
                    state=_attach_state(switch_state.get(switch, "unknown"), bool(segment_hold)),
                )
            )


def fold_access(view: View, words: dict[str, Any]) -> None:
    """Quiet access switches of a big site as one node per uplink switch (see
    FOLD_ACCESS_OVER); the lines to them and from their segments go to that node once."""
    switches = [n for n in view.nodes if n.kind == "switch"]
    if len(switches) <= FOLD_ACCESS_OVER:
        return
    by_id = {n.id: n for n in switches}
    quiet = {n.id for n in switches if n.role == "access" and n.state in ("ok", "unknown")}
    uplink: dict[str, str] = {}
    for edge in view.edges:
        if edge.a in quiet and edge.b in by_id and edge.b not in quiet:
            uplink.setdefault(edge.a, edge.b)
        elif edge.b in quiet and edge.a in by_id and edge.a not in quiet:
            uplink.setdefault(edge.b, edge.a)
    groups: dict[tuple[str, str], list[Node]] = {}
    for node_key, parent in uplink.items():
        node = by_id[node_key]
        groups.setdefault((parent, node.state), []).append(node)
    folded: dict[str, str] = {}  # access node id -> its group's node id
    for (parent, state), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        group_id = f"fold-{parent}-{state}"
        for member in members:
            folded[member.id] = group_id
        view.nodes.append(
            Node(
                id=group_id,
                kind="switch",
                name=group_id,
                state=state,
                lines=[
                    f"{len(members)} × {words['roles']['access']}",
                    words["states"][state],
                ],
                tooltip=", ".join(sorted(m.name for m in members)),
                role="access",
            )
        )
    if not folded:
        return
    view.nodes = [n for n in view.nodes if n.id not in folded]
    edges: dict[tuple[str, str], Edge] = {}
    for edge in view.edges:
        a, b = folded.get(edge.a, edge.a), folded.get(edge.b, edge.b)
        if a == b:
            continue
        key = (a, b)
        if key not in edges:
            edges[key] = Edge(
                id=edge.id if (a, b) == (edge.a, edge.b) else f"{edge.id}-folded",
                a=a,
                b=b,
                state=edge.state,
                label=edge.label,
                tooltip=edge.tooltip,
            )
    view.edges = list(edges.values())


def _attach_state(switch_state: str, cut_off: bool) -> str:
    """The line from a segment or server to its switch: ``isolated`` when cut off on
    purpose, ``cut`` when its switch is down."""
    if cut_off:
        return "isolated"
    if switch_state == "down":
        return "cut"
    return "unknown" if switch_state == "unknown" else "ok"


def _versions_text(versions: Counter[str]) -> str:
    if not versions or set(versions) == {"?"}:
        return ""
    return " · " + ", ".join(f"{v} ×{n}" for v, n in sorted(versions.items()))


def _server_node(
    endpoint: Any,
    server_kind: str,
    findings: list[dict[str, Any]],
    db_node: dict[str, Any] | None,
    fence: dict[str, Any] | None,
    isolation: dict[str, Any] | None,
    words: dict[str, Any],
) -> Node:
    states = words["states"]
    lines = [endpoint.name, words["servers"].get(server_kind, server_kind)]
    seen: set[str] = set()
    if db_node is not None:
        role = db_node.get("role") or "unknown"
        if db_node.get("error") or role == "unknown":
            seen.add("down")
            lines.append(words["unreachable"])
        else:
            seen.add(role if role in ("primary", "standby") else "warning")
            text = words["db_roles"].get(role, role)
            if db_node.get("timeline"):
                text += f" · TL {db_node['timeline']}"
            lines.append(text)
            if role == "standby" and db_node.get("lag_text"):
                lines.append(f"{words['lag']} {db_node['lag_text']}")
    bad = [f for f in findings if f.get("severity") != "ok"]
    if any(f.get("severity") == "critical" for f in bad):
        seen.add("down")
    elif bad:
        seen.add("warning")
    if fence:
        seen.add("fenced")
        lines.append(f"{states['fenced']} {fence['id']}")
    elif isolation:
        seen.add("fenced")
        lines.append(f"{words['isolation']} {isolation['id']}")
    order = ("down", "fenced", "warning", "primary", "standby", "ok")
    state = pick(seen or {"ok"}, order)
    return Node(
        id=node_id("srv", endpoint.name),
        kind="server",
        name=endpoint.name,
        state=state,
        lines=lines,
        tooltip="; ".join(str(f.get("message", "")) for f in bad) or endpoint.ip,
        role=server_kind,
    )


# ------------------------------------------------------------------ panels


def _holds(
    holds: list[dict[str, Any]], words: dict[str, Any], tz: ZoneInfo
) -> list[dict[str, Any]]:
    return [
        {
            "kind": words["kinds"].get(h["kind"], h["kind"]),
            "id": h["id"],
            "summary": h.get("summary", "") or h.get("key", ""),
            "since": _local(h.get("opened_at", ""), tz),
            "by": h.get("opened_by", ""),
        }
        for h in holds
    ]


def _database(
    gathered: Gathered,
    findings: list[dict[str, Any]],
    words: dict[str, Any],
    tz: ZoneInfo,
) -> dict[str, Any]:
    report = gathered.db_status
    wrong = [f for f in findings if f.get("area") == "database" and f.get("severity") != "ok"]
    result: dict[str, Any] = {"nodes": [], "verdicts": [], "findings": wrong, "as_of": ""}
    if not report:
        return result
    result["as_of"] = _local(gathered.db_status_at, tz) if gathered.db_status_at else ""
    lags = _dict(report.get("lag"))
    for node in report.get("nodes") or []:
        if not isinstance(node, dict) or not node.get("name"):
            continue
        lag = _dict(lags.get(node["name"]))
        lag_text = ""
        if lag:
            lag_text = str(lag.get("human") or f"{lag.get('bytes')} bytes")
            if lag.get("seconds") is not None:
                lag_text += f" ({lag['seconds']} s)"
        result["nodes"].append(
            {
                "name": node["name"],
                "role": node.get("role") or "unknown",
                "role_text": words["db_roles"].get(node.get("role") or "unknown", node.get("role")),
                "timeline": node.get("timeline"),
                "lag_text": lag_text,
                "error": node.get("error") or "",
            }
        )
    for operation in ("switchover", "failover"):
        verdict = report.get(operation)
        if isinstance(verdict, dict):
            result["verdicts"].append(
                {
                    "operation": words[operation],
                    "go": bool(verdict.get("go")),
                    "text": words["go"] if verdict.get("go") else words["no_go"],
                    "summary": verdict.get("summary", ""),
                }
            )
    return result


def _clients(gathered: Gathered, words: dict[str, Any]) -> list[dict[str, Any]]:
    """Per department (the endpoint's, else its VLAN's): workstations, the versions they
    run, and how many are not at the version expected of them."""
    if gathered.topology is None or gathered.ledger is None:
        return []
    ledger = gathered.ledger
    hosts = _dict(ledger.get("hosts"))
    rows: dict[str, dict[str, Any]] = {}
    for endpoint in gathered.topology.endpoints.values():
        if endpoint.kind != "workstation":
            continue
        vlan = gathered.topology.vlans.get(endpoint.vlan)
        department = endpoint.department or (vlan.department if vlan else str(endpoint.vlan))
        row = rows.setdefault(
            department,
            {"department": department, "segment": vlan.name if vlan else "", "hosts": []},
        )
        entry = _dict(hosts.get(endpoint.name))
        expected = entry.get("expected") or ledger.get("fleet_expected") or ""
        row["hosts"].append(
            {
                "name": endpoint.name,
                "current": entry.get("current") or "?",
                "expected": expected,
            }
        )
    result = []
    for department in sorted(rows):
        row = rows[department]
        versions = Counter(h["current"] for h in row["hosts"])
        expected = sorted({h["expected"] for h in row["hosts"] if h["expected"]})
        behind = sorted(
            h["name"] for h in row["hosts"] if h["expected"] and h["current"] != h["expected"]
        )
        result.append(
            {
                "department": row["department"],
                "segment": row["segment"],
                "count": len(row["hosts"]),
                "versions": ", ".join(f"{v} ×{n}" for v, n in sorted(versions.items())),
                "expected": ", ".join(expected),
                "behind": behind,
                "state": "warning" if behind else "ok",
            }
        )
    return result


def _incidents(
    gathered: Gathered, language: str, words: dict[str, Any], tz: ZoneInfo
) -> list[dict[str, Any]]:
    result = []
    for incident in gathered.incidents:
        occurred = _parse(incident.get("occurred_at", ""))
        end = _parse(incident.get("recovered_at") or "") or gathered.now
        lasted = int((end - occurred).total_seconds() // 60) if occurred else 0
        clocks = []
        for clock in incident.get("clocks") or []:
            due = _parse(clock.get("due", ""))
            if due is None:
                continue
            minutes = int((due - gathered.now).total_seconds() // 60)
            passed = due <= gathered.now
            clocks.append(
                {
                    "stage": clock.get("stage", ""),
                    "due": due.astimezone(tz).strftime("%m-%d %H:%M"),
                    "passed": passed,
                    "text": words["overdue_by"].format(minutes=-minutes)
                    if passed
                    else words["due_in"].format(minutes=minutes),
                }
            )
        result.append(
            {
                "id": incident.get("id"),
                "title": incident.get("title", ""),
                "class": incident.get("class", ""),
                "state": words["incident_states"].get(incident.get("state"), incident.get("state")),
                "drill": incident.get("drill", False),
                "department": (incident.get("department_names") or {}).get(language, ""),
                "occurred": _local(incident.get("occurred_at", ""), tz),
                "lasted": f"{lasted // 60} h {lasted % 60:02d} min",
                "clocks": clocks,
            }
        )
    return result


def _inspection(
    gathered: Gathered,
    findings: list[Any],
    words: dict[str, Any],
    tz: ZoneInfo,
) -> dict[str, Any]:
    data = gathered.inspection
    if data is None:
        return {}
    finished = _parse(str(data.get("finished") or data.get("started") or ""))
    stale = ""
    if finished and gathered.now - finished > STALE_AFTER:
        hours = int((gathered.now - finished).total_seconds() // 3600)
        stale = words["stale"].format(hours=hours)
    valid = [f for f in findings if isinstance(f, dict)]
    wrong = sorted(
        (f for f in valid if f.get("severity") != "ok"),
        key=lambda f: (
            RANK.get(str(f.get("severity")), 2),
            str(f.get("plan_item")),
            str(f.get("subject")),
        ),
    )
    return {
        "site": data.get("site", ""),
        "started": _local(str(data.get("started", "")), tz),
        "finished": _local(str(data.get("finished", "")), tz),
        "exit_code": data.get("exit_code"),
        "summary": data.get("summary", ""),
        "stale": stale,
        "findings": [
            {
                "severity": f.get("severity", "unknown"),
                "severity_text": words["severities"].get(f.get("severity"), f.get("severity")),
                "plan_item": f.get("plan_item", ""),
                "subject": f.get("subject", ""),
                "message": f.get("message", ""),
                "action": f.get("action", ""),
                "expected": f.get("expected") or None,
            }
            for f in wrong[:MAX_FINDINGS]
        ],
        "areas": [
            {
                "area": str(area),
                "name": words["areas"].get(area, area),
                "checked": words["checked"].format(count=info.get("checked", 0)),
                "worst": str(info.get("worst", "unknown")),
            }
            for area, info in sorted(_dict(data.get("areas")).items())
            if isinstance(info, dict)
        ],
        "more_wrong": max(0, len(wrong) - MAX_FINDINGS),
        "ok_count": len(valid) - len(wrong),
    }
