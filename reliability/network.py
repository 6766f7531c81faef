#!/usr/bin/env python3
"""Long-history campaign over the network workflows (issue 16, plans P4/P5).

    python reliability/network.py --seed 7 --cycles 30
    python reliability/network.py --seed 7 --cycles 30 --topology hospital

A lab of real switches (Huawei VRP, H3C Comware, Cisco IOS over SSH, driven by netmiko
through the collection's playbooks, run as an operator runs them) lives through a seeded
history: the VLAN plan deployed (its first deploy is the start every switch must come back
to), segments, hosts and ports isolated and reconnected, vendor windows opened and closed,
backups, a spare swapped in for a powered-off switch and the swap undone, and some of these
started two at a time as two engineers would (two ansible-playbook processes at once; a
refusal naming who holds the switch is an acceptable outcome, a half-applied change is not).

A cycle is three steps: something opened (an isolation, a window, a swap, or a concurrent
pair), something else, something closed. After every step (``check``):

* the open isolation records (what ``isolation_status.yml`` reports, and the holds of the
  hospital's deliberate state) and the switches agree: every switch holds its start plus
  the effect of each open isolation on it (the collection's own accounting,
  ``netops.reconnect.line_set``/``effect``, which adds overlapping isolations up), nothing
  more and nothing less - an isolation line without an open record, or an open record whose
  lines are missing, is a broken invariant; the only other difference allowed is an open
  vendor window's ACL, time range and VTY binding on its own switch;
* no switch lock is left held.

At the end, everything still open is closed (in the playbooks), then every switch's running
configuration equals its start byte for byte, no isolation is open, ``isolation_status.yml``
reports none and ``switch_compliance.yml -e fail_on_drift=true`` passes.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

from reliability._common import (  # noqa: E402
    REPO_ROOT,
    CampaignFailed,
    Figures,
    arguments,
    finish,
    importable,
    new_seed,
    run_campaign,
)

importable()

from ansible_collections.hisops.emergency.plugins.module_utils.netdev.backup import (  # noqa: E402
    mask_secrets,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops import (  # noqa: E402
    reconnect as netreconnect,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import (  # noqa: E402
    Store,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import (  # noqa: E402
    StateStore,
)

CAMPAIGN = "network"
# What boot() sets for the playbooks (the campaign's own stores) and close() restores: a
# test running the campaign in a pytest worker must not leave them to the next test.
ENV_KEYS = (
    "HISOPS_ISOLATION_DIR",
    "HISOPS_STATE_DIR",
    "HISOPS_VENDOR_ACCESS_DIR",
    "HISOPS_SWAP_DIR",
    "HISOPS_OPERATOR",
)
VENDOR_IP = "203.0.113.7"
FAILED, SPARE = "AGG-1", "SPARE-S5735"
CLEAN = {"cleanup_by": "it-oncall", "cleanup_scan": "clean"}
# What a run that did not go through may say and still be a correct outcome: another
# engineer holds the switch (named), or a guard refused before touching anything.
REFUSALS = (
    "held by",
    "open isolation",
    "already isolated",
    "is isolated",
    "isolated by",
    "vendor window",
    "spare swap",
    "is in no ARP table",  # a host whose segment another engineer cut off a moment before
    # ... or whose port (its MAC gone from the tables: "is in no MAC table"), the refusal
    # naming that isolation (seed 1, step 37: isolate port + isolate host, one host)
    "is cut off already by isolation",
    "protected endpoints would lose connectivity",
    "refused, no switch was touched",
)
VENDOR_LINE = re.compile(
    r"3998|time-range|TIME-RANGE|vendor|user-interface vty|line vty|acl|access-class|"
    + re.escape(VENDOR_IP),
    re.IGNORECASE,
)


def _playbooks() -> Any:
    # the integration tests' runner (imported by name: the tests are not type-checked)
    return importlib.import_module("tests.integration.playbooks")


def _fixtures() -> Any:
    return importlib.import_module("lab_fixtures")


@dataclass
class Outcome:
    name: str
    rc: int
    text: str
    refused: str = ""

    @property
    def ok(self) -> bool:
        return self.rc == 0


@dataclass
class Network:
    """A booted lab and the campaign's stores; ``step``/``check`` for run_campaign."""

    base: Path
    topology: str | None = None
    lab: Any = None
    inventory: Path = Path()
    platforms: dict[str, str] = field(default_factory=dict)
    switches: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    start: dict[str, str] = field(default_factory=dict)
    raw_start: dict[str, str] = field(default_factory=dict)
    start_lines: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    swapped: dict[str, str] = field(default_factory=dict)
    backed_up: bool = False
    deployed: bool = False
    cycle: int = 0
    runs: int = 0
    playbook_seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    reset: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    # -- the lab ---------------------------------------------------------------------------
    def boot(self) -> None:
        fixtures = _fixtures()
        topology = self.topology
        if topology and "/" not in topology and not topology.endswith(".yml"):
            small = REPO_ROOT / "tests" / "lab" / "topologies" / f"{topology}.yml"
            topology = str(small) if small.exists() else topology
        self.lab = fixtures.start_lab(self.base / "lab", topology)
        status = self.lab.status()
        self.inventory = Path(status["inventory"])
        for entry in status["devices"]:
            self.platforms[entry["name"]] = entry["platform"]
            if entry["role"] != "spare":
                self.switches.append(entry["name"])
        spec = _yaml_load(Path(status["topology"]))
        self.segments = [v["name"] for v in spec.get("vlans", []) if v["id"] not in (99, 100)]
        for e in self.lab.endpoints():
            if e.get("kind", "workstation") == "server" or not e.get("switch"):
                continue
            self.hosts.append(e["ip"])
            self.ports.append(f"{e['switch']}:{e['port']}")
        for name in ("isolations", "state", "vendor", "swaps", "backups", "runs"):
            (self.base / name).mkdir(parents=True, exist_ok=True)
        # the playbooks find the campaign's stores through these; close() puts them back
        self._saved_env = {k: os.environ.get(k) for k in ENV_KEYS}
        os.environ.update(
            HISOPS_ISOLATION_DIR=str(self.base / "isolations"),
            HISOPS_STATE_DIR=str(self.base / "state"),
            HISOPS_VENDOR_ACCESS_DIR=str(self.base / "vendor"),
            HISOPS_SWAP_DIR=str(self.base / "swaps"),
            HISOPS_OPERATOR="campaign",
        )

    def close(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}
        if self.lab is not None:
            shutil.rmtree(self.inventory.parent / "host_vars", ignore_errors=True)
            _fixtures().stop_lab(self.lab)
            self.lab = None

    def config(self, name: str) -> str:
        return str(self.lab.config(self.swapped.get(name, name)))

    def names(self) -> list[str]:
        """The switches by inventory name; the spare while it is on the shelf."""
        return [*self.switches, *([] if SPARE in self.swapped.values() else [SPARE])]

    def configs(self, masked: bool = True) -> dict[str, str]:
        """Running configurations by inventory name; ``masked``: secrets masked (the lab
        hashes a password anew when a switch is reset to its startup configuration)."""
        found = {name: self.config(name) for name in self.names()}
        return {n: mask_secrets(t) for n, t in found.items()} if masked else found

    # -- playbooks -------------------------------------------------------------------------
    def play(self, playbook: str, extravars: dict[str, Any] | None = None, **kw: Any) -> Outcome:
        self.runs += 1
        workdir = self.base / "runs" / f"{self.runs:04d}-{playbook}"
        workdir.mkdir(parents=True)
        (workdir / "backups").symlink_to(self.base / "backups")  # one backup store for all
        started = time.monotonic()
        run = _playbooks().run_playbook(playbook, self.inventory, workdir, extravars, **kw)
        self.playbook_seconds += time.monotonic() - started
        self.counts[f"playbook:{playbook}"] += 1
        text = run.stdout
        refused = ""
        if run.rc != 0:
            for line in text.splitlines():
                if any(marker in line for marker in REFUSALS) and "TASK [" not in line:
                    refused = line.strip()[:400]
                    break
        return Outcome(playbook, run.rc, text, refused)

    def open_isolations(self) -> list[dict[str, Any]]:
        """By target (ids carry the time: a seed must choose among the same order)."""
        records = Store(str(self.base / "isolations")).open_records()
        return sorted(records, key=lambda r: str(r.get("key", "")))

    def open_windows(self) -> list[dict[str, Any]]:
        found = []
        for path in sorted((self.base / "vendor").glob("va-*.json")):
            record = json.loads(path.read_text())
            if record.get("state") == "open":
                found.append(record)
        return sorted(found, key=lambda r: str(r.get("key", "")))

    # -- the actions -----------------------------------------------------------------------
    def deploy(self, operator: str = "campaign") -> Outcome:
        return self.play("switch_deploy", {"switch_deploy_operator": operator})

    def backup(self, operator: str = "campaign") -> Outcome:
        out = self.play("switch_backup")
        if out.ok:
            self.backed_up = True
        return out

    def isolate(self, kind: str, target: str, operator: str = "campaign") -> Outcome:
        return self.play(
            "isolate",
            {kind: target, "reason": f"campaign {kind} {target}", "isolate_operator": operator},
        )

    def reconnect(self, isolation_id: str, operator: str = "campaign") -> Outcome:
        return self.play(
            "reconnect", {"isolation_id": isolation_id, "reconnect_operator": operator, **CLEAN}
        )

    def vendor_open(self, device: str, operator: str = "campaign") -> Outcome:
        return self.play(
            "vendor_access",
            {
                "device": device,
                "vendor_ip": VENDOR_IP,
                "minutes": 60,
                "approved_by": "head of IT",
                "reason": "campaign support call",
                "vendor_access_operator": operator,
            },
        )

    def vendor_close(self, device: str, operator: str = "campaign") -> Outcome:
        return self.play(
            "vendor_access_close",
            {"device": device, "vendor_ip": VENDOR_IP, "vendor_access_close_operator": operator},
        )

    def swap(self) -> list[Outcome]:
        """AGG-1 dies; the spare comes up from its last backup and takes its cables."""
        outs: list[Outcome] = []
        for window in self.open_windows():
            if window["device"] == FAILED:  # the vendor's call ends before the unit is swapped
                outs.append(self.vendor_close(FAILED))
        if not self.backed_up:
            outs.append(self.backup())
        self.lab.fault(FAILED, "power-off")
        out = self.play("spare_swap", {"failed": FAILED, "spare": SPARE})
        outs.append(out)
        if not out.ok:
            self.lab.clear(FAILED)
            return outs
        self.lab.recable(FAILED, SPARE)
        self.swapped[FAILED] = SPARE
        # The spare runs the failed unit's backup: its start is what it runs now, less the
        # isolations the swap carried onto it (their records now describe the spare).
        lines = netreconnect.line_set(mask_secrets(self.config(FAILED)), self.platforms[SPARE])
        for record in self.open_isolations():
            if FAILED in record.get("devices", {}):
                lines.subtract(netreconnect.effect(record["devices"][FAILED]))
        self.start_lines[FAILED] = Counter({k: v for k, v in lines.items() if v})
        return outs

    def unswap(self) -> list[Outcome]:
        """The repaired unit back in place of the spare, the spare back on the shelf (what
        test_spare_swap's teardown does, then the plan deployed on the repaired unit)."""
        outs: list[Outcome] = []
        for record in self.open_isolations():
            if FAILED in record.get("devices", {}):
                outs.append(self.reconnect(record["id"]))
        for window in self.open_windows():
            if window["device"] == FAILED:
                outs.append(self.vendor_close(FAILED))
        if not all(o.ok for o in outs):  # the unit stays swapped until its holds are closed
            return outs
        self.reset.update((FAILED, SPARE))
        shutil.rmtree(self.inventory.parent / "host_vars", ignore_errors=True)
        (self.base / "swaps" / f"{FAILED}.json").unlink(missing_ok=True)
        StateStore(str(self.base / "state")).close(f"swap-{FAILED}", "campaign")
        self.lab.recable(SPARE, FAILED)
        self.lab.reset(FAILED)
        self.lab.reset(SPARE)
        del self.swapped[FAILED]
        self.start_lines.pop(FAILED, None)
        if self.deployed:
            outs.append(self.play("switch_deploy", {"deploy_hosts": FAILED}))
        return outs

    # -- the history -----------------------------------------------------------------------
    def step(self, index: int, rng: random.Random) -> dict[str, Any]:
        if index == 0:
            out = self.deploy()
            if not out.ok:
                raise RuntimeError(f"the first deploy failed:\n{out.text[-3000:]}")
            self.deployed = True
            self.raw_start = self.configs(masked=False)
            self.start = {n: mask_secrets(t) for n, t in self.raw_start.items()}
            return {"action": "deploy_first", "outcome": "ok"}
        phase = index % 3  # 1 opens, 2 anything, 0 closes
        self.cycle = (index - 1) // 3 + 1
        choice = self._choose(rng, phase)
        return self._do(choice, rng)

    def _choose(self, rng: random.Random, phase: int) -> str:
        isolations, windows = self.open_isolations(), self.open_windows()
        weights: dict[str, float] = {}
        if phase == 1:
            weights = {
                "isolate_segment": 2,
                "isolate_host": 2,
                "isolate_port": 2,
                "vendor_open": 1.5,
                "pair": 3,
                "swap": 1 if not self.swapped else 0,
            }
        elif phase == 2:
            weights = {
                "isolate_host": 1,
                "isolate_port": 1,
                "backup": 1.5,
                "deploy": 1.5,
                "vendor_open": 1,
                "pair": 2,
                "reconnect": 1.5 if isolations else 0,
                "status": 0.5,
            }
        else:
            weights = {
                "reconnect": 4 if isolations else 0,
                "reconnect_all": 1 if len(isolations) > 1 else 0,
                "vendor_close": 3 if windows else 0,
                "unswap": 4 if self.swapped else 0,
                "backup": 0.5,
                "deploy": 0.5,
            }
        names = sorted(k for k, w in weights.items() if w > 0)
        return rng.choices(names, [weights[n] for n in names])[0]

    def _target(self, rng: random.Random, kind: str) -> str:
        pool = {"segment": self.segments, "host": self.hosts, "port": self.ports}[kind]
        return rng.choice(sorted(pool))

    def _do(self, choice: str, rng: random.Random) -> dict[str, Any]:
        done: dict[str, Any] = {"action": choice, "cycle": self.cycle}
        outs: list[Outcome] = []
        if choice.startswith("isolate_"):
            kind = choice.split("_", 1)[1]
            done["target"] = self._target(rng, kind)
            outs.append(self.isolate(kind, done["target"]))
        elif choice == "reconnect":
            record = rng.choice(self.open_isolations())
            done["target"] = record["target"]
            outs.append(self.reconnect(record["id"]))
        elif choice == "reconnect_all":
            for record in self.open_isolations():
                outs.append(self.reconnect(record["id"]))
        elif choice == "vendor_open":
            done["device"] = rng.choice(sorted(self.switches))
            outs.append(self.vendor_open(done["device"]))
        elif choice == "vendor_close":
            done["device"] = rng.choice(self.open_windows())["device"]
            outs.append(self.vendor_close(done["device"]))
        elif choice == "backup":
            outs.append(self.backup())
        elif choice == "deploy":
            outs.append(self.deploy())
        elif choice == "status":
            outs.append(self.play("isolation_status"))
        elif choice == "swap":
            outs.extend(self.swap())
            done["swapped"] = bool(self.swapped)
        elif choice == "unswap":
            outs.extend(self.unswap())
        elif choice == "pair":
            outs.extend(self._pair(rng, done))
        done["runs"] = [self._judge(out, concurrent=choice == "pair") for out in outs]
        done["outcome"] = ",".join(r["outcome"] for r in done["runs"])
        return done

    def _pair(self, rng: random.Random, done: dict[str, Any]) -> list[Outcome]:
        """Two engineers at once: two playbooks started together, on overlapping switches."""
        isolations = self.open_isolations()
        menu = ["isolate+isolate", "isolate+deploy", "isolate+vendor", "deploy+backup"]
        menu += ["vendor+deploy", "isolate+backup"]
        if isolations:
            menu += ["reconnect+isolate", "reconnect+deploy"]
        kind = rng.choice(menu)
        done["pair"] = kind
        plan: list[tuple[str, Any]] = []
        for side, operator in zip(kind.split("+"), ("alice", "bob"), strict=True):
            if side == "isolate":
                what = rng.choice(["segment", "host", "port"])
                target = self._target(rng, what)
                done.setdefault("targets", []).append(f"{what} {target}")
                plan.append((operator, lambda w=what, t=target, o=operator: self.isolate(w, t, o)))
            elif side == "deploy":
                plan.append((operator, lambda o=operator: self.deploy(o)))
            elif side == "backup":
                plan.append((operator, lambda o=operator: self.backup(o)))
            elif side == "vendor":
                device = rng.choice(sorted(self.switches))
                done["device"] = device
                plan.append((operator, lambda d=device, o=operator: self.vendor_open(d, o)))
            elif side == "reconnect":
                record = rng.choice(isolations)
                done.setdefault("targets", []).append(f"reconnect {record['target']}")
                plan.append((operator, lambda i=record["id"], o=operator: self.reconnect(i, o)))
        results: dict[str, Outcome] = {}
        errors: list[BaseException] = []

        def run(operator: str, action: Any) -> None:
            try:
                results[operator] = action()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=run, args=p) for p in plan]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(900)
        if errors:
            raise errors[0]
        self.pairs.append({"pair": kind, **{o: results[o].rc for o in results}})
        self.counts["concurrent_pairs"] += 1
        return [results[o] for o, _ in plan]

    def _judge(self, out: Outcome, concurrent: bool) -> dict[str, Any]:
        if out.ok:
            outcome = "ok"
        elif out.refused:
            outcome = "refused"
            self.counts["refusals"] += 1
            if concurrent:
                self.counts["refusals_concurrent"] += 1
        else:
            outcome = "failed"
            self.counts["failed_runs"] += 1
        entry = {"playbook": out.name, "rc": out.rc, "outcome": outcome}
        if out.refused:
            entry["said"] = out.refused
        if outcome == "failed":
            tail = [ln for ln in out.text.splitlines() if "FAILED" in ln or "msg" in ln]
            entry["said"] = "\n".join(tail[-6:])[-2000:] or out.text[-2000:]
            self.failures.append(f"{out.name} failed (rc {out.rc}), not a refusal: {entry['said']}")
        return entry

    # -- the invariants --------------------------------------------------------------------
    def check(self, index: int) -> list[str]:
        failed, self.failures = self.failures, []
        if not self.start:  # before the first deploy: nothing to compare with yet
            return failed
        return failed + check_state(
            self.configs(),
            {**self.start, **self.start_lines},
            {n: self.platforms[self.swapped.get(n, n)] for n in self.names()},
            self.open_isolations(),
            self.open_windows(),
            StateStore(str(self.base / "state")),
        )

    def settle(self) -> list[Outcome]:
        """Everything still open closed, as the engineers would at the end of the history."""
        outs: list[Outcome] = []
        for record in self.open_isolations():
            outs.append(self.reconnect(record["id"]))
        for window in self.open_windows():
            outs.append(self.vendor_close(window["device"]))
        if self.swapped:
            outs.extend(self.unswap())
        return outs

    def final(self, status_playbook: bool = True) -> list[str]:
        """The end: byte-for-byte starts, no isolation open (by the records, and by
        isolation_status.yml unless ``status_playbook`` is false), compliance clean."""
        problems = []
        raw, masked = self.configs(masked=False), self.configs()
        for name in sorted(raw):
            # byte for byte; a unit reset to its startup (the swap undone) has a new password
            # hash, the only difference then allowed
            now, start = (masked, self.start) if name in self.reset else (raw, self.raw_start)
            if now[name] != start[name]:
                diff = _changed(start[name], now[name])
                problems.append(f"{name}: running configuration differs from its start: {diff}")
        if self.open_isolations():
            problems.append(f"isolations left open: {[r['id'] for r in self.open_isolations()]}")
        if status_playbook:
            status = self.play("isolation_status")
            reports = self.base / "runs" / f"{self.runs:04d}-isolation_status" / "reports"
            report = json.loads((reports / "isolation_status.json").read_text())
            if status.rc != 0 or report:
                problems.append(f"isolation_status: rc {status.rc}, reports {report}")
        compliance = self.play("switch_compliance", {"fail_on_drift": True})
        if compliance.rc != 0:
            tail = [ln for ln in compliance.text.splitlines() if "drift" in ln.lower()]
            problems.append("switch_compliance fail_on_drift failed: " + "\n".join(tail[-8:]))
        return problems


def check_state(
    configs: dict[str, str],
    start: dict[str, str | Counter[tuple[str, str]]],
    platforms: dict[str, str],
    isolations: list[dict[str, Any]],
    windows: list[dict[str, Any]],
    state: StateStore | None = None,
) -> list[str]:
    """The broken invariants between the switches' configurations now and the records.

    Every switch must hold its start plus the effect of each open isolation on it (the
    reconnect's own line accounting, in which overlapping isolations add up): a line more
    is an isolation line (or other change) without an open record, a line less an open
    record whose lines are missing (or a change nobody recorded). An open vendor window
    on a switch explains its ACL, time range and VTY lines there."""
    problems: list[str] = []
    window_on = {w["device"] for w in windows}
    for name, config in sorted(configs.items()):
        platform = platforms[name]
        begin = start[name]
        expected = (
            Counter(begin) if isinstance(begin, Counter) else netreconnect.line_set(begin, platform)
        )
        owners: list[str] = []
        for record in isolations:
            device = record.get("devices", {}).get(name)
            if device is None:
                continue
            expected.update(netreconnect.effect(device))
            owners.append(record["id"])
        now = netreconnect.line_set(config, platform)
        more = now - expected
        less = expected - now
        if name in window_on:
            more = Counter({k: v for k, v in more.items() if not VENDOR_LINE.search(" ".join(k))})
            less = Counter({k: v for k, v in less.items() if not VENDOR_LINE.search(" ".join(k))})
        for (section, line), _n in sorted(more.items()):
            problems.append(
                f"{name}: '{section}{' / ' + line if line else ''}' is on the switch, "
                f"no open record explains it (open here: {owners or 'none'})"
            )
        for (section, line), _n in sorted(less.items()):
            problems.append(
                f"{name}: '{section}{' / ' + line if line else ''}' is missing from the switch "
                f"(expected by its start and the open records {owners or 'none'})"
            )
    for window in windows:
        config = configs.get(window["device"], "")
        if VENDOR_IP not in config and window.get("vendor_ip", VENDOR_IP) not in config:
            problems.append(
                f"{window['device']}: vendor window {window['id']} is open, "
                f"its address {window.get('vendor_ip')} is not on the switch"
            )
    if state is not None:
        held = state.locks.held()
        if held:
            problems.append(f"locks left held after the step: {sorted(held)}")
        holds = {h.id for h in state.active(kind="isolation")}
        records = {r["id"] for r in isolations}
        if holds != records:
            problems.append(
                f"the deliberate state's open isolations {sorted(holds)} are not the open "
                f"records {sorted(records)}"
            )
    return problems


def _changed(before: str, after: str) -> list[str]:
    import difflib

    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and line[1:2] not in "+-"
    ][:20]


def _yaml_load(path: Path) -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load(path.read_text()) or {})


def campaign(
    seed: int,
    cycles: int,
    topology: str | None = "small",
    workdir: Path | None = None,
    verbose: bool = False,
) -> Figures:
    """``cycles`` cycles of three steps after the first deploy, then the settling and the
    end checks; raises CampaignFailed with the seed on the first broken invariant."""
    own = workdir is None
    base = Path(tempfile.mkdtemp(prefix="hisops-network-")) if workdir is None else workdir
    net = Network(base, topology)
    figures = Figures(CAMPAIGN, seed)
    started = time.monotonic()
    try:
        net.boot()
        run_campaign(CAMPAIGN, seed, 1 + 3 * cycles, net.step, net.check, figures, verbose)
        steps = figures.steps
        settled = net.settle()
        bad = [o for o in settled if not o.ok]
        problems = [f"settling: {o.name} rc {o.rc}: {o.text[-1500:]}" for o in bad]
        problems += net.check(steps)
        figures.checks += 1
        problems += net.final()
        if problems:
            raise CampaignFailed(CAMPAIGN, seed, steps, "the end", problems)
        figures.seconds = time.monotonic() - started
        figures.counts.update(net.counts)
        figures.extra.update(
            cycles=net.cycle,
            playbook_runs=net.runs,
            playbook_seconds=round(net.playbook_seconds, 1),
            concurrent_pairs=len(net.pairs),
            pairs=net.pairs,
            topology=topology or "hospital",
            switches=[*net.switches, SPARE],
        )
        return figures
    finally:
        net.close()
        if own:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else CAMPAIGN, steps=0)
    parser.add_argument("--cycles", type=int, default=30, help="cycles (default %(default)s)")
    parser.add_argument(
        "--workdir", type=Path, help="keep the stores, records and run records here"
    )
    parser.add_argument(
        "--topology", default="small", help="tests/lab/topologies/NAME.yml, a path, or hospital"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else new_seed()
    topology = None if args.topology == "hospital" else args.topology
    print(f"network campaign: seed {seed}, {args.cycles} cycles on {args.topology}", flush=True)
    try:
        figures = campaign(seed, args.cycles, topology, args.workdir, verbose=args.verbose)
    except CampaignFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception:
        print(f"network campaign: seed {seed}", file=sys.stderr)
        raise
    finish(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
