# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The daily inspection's workstation checks (plan P5.4, P5.5, P7.3).

Runs on the workstation (shipped by Ansible: stdlib only) and reads what is really there:

* antivirus (P5.4): ClamAV's on-disk facts. The signature age is the build time in the
  512-byte header of ``daily.cvd``/``daily.cld`` (what ``sigtool --info`` prints as
  "Build time"); the last scheduled scan is the last "SCAN SUMMARY" block of the scan
  log ``clamscan --log=FILE`` appends to (``Infected files: N``, ``Total errors: N``,
  ``End Date:``). A run that started and has no summary did not finish;
* USB storage (P5.5): the modprobe configuration (``/etc/modprobe.d``, ``/run``,
  ``/usr/lib``, ``/lib``, kmod's precedence: a file name in ``/etc`` hides the same name
  further down): ``install usb-storage /bin/true`` blocks it, ``blacklist`` alone only
  stops automatic loading; ``usb_storage`` in ``/proc/modules`` is loaded now;
* no route to the internet (P5.5): ``ip -j route get PROBE`` (is there a route at all),
  the hisops egress table in nftables (``workstation.hardening``: traffic to anything
  outside the hospital's networks rejected) and, when asked, a TCP connection to the
  probe (a connection that succeeds is the internet reached);
* client version (P7.3): the verdicts of the client audit (``client.ledger.classify``),
  computed on the controller and turned into findings here.
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Optional, Sequence

from ansible_collections.hisops.emergency.plugins.module_utils.inspection.findings import Finding

AREA = "workstations"
P_ANTIVIRUS = "P5.4"
P_ISOLATION = "P5.5"
P_CLIENT = "P7.3"
# what fixes a USB or internet finding that is not ok
HARDEN_FIX = "ansible-playbook playbooks/workstation_harden.yml --limit {host}"

CLAMAV_DIR = "/var/lib/clamav"
SCAN_LOG = "/var/log/clamav/clamscan-daily.log"
MODPROBE_DIRS = (
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
)
# commands an ``install`` line may run instead of loading the module: it never loads
BLOCKING_COMMANDS = ("/bin/true", "/bin/false", "/usr/bin/true", "/usr/bin/false")
SUMMARY_MARK = "----------- SCAN SUMMARY -----------"
# clamscan --log writes this line (79 dashes) before every run
RUN_MARK = "-" * 79


class WorkstationCheckError(Exception):
    """A workstation check could not read what it needs (turned into an unknown finding)."""


# ---------------------------------------------------------------------------- antivirus
@dataclass(frozen=True)
class SignatureDb:
    """A ClamAV database header, as ``sigtool --info`` prints it."""

    file: str
    build_time: datetime  # UTC
    version: int
    signatures: int
    functionality_level: int
    builder: str


def parse_cvd_header(data: bytes, file: str = "daily.cvd") -> SignatureDb:
    """The 512-byte header of a .cvd/.cld: ``ClamAV-VDB:<time>:<version>:<sigs>:<flevel>:
    <md5>:<dsig>:<builder>:<stime>`` padded with spaces; ``<time>`` is like
    ``06 Dec 2026 07-53 +0000`` (a dash between hours and minutes: ``:`` separates)."""
    head = data[:512].decode("ascii", errors="replace").rstrip(" \x00\n")
    fields = head.split(":")
    if len(fields) < 8 or fields[0] != "ClamAV-VDB":
        raise WorkstationCheckError(f"{file}: not a ClamAV database header ({head[:40]!r})")
    try:
        if len(fields) > 8 and fields[8].strip().isdigit():
            built = datetime.fromtimestamp(int(fields[8]), tz=timezone.utc)
        else:
            built = datetime.strptime(fields[1], "%d %b %Y %H-%M %z").astimezone(timezone.utc)
        return SignatureDb(file, built, int(fields[2]), int(fields[3]), int(fields[4]), fields[7])
    except ValueError as exc:
        raise WorkstationCheckError(f"{file}: bad header field ({exc})") from None


def read_signature_db(clamav_dir: str = CLAMAV_DIR) -> Optional[SignatureDb]:
    """The newest of daily.cld / daily.cvd (freshclam keeps one of them), or None."""
    found = []
    for name in ("daily.cld", "daily.cvd"):
        path = os.path.join(clamav_dir, name)
        try:
            with open(path, "rb") as handle:
                found.append(parse_cvd_header(handle.read(512), name))
        except FileNotFoundError:
            continue
    return max(found, key=lambda db: db.version) if found else None


@dataclass(frozen=True)
class ScanRun:
    """One run of clamscan as its log tells it."""

    finished: bool
    infected: int = 0
    errors: int = 0
    scanned_files: int = 0
    start: Optional[datetime] = None  # local time, as clamscan writes it
    end: Optional[datetime] = None
    found: tuple[str, ...] = ()  # "path: Signature FOUND" lines


def _scan_date(value: str) -> Optional[datetime]:
    try:
        return datetime.strptime(value.strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def parse_scan_log(text: str) -> Optional[ScanRun]:
    """The last run in a clamscan log (None when the log holds no run)."""
    runs = [part for part in text.split(RUN_MARK) if part.strip()]
    if not runs:
        return None
    last = runs[-1]
    found = tuple(line.strip() for line in last.splitlines() if line.rstrip().endswith(" FOUND"))
    if SUMMARY_MARK not in last:
        return ScanRun(finished=False, found=found)
    summary: dict[str, str] = {}
    for line in last.split(SUMMARY_MARK, 1)[1].splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            summary[key.strip()] = value.strip()

    def number(key: str) -> int:
        match = re.match(r"\d+", summary.get(key, "0"))
        return int(match.group()) if match else 0

    return ScanRun(
        finished=True,
        infected=number("Infected files"),
        errors=number("Total errors"),
        scanned_files=number("Scanned files"),
        start=_scan_date(summary.get("Start Date", "")),
        end=_scan_date(summary.get("End Date", "")),
        found=found,
    )


def antivirus_findings(
    host: str,
    db: Optional[SignatureDb],
    scan: Optional[ScanRun],
    now_utc: datetime,
    now_local: datetime,
    signature_warn_hours: float = 48,
    signature_crit_hours: float = 168,
    scan_max_age_hours: float = 36,
    address: str = "",
) -> list[Finding]:
    def finding(check: str, severity: str, text: str, **extra: Any) -> Finding:
        return Finding(
            AREA, check, severity, host, f"{host}: {text}", plan_item=P_ANTIVIRUS, **extra
        )

    out = []
    if db is None:
        out.append(
            finding(
                "antivirus_signatures",
                "critical",
                "no ClamAV signature database (daily.cvd/daily.cld)",
                suggested_class=3,
            )
        )
    else:
        age_h = (now_utc - db.build_time).total_seconds() / 3600
        severity = (
            "critical"
            if age_h > signature_crit_hours
            else "warning"
            if age_h > signature_warn_hours
            else "ok"
        )
        out.append(
            finding(
                "antivirus_signatures",
                severity,
                f"antivirus signatures {db.file} version {db.version} built "
                f"{db.build_time:%Y-%m-%d %H:%M} UTC, {age_h:.0f} h old"
                + ("" if severity == "ok" else f" (limit {signature_warn_hours:.0f} h)"),
                params={
                    "file": db.file,
                    "version": db.version,
                    "built": db.build_time.isoformat(),
                    "built_at": f"{db.build_time:%Y-%m-%d %H:%M} UTC",
                    "limit_hours": signature_warn_hours,
                },
                suggested_class=3 if severity == "critical" else None,
                value=round(age_h, 1),
                unit="h",
            )
        )
    if scan is None:
        out.append(finding("antivirus_scan", "warning", "no scheduled antivirus scan on record"))
    elif not scan.finished:
        out.append(
            finding(
                "antivirus_scan",
                "critical",
                "the last scheduled antivirus scan did not finish (no scan summary)",
                suggested_class=3,
                params={"finished": False},
            )
        )
    elif scan.infected:
        out.append(
            finding(
                "antivirus_scan",
                "critical",
                f"the last scheduled scan found {scan.infected} infected file(s): "
                + "; ".join(scan.found[:5]),
                suggested_class=1,
                params={"infected": scan.infected, "found": list(scan.found[:20])},
                action=(
                    f"ansible-playbook playbooks/isolate.yml -e host={address or host} "
                    f"-e reason='infected files on {host}'"
                ),
                value=scan.infected,
                unit="files",
            )
        )
    else:
        scan_age_h = ((now_local - scan.end).total_seconds() / 3600) if scan.end else None
        if scan.errors:
            severity, why = "warning", f"finished with {scan.errors} error(s)"
        elif scan_age_h is None or scan_age_h > scan_max_age_hours:
            severity = "warning"
            why = "is older than %.0f h (%s)" % (
                scan_max_age_hours,
                f"{scan_age_h:.0f} h" if scan_age_h is not None else "no end date",
            )
        else:
            severity, why = "ok", "clean"
        out.append(
            finding(
                "antivirus_scan",
                severity,
                f"the last scheduled scan ({scan.scanned_files} files"
                + (f", ended {scan.end:%Y-%m-%d %H:%M}" if scan.end else "")
                + f") {why}",
                params={
                    "infected": 0,
                    "errors": scan.errors,
                    "files": scan.scanned_files,
                    "ended": f"{scan.end:%Y-%m-%d %H:%M}" if scan.end else None,
                    "max_hours": scan_max_age_hours,
                },
                value=round(scan_age_h, 1) if scan_age_h is not None else None,
                unit="h",
            )
        )
    return out


# ---------------------------------------------------------------------------- USB storage
@dataclass(frozen=True)
class UsbStorageState:
    install_blocked: bool  # an install rule that never loads it
    blacklisted: bool
    loaded: bool
    sources: tuple[str, ...]  # the files that say so


def _module_name(name: str) -> str:
    return name.replace("-", "_")


def modprobe_files(roots: Sequence[str] = MODPROBE_DIRS) -> list[str]:
    """The .conf files kmod reads, in its order: by name, the first directory wins."""
    chosen: dict[str, str] = {}
    for root in roots:
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = os.path.join(root, name)
    return [chosen[n] for n in sorted(chosen)]


def usb_storage_state(files: Iterable[str], proc_modules: str = "") -> UsbStorageState:
    install = blacklist = False
    sources = []
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        for raw in text.splitlines():
            words = raw.split("#", 1)[0].split()
            if len(words) < 2 or _module_name(words[1]) != "usb_storage":
                continue
            if words[0] == "blacklist":
                blacklist = True
                sources.append(path)
            elif words[0] == "install":
                install = " ".join(words[2:]) in BLOCKING_COMMANDS
                sources.append(path)
    loaded = any(line.split(" ", 1)[0] == "usb_storage" for line in proc_modules.splitlines())
    return UsbStorageState(install, blacklist, loaded, tuple(dict.fromkeys(sources)))


def _isolation_finding(
    check: str, severity: str, host: str, text: str, params: Mapping[str, Any]
) -> Finding:
    """A USB or internet finding: critical is a class 2 fault, and whatever is not ok the
    hardening playbook fixes."""
    return Finding(
        AREA,
        check,
        severity,
        host,
        f"{host}: {text}",
        plan_item=P_ISOLATION,
        params=params,
        suggested_class=2 if severity == "critical" else None,
        action="" if severity == "ok" else HARDEN_FIX.format(host=host),
    )


def usb_findings(host: str, state: UsbStorageState) -> list[Finding]:
    params = {
        "install_blocked": state.install_blocked,
        "blacklisted": state.blacklisted,
        "loaded": state.loaded,
        "files": list(state.sources),
    }
    if state.loaded:
        severity, text = "critical", "the usb_storage module is loaded"
    elif state.install_blocked:
        severity, text = "ok", f"USB storage blocked ({', '.join(state.sources)})"
    elif state.blacklisted:
        severity = "warning"
        text = (
            "usb-storage only blacklisted (an explicit modprobe still loads it): "
            "no 'install usb-storage /bin/true'"
        )
    else:
        severity, text = "critical", "USB storage is not blocked (no modprobe rule for usb-storage)"
    return [_isolation_finding("usb_storage_blocked", severity, host, text, params)]


# ---------------------------------------------------------------------------- internet
def route_to(probe: str, run: Any = subprocess.run) -> Optional[dict[str, Any]]:
    """``ip -j route get PROBE``: the route the kernel would take, or None (unreachable)."""
    done = run(
        ["ip", "-j", "route", "get", probe], capture_output=True, text=True, check=False, timeout=10
    )
    if done.returncode != 0:
        if "unreachable" in done.stderr.lower() or "prohibit" in done.stderr.lower():
            return None
        raise WorkstationCheckError(f"ip route get {probe}: {done.stderr.strip()}")
    routes = json.loads(done.stdout or "[]")
    if not routes or routes[0].get("type") in ("unreachable", "prohibit", "blackhole"):
        return None
    return dict(routes[0])


def tcp_probe(address: str, port: int, timeout: float = 2.0) -> str:
    """``connected``, ``rejected`` (refused at once by a firewall or the kernel),
    ``refused`` (the far end said no: it was reached) or ``timeout``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        code = sock.connect_ex((address, port))
    except socket.timeout:
        return "timeout"
    except OSError as exc:
        code = exc.errno or -1
    finally:
        sock.close()
    if code == 0:
        return "connected"
    if code == errno.ECONNREFUSED:
        return "refused"
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM):
        return "rejected"
    return "timeout"


def internet_findings(
    host: str,
    route: Optional[Mapping[str, Any]],
    egress_in_place: bool,
    egress_table: str,
    probe: str,
    probe_result: str = "",
) -> list[Finding]:
    params = {
        "probe": probe,
        "route": dict(route) if route else None,
        "egress_blocked": egress_in_place,
        "probe_result": probe_result or None,
        "egress_table": egress_table,
    }
    via = ""
    if route:
        via = "via %s dev %s" % (route.get("gateway", "(direct)"), route.get("dev", "?"))
    if probe_result in ("connected", "refused"):
        severity = "critical"
        text = f"reached {probe} on the internet ({probe_result}) {via}".rstrip()
    elif route is None:
        severity, text = "ok", f"no route to the internet ({probe} unreachable)"
    elif egress_in_place:
        severity = "ok"
        text = (
            f"route {via} but egress outside the hospital rejected (nftables table {egress_table})"
        )
    else:
        severity, text = "critical", f"route to the internet ({probe} {via}) and no egress block"
    return [_isolation_finding("internet_route", severity, host, text, params)]


# ---------------------------------------------------------------------------- client version
_CLIENT_SEVERITY = {
    "current": "ok",
    "isolated": "ok",
    "unknown": "unknown",
    "behind": "warning",
    "rolled_back": "warning",
    "failed": "critical",
    "offline": "critical",
}


def client_findings(verdicts: Iterable[Mapping[str, Any]]) -> dict[str, list[Finding]]:
    """Per workstation: its client audit verdict (and, when it did not answer, that)."""
    out: dict[str, list[Finding]] = {}
    for v in verdicts:
        host = str(v["host"])
        state = str(v.get("state", "unknown"))
        severity = _CLIENT_SEVERITY.get(state, "unknown")
        params = {
            k: v.get(k) for k in ("state", "expected", "actual", "healthy", "last_result", "reason")
        }
        expected = None
        if state == "isolated":
            expected = {"kind": "isolation", "id": str(v.get("reason", ""))}
        text = f"{host}: HIS client {state}"
        if v.get("actual") or v.get("expected"):
            text += f" (runs {v.get('actual') or '?'}, expected {v.get('expected') or '?'})"
        if v.get("reason"):
            text += f": {v['reason']}"
        found = [
            Finding(
                AREA,
                "client_version",
                severity,
                host,
                text,
                plan_item=P_CLIENT,
                params=params,
                expected=expected,
                action=(
                    f"ansible-playbook playbooks/client_audit.yml --limit {host} -e remediate=true"
                )
                if state == "behind"
                else "",
            )
        ]
        if state == "offline":
            found.append(
                Finding(
                    AREA,
                    "workstation_reachable",
                    "critical",
                    host,
                    f"{host}: did not answer over SSH",
                    suggested_class=2,
                )
            )
        out[host] = found
    return out


# ---------------------------------------------------------------------------- the whole run
def inspect_local(
    host: str,
    options: Mapping[str, Any],
    egress_in_place: bool,
    now: Optional[float] = None,
    run: Any = subprocess.run,
) -> list[Finding]:
    """Every local check on this workstation; one that cannot read is an unknown finding."""
    stamp = time.time() if now is None else now
    now_utc = datetime.fromtimestamp(stamp, tz=timezone.utc)
    now_local = datetime.fromtimestamp(stamp)
    checks = options.get("checks") or ("antivirus", "usb_storage", "internet_route")
    out: list[Finding] = []
    if "antivirus" in checks:
        try:
            db = read_signature_db(options.get("clamav_dir") or CLAMAV_DIR)
            try:
                with open(
                    options.get("scan_log") or SCAN_LOG, encoding="utf-8", errors="replace"
                ) as handle:
                    scan = parse_scan_log(handle.read())
            except FileNotFoundError:
                scan = None
            out += antivirus_findings(
                host,
                db,
                scan,
                now_utc,
                now_local,
                float(options.get("signature_warn_hours", 48)),
                float(options.get("signature_crit_hours", 168)),
                float(options.get("scan_max_age_hours", 36)),
                str(options.get("address") or ""),
            )
        except (WorkstationCheckError, OSError) as exc:
            out.append(
                Finding(
                    AREA,
                    "antivirus_signatures",
                    "unknown",
                    host,
                    f"{host}: {exc}",
                    plan_item=P_ANTIVIRUS,
                    params={"error": str(exc)},
                )
            )
    if "usb_storage" in checks:
        try:
            with open("/proc/modules", encoding="utf-8") as handle:
                modules = handle.read()
        except OSError:
            modules = ""
        out += usb_findings(host, usb_storage_state(modprobe_files(), modules))
    if "internet_route" in checks:
        probe = str(options.get("probe") or "114.114.114.114")
        try:
            route = route_to(probe, run)
            port = int(options.get("probe_port") or 0)
            result = tcp_probe(probe, port, float(options.get("probe_timeout", 2))) if port else ""
            out += internet_findings(
                host, route, egress_in_place, str(options.get("egress_table", "")), probe, result
            )
        except (WorkstationCheckError, OSError, ValueError, subprocess.SubprocessError) as exc:
            out.append(
                Finding(
                    AREA,
                    "internet_route",
                    "unknown",
                    host,
                    f"{host}: {exc}",
                    plan_item=P_ISOLATION,
                    params={"error": str(exc)},
                )  # fmt: skip
            )
    return out
