"""Isolations sharing the core's address-block ACL, opened and reconnected in every order:
the switch comes back exactly to its start and no reconnect is refused or left half done.

Found by the network campaign (reliability/network.py --seed 2 --cycles 30 --topology
hospital, the settling): a permit rule handed on along a chain - the ACL's creator
reconnected and handed the ACL to an heir, that heir reconnected and handed it on - was
counted as gone for an isolation opened before the heir, whose reconnect was then refused
("the configuration changed since the isolation on CORE-1: + acl number 3999 / rule 4000
permit ip").

No lab: a small Huawei core in memory (ACLs, rules, interface lines; a missing rule or ACL
refused as the switch refuses it) behind ``DeviceSession``; the isolations are planned by
isolate's own ``_acl_commands`` and recorded as ``isolate._commit`` records them; the
reconnects are the real ``reconnect.reconnect``.
"""

from __future__ import annotations

import itertools
import random
import time
import types
from collections import Counter
from typing import Any

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.backup import mask_secrets
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import (
    CommandRejected,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceParams
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.text import strip_comments
from ansible_collections.hisops.emergency.plugins.module_utils.netops import reconnect
from ansible_collections.hisops.emergency.plugins.module_utils.netops.isolate import (
    DeviceChange,
    _acl_commands,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.network import (
    Switch,
    SwitchView,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import (
    Store,
    new_id,
)

CORE = "CORE-1"
VLANS = (10, 50, 60)
PORT = "GigabitEthernet0/0/7"


class Core:
    """A Huawei core as far as host blocks and a port shutdown go."""

    def __init__(self) -> None:
        self.acls: dict[int, dict[int, str]] = {}
        self.interfaces: dict[str, list[str]] = {PORT: ["port link-type access"]}
        for vlan in VLANS:
            self.interfaces[f"Vlanif{vlan}"] = [f"ip address 10.10.{vlan}.1 255.255.255.0"]

    def render(self) -> str:
        out = [f"sysname {CORE}", "#"]
        for number, rules in sorted(self.acls.items()):
            out.append(f"acl number {number}")
            out += [f" rule {n} {body}" for n, body in sorted(rules.items())]
            out.append("#")
        for name, lines in self.interfaces.items():
            out.append(f"interface {name}")
            out += [f" {line}" for line in lines]
            out.append("#")
        return "\n".join(out + ["return"])

    def read(self) -> str:
        """As isolate records it (``before``, ``after``)."""
        return mask_secrets(strip_comments(self.render()))

    def apply(self, commands: list[str]) -> None:
        acl: int | None = None
        interface = ""
        for line in commands:
            words = line.split()

            def refuse(text: str, line: str = line) -> None:
                raise CommandRejected(text, device=CORE, command=line)

            if line == "quit":
                acl, interface = None, ""
            elif line.startswith("acl number "):
                acl = int(words[2])
                self.acls.setdefault(acl, {})
            elif line.startswith("undo acl number "):
                if self.acls.pop(int(words[3]), None) is None:
                    refuse("Error: The ACL does not exist.")
            elif acl is not None and words[0] == "rule":
                self.acls[acl][int(words[1])] = " ".join(words[2:])
            elif acl is not None and line.startswith("undo rule "):
                if self.acls[acl].pop(int(words[2]), None) is None:
                    refuse("Error: The rule does not exist.")
            elif line.startswith("interface "):
                interface = words[1]
            elif interface and line == "undo traffic-filter inbound":
                self.interfaces[interface] = [
                    x for x in self.interfaces[interface] if not x.startswith("traffic-filter")
                ]
            elif interface and line.startswith("undo "):
                self.interfaces[interface].remove(line[len("undo ") :])
            elif interface:
                self.interfaces[interface].append(line)
            else:
                refuse(f"Error: Unrecognized command found at '^' position: {line}")


class Session:
    """``DeviceSession`` on the in-memory core."""

    devices: dict[str, Core] = {}

    def __init__(self, params: DeviceParams) -> None:
        self.core = self.devices[params.name]

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def running_config(self) -> str:
        return self.core.render()

    def config_set(self, commands: list[str]) -> None:
        self.core.apply(commands)

    def save(self) -> None:
        return None


class Lab:
    """The core, the isolation store, and isolate/reconnect as the playbooks run them."""

    def __init__(self, directory: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.core = Core()
        self.start = self.core.read()
        self.store = Store(directory)
        self.switch = Switch(
            CORE,
            DeviceParams(
                name=CORE, platform="huawei", host="192.0.2.1", username="u", password="p"
            ),
            role="core",
        )
        self.clock = itertools.count(1)
        monkeypatch.setattr(Session, "devices", {CORE: self.core})
        monkeypatch.setattr(reconnect, "DeviceSession", Session)
        monkeypatch.setattr(
            reconnect,
            "time",
            types.SimpleNamespace(
                time_ns=lambda: next(self.clock),
                mktime=time.mktime,
                strptime=time.strptime,
                timezone=time.timezone,
            ),
        )
        self.open: dict[str, str] = {}  # target -> isolation id

    def _record(self, kind: str, target: str, change: DeviceChange, **extra: Any) -> str:
        before = self.core.read()
        self.core.apply(change.commands)
        record = {
            "id": new_id(),
            "state": "open",
            "kind": kind,
            "target": target,
            "key": f"{kind}:{target}",
            "opened_by": "alice",
            "opened_ns": next(self.clock),
            "devices": {
                CORE: {
                    "platform": "huawei",
                    "commands": change.commands,
                    "inverse": change.inverse,
                    "before": before,
                    "after": self.core.read(),
                    "saved": False,
                }
            },
            **extra,
        }
        self.store.save(record)
        self.open[target] = record["id"]
        return record["id"]

    def isolate_host(self, vlan: int, n: int) -> str:
        ip = f"10.10.{vlan}.{100 + n}"
        view = SwitchView(self.switch, config=self.core.render())
        change = DeviceChange(CORE, "huawei", _acl_commands(view, vlan, ip, 3999))
        assert change.commands, ip
        return self._record(
            "host",
            ip,
            change,
            located={"vlan": vlan, "ip": ip},
            blast_radius={"blocked_at_core": f"{ip} at {CORE}:Vlanif{vlan} (ACL 3999)"},
        )

    def isolate_port(self) -> str:
        block = (
            [f"interface {PORT}", "shutdown", "quit"],
            [f"interface {PORT}", "undo shutdown", "quit"],
        )
        return self._record(
            "port",
            f"{CORE}:{PORT}",
            DeviceChange(CORE, "huawei", [block]),
            located={"switch": CORE, "port": PORT},
        )

    def reconnect(self, target: str) -> dict[str, Any]:
        return reconnect.reconnect(
            self.store,
            self.open.pop(target),
            {CORE: self.switch},
            "bob",
            cleanup_by="carol",
            cleanup_scan="clean",
        )

    def check(self) -> None:
        """The campaign's invariant: the core holds its start plus each open isolation's effect."""
        expected = reconnect.line_set(self.start, "huawei")
        for record in self.store.open_records():
            expected.update(reconnect.effect(record["devices"][CORE]))
        now = reconnect.line_set(self.core.read(), "huawei")
        assert now == Counter({k: v for k, v in expected.items() if v})


def _replay(lab: Lab, events: list[tuple[str, Any]]) -> None:
    for n, (action, what) in enumerate(events):
        if action == "host":
            lab.isolate_host(what[0], what[1])
        elif action == "port":
            lab.isolate_port()
        else:
            lab.reconnect(what)
        try:
            lab.check()
        except AssertionError as exc:
            raise AssertionError(f"after {events[: n + 1]}: {exc}") from None
    assert not lab.store.open_records()
    assert lab.core.read() == lab.start, events


def _target(vlan: int, n: int) -> str:
    return f"10.10.{vlan}.{100 + n}"


def test_an_isolation_opened_before_a_hand_over_is_reconnected(tmp_path, monkeypatch) -> None:
    """The campaign's sequence reduced (seed 2, hospital lab: the segment OUTPATIENT): another
    isolation on the core is opened (here a port); host A creates the ACL, host B joins it; A
    is reconnected, its permit rule and teardown handed to B; the first one's reconnect was
    refused, '+ acl number 3999 / rule 4000 permit ip': A's hand-over was counted as gone
    although B holds it (and stayed refused after B was reconnected too)."""
    lab = Lab(str(tmp_path), monkeypatch)
    lab.isolate_port()
    lab.isolate_host(10, 1)  # A, the ACL's creator
    lab.isolate_host(50, 2)  # B
    lab.reconnect(_target(10, 1))
    lab.check()
    assert lab.reconnect(f"{CORE}:{PORT}")["verified"] == {CORE: True}
    lab.reconnect(_target(50, 2))
    assert lab.core.read() == lab.start


def test_an_heir_that_hands_on_is_counted_for_an_older_isolation(tmp_path, monkeypatch) -> None:
    """Hosts only: A creates the ACL, B and C join; A is reconnected (the ACL goes to C, the
    newest), then C (it goes on to B): B's reconnect was refused the same way."""
    lab = Lab(str(tmp_path), monkeypatch)
    lab.isolate_host(10, 1)  # A
    lab.isolate_host(50, 2)  # B
    lab.isolate_host(60, 3)  # C
    lab.reconnect(_target(10, 1))
    lab.reconnect(_target(60, 3))
    lab.check()
    assert lab.reconnect(_target(50, 2))["verified"] == {CORE: True}
    assert lab.core.read() == lab.start


def test_an_inherited_gateway_binding_is_handed_on(tmp_path, monkeypatch) -> None:
    """A and B in VLAN 10 (A binds Vlanif10 and creates the ACL), C in VLAN 50; A is
    reconnected (the ACL and Vlanif10's unbind go to C, the newest); C is reconnected while B
    still needs the binding: the unbind was handed on to B but the binding, inherited, not
    among C's commands, was counted as removed - the undo unproved ('+ interface Vlanif10 /
    traffic-filter inbound acl 3999'), C's rule gone and its record still open."""
    lab = Lab(str(tmp_path), monkeypatch)
    lab.isolate_host(10, 1)  # A
    lab.isolate_host(10, 2)  # B
    lab.isolate_host(50, 3)  # C
    lab.reconnect(_target(10, 1))
    assert lab.reconnect(_target(50, 3))["verified"] == {CORE: True}
    lab.check()
    lab.reconnect(_target(10, 2))
    assert lab.core.read() == lab.start


def _orders(n: int) -> list[list[tuple[str, int]]]:
    """Every history of ``n`` isolations, each opened once and reconnected once after."""
    found: list[list[tuple[str, int]]] = []

    def walk(done: list[tuple[str, int]], opened: set[int], closed: set[int]) -> None:
        if len(closed) == n:
            found.append(done)
            return
        for i in range(n):
            if i == len(opened):
                walk([*done, ("open", i)], opened | {i}, closed)
            elif i in opened and i not in closed:
                walk([*done, ("close", i)], opened, closed | {i})

    walk([], set(), set())
    return found


def _events(order: list[tuple[str, int]], kinds: tuple[Any, ...]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for action, i in order:
        kind = kinds[i]
        if action == "open":
            out.append(("port", None) if kind == "port" else ("host", (kind, i)))
        else:
            out.append(("close", f"{CORE}:{PORT}" if kind == "port" else _target(kind, i)))
    return out


def _canonical(kinds: tuple[Any, ...]) -> bool:
    """One of each pair that differs only by swapping VLANs 10 and 50."""
    vlans = [k for k in kinds if k != "port"]
    return len(vlans) >= 2 and vlans[0] == 10


THREE = [k for k in itertools.product((10, 50, "port"), repeat=3) if _canonical(k)]


@pytest.mark.parametrize("kinds", THREE, ids=lambda k: "-".join(map(str, k)))
def test_three_isolations_in_every_order(tmp_path, monkeypatch, kinds) -> None:
    for n, order in enumerate(_orders(3)):
        lab = Lab(str(tmp_path / str(n)), monkeypatch)
        _replay(lab, _events(order, kinds))


def test_four_host_isolations_in_every_order(tmp_path, monkeypatch) -> None:
    """Four hosts, two of them in one VLAN (so a gateway binding is shared too)."""
    kinds = (10, 50, 60, 50)
    for n, order in enumerate(_orders(4)):
        lab = Lab(str(tmp_path / str(n)), monkeypatch)
        _replay(lab, _events(order, kinds))


def test_long_random_histories_with_reisolations(tmp_path, monkeypatch) -> None:
    """Hosts blocked, reconnected and blocked again, a port on the core among them."""
    rng = random.Random(16)
    for n in range(20):
        lab = Lab(str(tmp_path / str(n)), monkeypatch)
        targets = [(rng.choice((10, 50, 60)), i) for i in range(5)]
        events: list[tuple[str, Any]] = []
        opened: set[Any] = set()
        for _ in range(16):
            closed = [t for t in targets + ["port"] if t not in opened]
            if opened and (not closed or rng.random() < 0.45):
                t = rng.choice(sorted(opened, key=str))
                opened.discard(t)
                events.append(("close", f"{CORE}:{PORT}" if t == "port" else _target(*t)))
            else:
                t = rng.choice(closed)
                opened.add(t)
                events.append(("port", None) if t == "port" else ("host", t))
        for t in sorted(opened, key=str):
            events.append(("close", f"{CORE}:{PORT}" if t == "port" else _target(*t)))
        _replay(lab, events)
