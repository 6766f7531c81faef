"""What the daily inspection reads on the lab's hosts (issue 20): a ClamAV stand-in on
the workstations, their USB-storage and egress settings, the medical-insurance gateway
and a UPS behind Network UPS Tools.

* Antivirus: no daemon, no freshclam (no internet): the files ClamAV leaves on disk, in
  its formats. ``/var/lib/clamav/daily.cvd`` (a 512-byte ``ClamAV-VDB:`` header, as
  ``sigtool --info`` reads it, then the gzip'd tar of the database) and the scheduled
  scan's log ``/var/log/clamav/clamscan-daily.log`` (what ``clamscan -r --log=FILE``
  appends per run: a line of 79 dashes, the ``FOUND`` lines, the ``SCAN SUMMARY``).
  A workstation boots with signatures built an hour before and a clean scan from the
  night; faults make them old, the last scan failed (no summary) or infected.
* USB storage and egress: what ``workstation_harden`` writes (``modprobe.d`` file,
  nftables table scoped to the host's cgroup: the lab's hosts share one kernel); the
  faults ``usb_unblocked``/``internet_route`` take them away, clearing puts them back.
* Insurance gateway: ``hisops/lab/insurance_gateway.py`` (stdlib HTTP server) started
  inside a host on its own address; faults make it slow, answer 500, or stop it.
* UPS: Debian's ``nut-server`` inside a host: the ``dummy-ups`` driver reading a .dev
  file and ``upsd`` on the host's address; faults put it on battery, on low battery, or
  make its last self-test failed (the driver re-reads the file when it changes).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import secrets
import shlex
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hisops.lab.hosts.errors import HostLabError, HostSpecError
from hisops.lab.hosts.probes import tcp_open, wait_for

if TYPE_CHECKING:
    from hisops.lab.hosts.core import FleetCore

CLAMAV_DIR = "/var/lib/clamav"
SCAN_LOG = "/var/log/clamav/clamscan-daily.log"
MODPROBE_FILE = "/etc/modprobe.d/hisops-usb-storage.conf"
GATEWAY_SCRIPT = Path(__file__).resolve().parents[1] / "insurance_gateway.py"
GATEWAY_STATE = "/run/hisops-insurance/state.json"
GATEWAY_PORT = 8090
GATEWAY_PATH = "/fsi/api/rsfComIfsService/callService"
UPS_NAME = "ups"
UPS_PORT = 3493
UPS_DEV = "/etc/nut/lab-ups.dev"
UPS_USER = "hisops"
UPS_OUTCOME = "/etc/nut/lab-ups.outcome"  # what the next self-test ends with
SELFTEST_SCRIPT = Path(__file__).resolve().parents[1] / "nut_selftest.py"
# where a host runs those two scripts from: a copy on its own disk (the checkout may be
# where the host cannot see it, e.g. under /tmp, which is private to every host)
HOST_LIB = "/usr/local/lib/hisops-lab"

log = logging.getLogger(__name__)

# the collection's module_utils (hardening's rendering, NUT's client): the lab daemon does
# not run under pytest or Ansible, which put the collection on the path
COLLECTIONS = Path(__file__).resolve().parents[3] / "collections"

WORKSTATION_FAULTS = (
    "av_signatures_old",
    "av_scan_failed",
    "av_scan_infected",
    "usb_unblocked",
    "internet_route",
)
SERVICE_FAULTS = (
    "insurance_slow",
    "insurance_error",
    "insurance_down",
    "ups_on_battery",
    "ups_low_battery",
    "ups_test_failed",
)
FAULTS = WORKSTATION_FAULTS + SERVICE_FAULTS


# ---------------------------------------------------------------------------- antivirus
def cvd_bytes(built: datetime, version: int, signatures: int = 2071839) -> bytes:
    """A daily.cvd: the header ``sigtool`` reads and a gzip'd tar with ``daily.info``."""
    built = built.astimezone(UTC)
    stamp = built.strftime("%d %b %Y %H-%M +0000")
    header = (
        f"ClamAV-VDB:{stamp}:{version}:{signatures}:90:"
        f"{'0' * 32}:hisops-lab-unsigned:hisops-lab:{int(built.timestamp())}"
    )
    info = (
        f"ClamAV-VDB:{stamp}:{version}:{signatures}:90:X:X:hisops-lab:{int(built.timestamp())}\n"
    ).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        item = tarfile.TarInfo("daily.info")
        item.size, item.mtime = len(info), int(built.timestamp())
        tar.addfile(item, io.BytesIO(info))
    return header.encode().ljust(512, b" ") + gzip.compress(raw.getvalue(), mtime=0)


def scan_run_text(start: datetime, result: str, files: int = 1843) -> str:
    """One ``clamscan -r -i --log=FILE /home /opt/his-client`` run as it lands in FILE:
    ``clean``, ``infected`` (one EICAR hit) or ``failed`` (killed mid-run: no summary)."""
    lines = ["", "-" * 79, ""]
    if result == "failed":
        lines.append("/home/his/Downloads/archive.zip: Can't allocate memory ERROR")
        return "\n".join(lines) + "\n"
    infected = 0
    if result == "infected":
        lines.append("/home/his/Downloads/invoice.pdf.exe: Win.Test.EICAR_HDB-1 FOUND")
        infected = 1
    end = start + timedelta(seconds=97)
    lines += [
        "",
        "----------- SCAN SUMMARY -----------",
        "Known viruses: 8698375",
        "Engine version: 1.0.9",
        "Scanned directories: 212",
        f"Scanned files: {files}",
        f"Infected files: {infected}",
        "Data scanned: 412.37 MB",
        "Data read: 388.05 MB (ratio 1.06:1)",
        "Time: 97.114 sec (1 m 37 s)",
        f"Start Date: {start:%Y:%m:%d %H:%M:%S}",
        f"End Date:   {end:%Y:%m:%d %H:%M:%S}",
    ]
    return "\n".join(lines) + "\n"


def _collection_path() -> None:
    if str(COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS))


def _write(
    fleet: FleetCore,
    name: str,
    path: str,
    data: bytes | str,
    append: bool = False,
    mode: int = 0o644,
) -> None:
    target = fleet.path(name, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    with open(target, "ab" if append else "wb") as handle:
        handle.write(raw)
    os.chmod(target, mode)


def _install(fleet: FleetCore, name: str, script: Path) -> str:
    """``script`` copied onto the host's own disk; its path there."""
    path = f"{HOST_LIB}/{script.name}"
    _write(fleet, name, path, script.read_bytes(), mode=0o755)
    return path


def set_signatures(fleet: FleetCore, name: str, age_hours: float) -> dict[str, Any]:
    built = datetime.now(UTC) - timedelta(hours=age_hours)
    version = 27400 + int((built.timestamp() - 1.7e9) // 86400)
    _write(fleet, name, f"{CLAMAV_DIR}/daily.cvd", cvd_bytes(built, version))
    return {"built": built.isoformat(timespec="seconds"), "version": version}


def add_scan(fleet: FleetCore, name: str, result: str, hours_ago: float = 6) -> dict[str, Any]:
    if result not in ("clean", "infected", "failed"):
        raise HostSpecError(f"scan result {result!r}: clean, infected or failed")
    start = datetime.now().replace(microsecond=0) - timedelta(hours=hours_ago)
    _write(fleet, name, SCAN_LOG, scan_run_text(start, result), append=True)
    return {"scan": result, "start": start.isoformat()}


def antivirus_on_boot(fleet: FleetCore, name: str) -> None:
    """A workstation's ClamAV files, when it has none yet: fresh and clean."""
    if not fleet.path(name, f"{CLAMAV_DIR}/daily.cvd").exists():
        set_signatures(fleet, name, 1)
    if not fleet.path(name, SCAN_LOG).exists():
        add_scan(fleet, name, "clean")


# ---------------------------------------------------------------------------- hardening
def egress_table(fleet: FleetCore, name: str) -> tuple[str, str]:
    """(table, listing) of the host's egress block, as ``workstation_harden`` makes it
    with ``egress_scope: cgroup``."""
    _collection_path()
    from ansible_collections.hisops.emergency.plugins.module_utils.workstation import (  # noqa: PLC0415
        hardening,
    )

    prefix = fleet.net.cgroup_nft_prefix
    if not prefix:
        raise HostLabError("the host cgroups are not under /sys/fs/cgroup: no egress scope")
    path = f"{prefix}/{name}"
    scope = hardening.scope_from_path(path, 2)
    return scope.table, hardening.render_table(scope, hardening.HOSPITAL_NETWORKS)


def set_hardened(
    fleet: FleetCore, name: str, usb: bool | None = None, egress: bool | None = None
) -> None:
    if usb is not None:
        target = fleet.path(name, MODPROBE_FILE)
        if usb:
            _collection_path()
            from ansible_collections.hisops.emergency.plugins.module_utils.workstation import (  # noqa: PLC0415
                hardening,
            )

            _write(fleet, name, MODPROBE_FILE, hardening.MODPROBE_CONTENT)
        elif target.exists():
            target.unlink()
    if egress is not None:
        table, listing = egress_table(fleet, name)
        script = f"table inet {table}\ndelete table inet {table}\n"
        if egress:
            script += listing
        _nft(script)


def _nft(script: str) -> None:
    done = subprocess.run(
        ["nft", "-f", "-"], input=script, capture_output=True, text=True, check=False, timeout=30
    )
    if done.returncode != 0:
        raise HostLabError(f"nft -f: {done.stderr.strip()}")


def remove_egress_tables(fleet_id: str) -> None:
    """Every egress table of the fleet's hosts (``down``: nothing left behind)."""
    done = subprocess.run(
        ["nft", "list", "tables", "inet"], capture_output=True, text=True, check=False, timeout=30
    )
    prefix = f"hisops_egress_hisops_{fleet_id}_"
    doomed = [
        line.split()[-1]
        for line in done.stdout.splitlines()
        if line.split() and line.split()[-1].startswith(prefix)
    ]
    if doomed:
        _nft("".join(f"delete table inet {t}\n" for t in doomed))


# ---------------------------------------------------------------------------- insurance
def gateway_url(fleet: FleetCore, name: str, port: int = GATEWAY_PORT) -> str:
    return f"http://{fleet.spec(name).address}:{port}{GATEWAY_PATH}"


def set_gateway(fleet: FleetCore, name: str, mode: str = "ok", delay_ms: int = 0) -> None:
    if mode not in ("ok", "error"):
        raise HostSpecError(f"gateway mode {mode!r}: ok or error")
    _write(fleet, name, GATEWAY_STATE, json.dumps({"mode": mode, "delay_ms": int(delay_ms)}))


def start_gateway(fleet: FleetCore, name: str, port: int = GATEWAY_PORT) -> str:
    """Start the gateway inside the host (if it is not running); returns its URL."""
    address = fleet.spec(name).address
    if not fleet.path(name, GATEWAY_STATE).exists():
        set_gateway(fleet, name)
    if not tcp_open(address, port, 0.2):
        argv = [
            "/usr/bin/python3",
            _install(fleet, name, GATEWAY_SCRIPT),
            "--bind",
            address,
            "--port",
            str(port),
            "--state",
            GATEWAY_STATE,
        ]
        fleet.run(
            name,
            [
                "/bin/sh",
                "-c",
                f"setsid {shlex.join(argv)} >>/run/hisops-insurance/gateway.log 2>&1 </dev/null &",
            ],
            label="starting the insurance gateway",
        )
        wait_for(lambda: tcp_open(address, port, 0.2), 15, f"the insurance gateway on {name}")
    url = gateway_url(fleet, name, port)
    (fleet.host_dir(name) / "insurance.json").write_text(json.dumps({"url": url}))
    return url


def inventory_vars(fleet: FleetCore) -> dict[str, Any]:
    """``hisops_ups`` and ``hisops_insurance_url`` for the UPS and gateway the lab runs
    (for the inventory's ``all`` vars: the inspection reads them on localhost)."""
    out: dict[str, Any] = {}
    for spec in fleet.specs.values():
        ups = fleet.host_dir(spec.name) / "ups.json"
        if ups.exists():
            info = json.loads(ups.read_text())
            out.setdefault("hisops_ups", []).append(
                {
                    "host": info["host"],
                    "port": info["port"],
                    "ups": info["ups"],
                    "credentials_file": str(ups),
                }
            )
        gateway = fleet.host_dir(spec.name) / "insurance.json"
        if gateway.exists():
            out["hisops_insurance_url"] = json.loads(gateway.read_text())["url"]
    return out


def stop_gateway(fleet: FleetCore, name: str) -> None:
    # "[i]" so that the pattern does not match this shell's own command line
    pattern = f"{HOST_LIB}/[i]nsurance_gateway.py"
    fleet.run(
        name,
        ["/bin/sh", "-c", f"pkill -f {shlex.quote(pattern)} || true"],
        label="stopping the insurance gateway",
    )


# ---------------------------------------------------------------------------- UPS (NUT)
UPS_STATES = {
    "online": {"ups.status": "OL", "battery.charge": "100", "battery.runtime": "2400"},
    "on_battery": {"ups.status": "OB DISCHRG", "battery.charge": "86", "battery.runtime": "1500"},
    "low_battery": {"ups.status": "OB DISCHRG LB", "battery.charge": "9", "battery.runtime": "150"},
}


def ups_dev(state: str, test_result: str = "Done and passed") -> str:
    values = {
        "device.mfr": "Eaton",
        "device.model": "9PX 6000",
        "ups.mfr": "Eaton",
        "ups.model": "9PX 6000",
        "ups.serial": "GA12345678",
        "ups.firmware": "02.14.0026",
        "input.voltage": "0.0" if state != "online" else "229.8",
        "output.voltage": "230.1",
        "ups.load": "37",
        "battery.charge.low": "10",
        "battery.runtime.low": "180",
        "ups.test.result": test_result,
        **UPS_STATES[state],
    }
    return "".join(f"{k}: {v}\n" for k, v in values.items())


def ups_info(fleet: FleetCore, name: str) -> dict[str, Any]:
    """Where the UPS answers and the upsd user allowed to start its battery test."""
    path = fleet.host_dir(name) / "ups.json"
    if not path.exists():
        raise HostLabError(f"{name} runs no UPS: start_ups({name!r}) first")
    return dict(json.loads(path.read_text()))


def set_ups(
    fleet: FleetCore, name: str, state: str | None = None, test_result: str | None = None
) -> None:
    info = ups_info(fleet, name)
    if state is not None:
        if state not in UPS_STATES:
            raise HostSpecError(f"UPS state {state!r}: {', '.join(UPS_STATES)}")
        info["state"] = state
    if test_result is not None:
        info["test_result"] = test_result
        # the battery that failed its last test fails the next one too, until replaced
        info["test_outcome"] = test_result
        _write(fleet, name, UPS_OUTCOME, test_result + "\n")
    dev = fleet.path(name, UPS_DEV)
    before = int(dev.stat().st_mtime) if dev.exists() else 0
    _write(fleet, name, UPS_DEV, ups_dev(info["state"], info["test_result"]))
    if int(dev.stat().st_mtime) <= before:
        # dummy-ups re-reads the file when its mtime (whole seconds) changed: two states
        # within one second would leave the second unseen
        os.utime(dev, (before + 1, before + 1))
    (fleet.host_dir(name) / "ups.json").write_text(json.dumps(info))
    os.chmod(fleet.host_dir(name) / "ups.json", 0o600)


def start_ups(fleet: FleetCore, name: str, port: int = UPS_PORT) -> dict[str, Any]:
    """NUT inside the host: dummy-ups on UPS_DEV, upsd on the host's address."""
    address = fleet.spec(name).address
    info_path = fleet.host_dir(name) / "ups.json"
    info = (
        json.loads(info_path.read_text())
        if info_path.exists()
        else {
            "host": address,
            "port": port,
            "ups": UPS_NAME,
            "user": UPS_USER,
            "password": secrets.token_urlsafe(12),
            "state": "online",
            "test_result": "Done and passed",
        }
    )
    info_path.write_text(json.dumps(info))
    os.chmod(info_path, 0o600)
    files = {
        "/etc/nut/nut.conf": "MODE=netserver\n",
        # the UPS as dummy-ups reads it from the .dev file, and the UPS upsd serves: the
        # lab's self-test relay in front of dummy-ups (hisops/lab/nut_selftest.py)
        "/etc/nut/ups.conf": (
            f"[{UPS_NAME}-hw]\n  driver = dummy-ups\n  port = {UPS_DEV}\n"
            '  mode = dummy-once\n  desc = "the lab UPS as its driver reads it"\n'
            f"[{UPS_NAME}]\n  driver = hisops-lab-ups\n  port = {UPS_NAME}-hw\n"
            '  desc = "server room UPS (lab)"\n'
        ),
        UPS_OUTCOME: str(info.get("test_outcome", "Done and passed")) + "\n",
        "/etc/nut/upsd.conf": f"LISTEN {address} {port}\n",
        "/etc/nut/upsd.users": (
            f"[{UPS_USER}]\n  password = {info['password']}\n"
            "  instcmds = test.battery.start\n  instcmds = test.battery.stop\n"
            "  upsmon primary\n"
        ),
    }
    for path, text in files.items():
        _write(fleet, name, path, text, mode=0o640)
    _write(fleet, name, UPS_DEV, ups_dev(str(info["state"]), str(info["test_result"])))
    if not tcp_open(address, port, 0.2):
        selftest = [
            "/usr/bin/python3", _install(fleet, name, SELFTEST_SCRIPT), "--statepath", "/run/nut", "--ups", UPS_NAME,
            "--upstream", f"dummy-ups-{UPS_NAME}-hw", "--dev", UPS_DEV, "--outcome", UPS_OUTCOME,
        ]  # fmt: skip
        script = (
            "set -e; chgrp nut /etc/nut/upsd.users /etc/nut/upsd.conf /etc/nut/ups.conf; "
            "mkdir -p /run/nut; chown nut:nut /run/nut; chmod 0770 /run/nut; "
            f"/lib/nut/dummy-ups -a {UPS_NAME}-hw -u nut >>/var/log/nut-driver.log 2>&1; "
            f"setsid {shlex.join(selftest)} >>/run/nut/selftest.log 2>&1 </dev/null & "
            "/lib/nut/upsd -u nut >>/var/log/nut-upsd.log 2>&1"
        )
        fleet.run(name, ["/bin/sh", "-c", script], label="starting NUT (dummy-ups, upsd)")
        # bounds for a loaded machine (a CI run beside other labs took more than 15 s to
        # its first UPS data); a healthy start takes a second or two
        wait_for(lambda: tcp_open(address, port, 0.2), 60, f"upsd on {name}")
    wait_for(lambda: _ups_status(address, port) not in ("", "WAIT"), 60, f"the UPS data on {name}")
    return info


def _ups_status(address: str, port: int) -> str:
    """ups.status as upsd serves it ("WAIT" until the driver has sent its data)."""
    _collection_path()
    from ansible_collections.hisops.emergency.plugins.module_utils.inspection import (  # noqa: PLC0415
        ups,
    )

    try:
        return " ".join(ups.read_state(ups.connect(address, port, timeout=2), UPS_NAME).status)
    except ups.UpsError:
        return ""


def start_site_services(fleet: FleetCore) -> None:
    """The UPS and the insurance gateway on the fleet's first backup host (the hospital
    lab: ``backup-1``), if it has one; the workstations hardened."""
    hosts = [s.name for s in fleet.specs.values() if s.kind == "backup_target"]
    for start in (start_ups, start_gateway) if hosts and fleet.is_on(hosts[0]) else ():
        try:
            start(fleet, hosts[0])
        except (HostLabError, OSError) as exc:  # the lab boots; the inspection reports it
            log.warning("lab: %s on %s did not start: %s", start.__name__, hosts[0], exc)
    harden_workstations(fleet)


def harden_workstations(fleet: FleetCore) -> None:
    """The hospital's workstations as its image ships them: USB storage blocked and
    egress rejected (what ``workstation_harden`` enforces), except where a fault of the
    lab took that away. One nftables transaction for all of them."""
    _collection_path()
    from ansible_collections.hisops.emergency.plugins.module_utils.workstation import (  # noqa: PLC0415
        hardening,
    )

    script = ""
    for spec in fleet.specs.values():
        if spec.kind != "workstation" or not fleet.is_on(spec.name):
            continue
        faults = fleet.faults.get(spec.name, {})
        if "usb_unblocked" not in faults:
            _write(fleet, spec.name, MODPROBE_FILE, hardening.MODPROBE_CONTENT)
        if "internet_route" not in faults:
            table, listing = egress_table(fleet, spec.name)
            script += f"table inet {table}\ndelete table inet {table}\n{listing}"
    if script:
        _nft(script)


def stop_ups(fleet: FleetCore, name: str) -> None:
    fleet.run(
        name,
        ["/bin/sh", "-c", "pkill -x upsd; pkill -x dummy-ups; pkill -f '[n]ut_selftest.py'; true"],
        label="stopping NUT",
    )


# ---------------------------------------------------------------------------- faults
def fault(fleet: FleetCore, name: str, kind: str, args: dict[str, Any]) -> dict[str, Any]:
    spec = fleet.spec(name)
    if kind in WORKSTATION_FAULTS and spec.kind != "workstation":
        raise HostSpecError(f"{kind}: {name} is not a workstation")
    if kind == "av_signatures_old":
        return set_signatures(fleet, name, float(args.get("days", 10)) * 24)
    if kind in ("av_scan_failed", "av_scan_infected"):
        return add_scan(fleet, name, kind.rsplit("_", 1)[1], float(args.get("hours_ago", 6)))
    if kind == "usb_unblocked":
        set_hardened(fleet, name, usb=False)
        return {"usb_storage": "allowed"}
    if kind == "internet_route":
        set_hardened(fleet, name, egress=False)
        return {"egress": "open"}
    if kind == "insurance_slow":
        delay = int(args.get("delay_ms", 3000))
        set_gateway(fleet, name, "ok", delay)
        return {"delay_ms": delay}
    if kind == "insurance_error":
        set_gateway(fleet, name, "error")
        return {"http": 500}
    if kind == "insurance_down":
        stop_gateway(fleet, name)
        return {"gateway": "stopped"}
    if kind in ("ups_on_battery", "ups_low_battery"):
        set_ups(fleet, name, state=kind[4:])
        return {"ups": kind[4:]}
    if kind == "ups_test_failed":
        set_ups(fleet, name, test_result="Done and warning")
        return {"ups.test.result": "Done and warning"}
    raise HostSpecError(f"unknown fault {kind!r}")


def clear(fleet: FleetCore, name: str, kind: str) -> None:
    if kind == "av_signatures_old":
        set_signatures(fleet, name, 1)
    elif kind in ("av_scan_failed", "av_scan_infected"):
        add_scan(fleet, name, "clean", 1)
    elif kind == "usb_unblocked":
        set_hardened(fleet, name, usb=True)
    elif kind == "internet_route":
        set_hardened(fleet, name, egress=True)
    elif kind in ("insurance_slow", "insurance_error"):
        set_gateway(fleet, name, "ok")
    elif kind == "insurance_down":
        start_gateway(fleet, name)
    elif kind in ("ups_on_battery", "ups_low_battery"):
        set_ups(fleet, name, state="online")
    elif kind == "ups_test_failed":
        set_ups(fleet, name, test_result="Done and passed")
