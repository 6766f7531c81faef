"""The sheet in Chinese: every check the inspection emits, at every severity it produces,
said in Chinese with its figures (report.localized). The findings are built by each
checker's own code on the captures the other tests use (ClamAV header and clamscan log,
``ip -j route`` output, NUT variables, the lab gateway's answers, pgha's own warnings).

A check added without a Chinese sentence fails test_every_emitted_check_is_covered (the
check names are read from the checkers' source and the role's task files) or the
sentence test (its English message would come back)."""

from __future__ import annotations

import ast
import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import (
    addresses,
    database,
    insurance,
    network,
    report,
    servers,
    ups,
)
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import workstations as ws
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.findings import Finding
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import verdict as pgha
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import NodeState
from ansible_collections.hisops.emergency.plugins.module_utils.workstation import hardening
from markupsafe import escape
from test_addresses import VLANS
from test_database_servers import PAIR
from test_network import DRIFT, READ
from test_report import TEMPLATE
from test_ups import EATON_OL, _vars
from test_workstations import NOW, NOW_LOCAL, REAL_HEADER, REAL_LOG, ROUTE_JSON, _db, _ip

from hisops.lab import insurance_gateway
from hisops.lab.hosts.inspection import ups_dev

ROOT = Path(__file__).resolve().parents[3]
CHECKERS = ROOT / "plugins" / "module_utils" / "inspection"
ROLE_TASKS = ROOT / "roles" / "daily_inspection" / "tasks"
CJK = re.compile(r"[\u4e00-\u9fff]")
GW = "http://10.40.0.8:8080" + insurance_gateway.PATH

Case = tuple[Finding, tuple[str, ...]]  # a finding and the figures its sentence keeps


def _pick(found: list[Finding], check: str, subject: str = "") -> Finding:
    return next(f for f in found if f.check == check and (not subject or f.subject == subject))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def network_cases() -> list[Case]:
    down = network.switch_findings(
        "CORE-1", "core", {}, {"failed": True, "msg": "CORE-1: timed out"}, None, 24, None
    )
    spare = network.switch_findings(
        "SPARE-1", "spare", {}, {"failed": True, "msg": "connection refused"}, 2.5, 24, None
    )
    recorded = {"model": "S5735-L48T4X-A1", "firmware": "V200R021C00SPC100"}
    drifted = network.switch_findings(
        "ACC-1", "access", recorded, {**READ, "compliance": DRIFT}, 30.0, 24, {"GE0/0/3": "up"}
    )
    same = network.switch_findings(
        "AGG-4", "aggregation", {"model": "C9300-48T", "firmware": "17.09.04a"},
        {**READ, "model": "C9300-48T", "firmware": "17.9.4a", "compliance": {"features": {}}},
        1.5, 24, None,
    )  # fmt: skip
    other_model = network.switch_findings(
        "ACC-2", "access", {"model": "S5735-L24T4X-A1"}, READ, 1, 24, None
    )
    both = network.switch_findings(
        "ACC-3", "access", {"model": "S5735-L24T4X-A1", "firmware": "V200R021C00SPC100"},
        READ, 1, 24, None,
    )  # fmt: skip
    held = {
        "features": {},
        "expected": [{"kind": "isolation", "id": "iso-7", "lines": ["+ interface GE0/0/5: shutdown"]}],
    }  # fmt: skip
    spares = network.spare_findings(
        {"devices": {"ACC-1": {"ready": True, "spare": "SPARE-1"},
                     "CORE-1": {"ready": False, "spare": "", "spare_problem": "no spare of the same model"}}}
    )  # fmt: skip
    return [
        (_pick(down, "switch_reachable"), ("CORE-1", "timed out")),
        (_pick(down, "backup_age"), ("CORE-1",)),
        (_pick(spare, "switch_reachable"), ("SPARE-1", "connection refused")),
        (_pick(spare, "backup_age"), ("SPARE-1", "2.5")),
        (_pick(drifted, "switch_reachable"), ("ACC-1",)),
        (_pick(drifted, "model_firmware"), ("ACC-1", "V200R021C00SPC100", "V200R022C00SPC500")),
        (_pick(drifted, "compliance_drift"), ("ACC-1", "interfaces", "2")),
        (_pick(drifted, "interface_down"), ("ACC-1", "GE0/0/3", "up", "down")),
        (_pick(drifted, "backup_age"), ("ACC-1", "30", "24")),
        (_pick(same, "model_firmware"), ("AGG-4", "C9300-48T", "17.9.4a")),
        (_pick(same, "compliance"), ("AGG-4",)),
        (_pick(other_model, "model_firmware"), ("ACC-2", "S5735-L24T4X-A1", "S5735-L48T4X-A1")),
        (_pick(both, "model_firmware"), ("ACC-3", "S5735-L24T4X-A1", "V200R021C00SPC100")),
        (network.compliance_findings("CORE-1", held)[0], ("CORE-1", "iso-7", "1")),
        (network.no_intended_finding("ACC-5", "/srv/intended"), ("ACC-5", "/srv/intended")),
        (spares[0], ("ACC-1", "SPARE-1")),
        (spares[1], ("CORE-1", "no spare of the same model")),
    ]


def address_cases() -> list[Case]:
    rows = [
        {"ip": "10.10.10.150", "mac": "52:54:00:0a:00:99", "interface": "Vlanif10"},
        {"ip": "172.16.0.9", "mac": "52:54:00:aa:00:01", "interface": "Vlanif10"},
    ]
    where = {"switch": "ACC-1", "port": "GigabitEthernet0/0/9"}
    lost = {"error": "no MAC table has it"}
    figures = ("10.10.10.150", "52:54:00:0a:00:99")
    outside = ("172.16.0.9", "52:54:00:aa:00:01")
    return [
        (addresses.address_finding(rows[0], VLANS, where), (*figures, "10", "ACC-1", "GigabitEthernet0/0/9")),
        (addresses.address_finding(rows[0], VLANS, lost), (*figures, "10", "no MAC table has it")),
        (addresses.address_finding(rows[0], VLANS), (*figures, "10", "OUTPATIENT")),
        (addresses.address_finding(rows[1], VLANS, where), (*outside, "ACC-1")),
        (addresses.address_finding(rows[1], VLANS, lost), (*outside, "no MAC table has it")),
        (addresses.address_finding(rows[0], VLANS, where, {"kind": "isolation", "id": "iso-3"}),
         (*figures, "iso-3")),
        (addresses.all_assigned(212), ("212",)),
        (addresses.arp_not_read("CORE-2", "CORE-2: timed out"), ("CORE-2", "timed out")),
    ]  # fmt: skip


def pgha_warnings() -> list[str]:
    """Every kind of warning pgha's verdict says, from its own functions."""
    gib = 2**30
    primary = NodeState(
        "his-db-1", "primary", wal_bound_bytes=4 * gib,
        slots=[{"name": "hisops_his_db_2", "retained_bytes": 3 * gib, "wal_status": "extended"},
               {"name": "hisops_his_db_3", "retained_bytes": 5 * gib, "wal_status": "unreserved"},
               {"name": "hisops_his_db_4", "retained_bytes": None, "wal_status": "lost"}],
        degrade={"state": "degraded", "since": "2026-12-06T07:00:00+00:00", "mode": "sync",
                 "reason": "his-db-2 stopped streaming", "age_s": 45.0},
    )  # fmt: skip
    unbounded = NodeState(
        "his-db-1", "primary", wal_bound_bytes=-1,
        slots=[{"name": "hisops_his_db_2", "retained_bytes": 2 * gib, "active": False}],
        degrade={"state": "stalled", "mode": "sync", "reason": "his-db-2 does not confirm commits"},
    )  # fmt: skip
    nodes = ["his-db-1", "his-db-2", "his-db-3"]
    return (
        pgha.wal_warnings(primary, nodes=nodes)
        + pgha.degrade_warnings(primary)
        + pgha.wal_warnings(unbounded, nodes=nodes)
        + pgha.degrade_warnings(unbounded)
    )


def database_cases() -> list[Case]:
    backups = {
        "ages": {
            "local": {"last_copy": "2026-12-05", "age_days": 1, "overdue_since": None},
            "offsite": {"last_copy": "2026-11-20", "age_days": 16, "overdue_since": "2026-12-01"},
            "removable": {"last_copy": None, "age_days": None, "overdue_since": None},
            "weekly": {"last_copy": "2026-11-27", "age_days": 9, "overdue_since": None},
        },
        "hosts": {
            "his-db-1": {"log_errors": {"readable": True, "counts": {"ERROR": 2, "FATAL": 1},
                                        "lines": ["FATAL: x"]}},
            "his-db-2": {"log_errors": {"readable": True, "counts": {}, "lines": []}},
            "his-db-3": {"log_errors": {"readable": True, "counts": {"PANIC": 1}, "lines": []}},
            "his-db-4": {"log_errors": {"readable": False, "log": "/var/log/postgresql/pg16.log"}},
            "backup-1": {"read": False, "error": "backup-1: ssh timed out"},
        },
    }  # fmt: skip
    healthy = [Finding.from_dict(f) for f in database.findings(PAIR, backups, max_backup_days={"weekly": 7})["findings"]]  # fmt: skip
    broken = dict(
        PAIR, standbys=[],
        lag={"his-db-3": {"bytes": 9437184, "seconds": 300.0, "human": "9 MiB"}},
        nodes=[{"name": "his-db-1", "role": "primary"},
               {"name": "his-db-2", "role": "unreachable", "error": "timed out"},
               {"name": "his-db-3", "role": "stopped"}],
        switchover={"go": False, "reasons": ["no standby to switch over to"],
                    "summary": "NO-GO for switchover: no standby to switch over to"},
        failover={"go": False, "reasons": ["no standby to promote"],
                  "summary": "NO-GO for failover: no standby to promote"},
        warnings=pgha_warnings(),
    )  # fmt: skip
    sick = [Finding.from_dict(f) for f in database.findings(broken, None, 60)["findings"]]
    two = dict(PAIR, primary=None, standbys=[], lag={},
               nodes=[{"name": "his-db-1", "role": "primary"}, {"name": "his-db-2", "role": "primary"}])  # fmt: skip
    none = dict(PAIR, primary=None, standbys=[], lag={}, nodes=[])
    unread = database.findings(None, None)["findings"][0]
    cases: list[Case] = [
        (_pick(healthy, "db_node", "his-db-1"), ("his-db-1",)),
        (_pick(healthy, "replication_lag"), ("his-db-2", "4 KiB")),
        (_pick(healthy, "switchover_go"), ("his-db-2",)),
        (_pick(healthy, "failover_go"), ("his-db-2",)),
        (_pick(healthy, "backup_age", "local"), ("local", "1")),
        (_pick(healthy, "backup_age", "offsite"), ("offsite", "16", "2026-12-01")),
        (_pick(healthy, "backup_age", "removable"), ("removable",)),
        (_pick(healthy, "backup_age", "weekly"), ("weekly", "9")),
        (_pick(healthy, "postgresql_log", "his-db-1"), ("his-db-1", "3", "ERROR 2, FATAL 1")),
        (_pick(healthy, "postgresql_log", "his-db-2"), ("his-db-2",)),
        (_pick(healthy, "postgresql_log", "his-db-3"), ("his-db-3", "PANIC 1")),
        (_pick(healthy, "postgresql_log", "his-db-4"), ("his-db-4", "/var/log/postgresql/pg16.log")),
        (_pick(healthy, "backup_figures"), ("backup-1", "ssh timed out")),
        (_pick(sick, "db_node", "his-db-2"), ("his-db-2", "timed out")),
        (_pick(sick, "db_node", "his-db-3"), ("his-db-3", "PostgreSQL")),
        (_pick(sick, "db_standby"), ()),
        (_pick(sick, "replication_lag"), ("his-db-3", "9 MiB", "300", "60")),
        (_pick(sick, "switchover_go"), ("no standby to switch over to",)),
        (_pick(sick, "failover_go"), ("no standby to promote",)),
        (Finding.from_dict(database.findings(two, None)["findings"][-3]), ("his-db-1", "his-db-2")),
        (Finding.from_dict(database.findings(none, None)["findings"][0]), ()),
        (Finding.from_dict(unread), ()),
    ]  # fmt: skip
    for warning in (f for f in sick if f.check == "db_warning"):
        figures = re.findall(
            r"his-db-\d|hisops_his_db_\d|\d+(?:\.\d+)? [KMG]iB|\d+%|\b\d+ s\b", warning.message
        )
        cases.append((warning, tuple(f.removesuffix(" s") for f in figures)))  # fmt: skip
    return cases


def server_cases() -> list[Case]:
    gib = 2**30
    read = {
        "uptime_s": 3_456_000.0, "load": [7.52, 9.1, 6.0], "cpus": 4,
        "memory": {"MemTotal": 16 * gib, "MemAvailable": gib},
        "disks": [{"path": "/", "free_bytes": gib // 10, "total_bytes": 40 * gib},
                  {"path": "/srv/backup", "free_bytes": 30 * gib, "total_bytes": 500 * gib},
                  {"path": "/var/lib/postgresql", "free_bytes": 120 * gib, "total_bytes": 200 * gib}],
        "logs": {}, "logs_looked_at": ["/var/log/syslog", "/var/log/messages"],
    }  # fmt: skip
    sick = servers.findings("backup-1", read)
    well = servers.findings(
        "his-db-1",
        {**read, "load": [0.4, 0.3, 0.2], "memory": {"MemTotal": 16 * gib, "MemAvailable": 9 * gib},
         "disks": [], "logs": {"/var/log/syslog": {"count": 3, "lines": ["kernel: I/O error"]},
                               "/var/log/messages": {"count": 0, "lines": []}}},
    )  # fmt: skip
    gone = servers.findings("his-db-2", {"unreachable": True, "msg": "ssh: timed out"})
    return [
        (_pick(sick, "host_reachable"), ("backup-1", "40.0", "7.52")),
        (_pick(sick, "load"), ("backup-1", "9.1", "4")),
        (_pick(sick, "memory"), ("backup-1", "6%", "16.0 GiB")),
        (_pick(sick, "disk_free", "backup-1:/"), ("backup-1", "/", "0.10 GiB", "40.0 GiB")),
        (_pick(sick, "disk_free", "backup-1:/srv/backup"), ("/srv/backup", "30.00 GiB", "6%")),
        (_pick(sick, "disk_free", "backup-1:/var/lib/postgresql"), ("120.00 GiB", "60%")),
        (_pick(sick, "system_log"), ("backup-1", "/var/log/syslog", "/var/log/messages")),
        (_pick(well, "memory"), ("his-db-1", "56%")),
        (_pick(well, "system_log", "his-db-1:/var/log/syslog"), ("his-db-1", "/var/log/syslog", "3")),
        (_pick(well, "system_log", "his-db-1:/var/log/messages"), ("/var/log/messages", "0")),
        (gone[0], ("his-db-2", "ssh: timed out")),
    ]  # fmt: skip


def workstation_cases(tmp_path: Path) -> list[Case]:
    def scan(run: ws.ScanRun | None, db: ws.SignatureDb | None = None) -> list[Finding]:
        return ws.antivirus_findings(
            "pha-01", db or _db(1), run, NOW, NOW_LOCAL, address="10.30.0.5"
        )

    clean = ws.ScanRun(True, 0, 0, 1790, end=NOW_LOCAL - timedelta(hours=6))
    fresh = scan(clean, _db(5))
    real_db = ws.parse_cvd_header(REAL_HEADER)
    bad = tmp_path / "clamav"
    bad.mkdir()
    (bad / "daily.cvd").write_bytes(b"\x1f\x8b\x08" + b"\0" * 509)
    unread = ws.inspect_local("pha-02", {"checks": ["antivirus"], "clamav_dir": str(bad),
                                         "scan_log": str(tmp_path / "none.log")}, False)  # fmt: skip
    no_ip = ws.inspect_local("pha-03", {"checks": ["internet_route"], "probe": "8.8.8.8"},
                             False, run=_ip("", "Error: any valid prefix is expected\n", 1))  # fmt: skip
    conf = tmp_path / "modprobe.d"
    conf.mkdir()
    (conf / "hisops-usb-storage.conf").write_text(hardening.MODPROBE_CONTENT)
    (conf / "blacklist-usb.conf").write_text("blacklist usb_storage\n")
    blocked = ws.usb_storage_state([str(conf / "hisops-usb-storage.conf")])
    listed = ws.usb_storage_state([str(conf / "blacklist-usb.conf")])
    loaded = ws.usb_storage_state([], "usb_storage 81920 0 - Live 0x0000000000000000\n")
    route = ws.route_to("114.114.114.114", _ip(ROUTE_JSON))
    direct = {"dst": "114.114.114.114", "dev": "wlan0", "prefsrc": "192.0.2.2"}
    probe = "114.114.114.114"
    table = "hisops_egress"
    clients = ws.client_findings(
        [
            {"host": "opd-01", "state": "current", "expected": "2.0.0", "actual": "2.0.0"},
            {"host": "opd-02", "state": "behind", "expected": "2.1.0", "actual": "2.0.0",
             "reason": "never updated"},
            {"host": "opd-03", "state": "rolled_back", "expected": "2.1.0", "actual": "2.0.0"},
            {"host": "opd-04", "state": "failed", "expected": "2.1.0", "actual": "2.0.0",
             "reason": "health check failed"},
            {"host": "opd-05", "state": "unknown"},
            {"host": "pha-01", "state": "offline", "expected": "2.1.0", "actual": None},
            {"host": "pha-02", "state": "isolated", "reason": "ISO-7"},
        ]
    )  # fmt: skip
    antivirus = "antivirus_signatures"
    return [
        (_pick(fresh, antivirus), ("pha-01", "daily.cld", "27480", "5")),
        (_pick(fresh, "antivirus_scan"), ("pha-01", "1790")),
        (_pick(scan(clean, _db(72)), antivirus), ("27480", "72", "48")),
        (_pick(scan(clean, _db(240)), antivirus), ("27480", "240", "48")),
        (_pick(scan(clean, real_db), antivirus), ("daily.cvd", "27457", "2024-11-14 09:46")),
        (_pick(ws.antivirus_findings("pha-01", None, None, NOW, NOW_LOCAL), antivirus), ("pha-01", "daily.cvd")),
        (_pick(scan(ws.parse_scan_log(REAL_LOG)), "antivirus_scan"), ("2", "eicar.com", "invoice.pdf.exe")),
        (_pick(scan(ws.ScanRun(finished=False)), "antivirus_scan"), ("pha-01",)),
        (_pick(scan(ws.ScanRun(True, 0, 0, 10, end=NOW_LOCAL - timedelta(days=3))), "antivirus_scan"),
         ("10", "36", "72")),
        (_pick(scan(ws.ScanRun(True, 0, 2, 10, end=NOW_LOCAL - timedelta(hours=2))), "antivirus_scan"),
         ("10", "2", "2026-12-06 06:00")),
        (_pick(scan(ws.ScanRun(True, 0, 0, 10)), "antivirus_scan"), ("10", "36")),
        (_pick(scan(None), "antivirus_scan"), ("pha-01",)),
        (unread[0], ("pha-02", "daily.cvd")),
        (no_ip[0], ("pha-03", "8.8.8.8")),
        (ws.usb_findings("ws-1", blocked)[0], ("ws-1", "hisops-usb-storage.conf")),
        (ws.usb_findings("ws-1", listed)[0], ("ws-1", "usb-storage")),
        (ws.usb_findings("ws-1", loaded)[0], ("ws-1", "usb_storage")),
        (ws.usb_findings("ws-1", ws.usb_storage_state([]))[0], ("ws-1", "usb-storage")),
        (ws.internet_findings("ws-1", route, False, table, probe)[0], (probe, "192.0.2.1", "eth0")),
        (ws.internet_findings("ws-1", direct, False, table, probe)[0], (probe, "wlan0")),
        (ws.internet_findings("ws-1", route, True, table, probe, "rejected")[0], ("192.0.2.1", table)),
        (ws.internet_findings("ws-1", direct, True, table, probe, "timeout")[0], ("wlan0", table)),
        (ws.internet_findings("ws-1", None, False, table, probe)[0], (probe,)),
        (ws.internet_findings("ws-1", route, True, table, probe, "connected")[0], (probe, "192.0.2.1")),
        (ws.internet_findings("ws-1", None, True, table, probe, "refused")[0], (probe,)),
        (clients["opd-01"][0], ("opd-01", "2.0.0")),
        (clients["opd-02"][0], ("opd-02", "2.0.0", "2.1.0", "never updated")),
        (clients["opd-03"][0], ("opd-03", "2.0.0", "2.1.0")),
        (clients["opd-04"][0], ("opd-04", "health check failed")),
        (clients["opd-05"][0], ("opd-05",)),
        (clients["pha-01"][0], ("pha-01", "2.1.0")),
        (clients["pha-01"][1], ("pha-01", "SSH")),
        (clients["pha-02"][0], ("pha-02", "ISO-7")),
    ]  # fmt: skip


def insurance_cases() -> list[Case]:
    def sign_in(code: str = "H44010600001") -> dict:
        return insurance_gateway.answer(insurance.sign_in_request(code, "hisops"))

    port = _closed_port()
    down = insurance.check_gateway(f"http://127.0.0.1:{port}/fsi/api", "H1", timeout=2)
    return [
        (insurance.classify(GW, 182.4, 2000, 200, sign_in()), ("10.40.0.8", "182")),
        (insurance.classify(GW, 2450.0, 2000, 200, sign_in()), ("10.40.0.8", "2450", "2000")),
        (insurance.classify(GW, 35.0, 2000, 500, None), ("10.40.0.8", "500")),
        (
            insurance.classify(GW, 40.0, 2000, 200, sign_in("")),
            ("10.40.0.8", "-1", "fixmedins_code"),
        ),
        (down, ("127.0.0.1", str(port))),
    ]


def ups_cases() -> list[Case]:
    def read(**changes: bytes) -> list[Finding]:
        values = {**EATON_OL, **{k.replace("_", ".").encode(): v for k, v in changes.items()}}
        return ups.findings_for(ups.state_from_vars("ups", values), "ups@10.20.0.9")

    online = read()
    low = ups.findings_for(
        ups.state_from_vars("ups", _vars(ups_dev("low_battery"))), "ups@10.20.0.9"
    )
    battery = ups.findings_for(
        ups.state_from_vars("ups", _vars(ups_dev("on_battery"))), "ups@10.20.0.9"
    )
    no_charge = {k: v for k, v in EATON_OL.items() if k != b"battery.charge"}
    unknown_charge = ups.findings_for(ups.state_from_vars("ups", no_charge), "ups@10.20.0.9")
    port = _closed_port()
    subject = ("ups@10.20.0.9",)
    cases: list[Case] = [
        (online[0], (*subject, "OL CHRG")),
        (online[1], (*subject, "100")),
        (online[2], (*subject, "40")),
        (online[3], subject),
        (low[0], (*subject, low[0].params["status"])),
        (low[1], (*subject, f"{low[1].value:.0f}")),
        (low[2], (*subject, f"{(low[2].value or 0) / 60:.0f}")),
        (battery[0], (*subject, battery[0].params["status"])),
        (read(battery_charge=b"60")[1], (*subject, "60")),
        (_pick(unknown_charge, "ups_battery_charge"), subject),
        (read(ups_test_result=b"Done and warning")[-1], subject),
        (read(ups_test_result=b"Aborted")[-1], subject),
        (read(ups_test_result=b"No test initiated")[-1], subject),
        (read(ups_test_result=b"")[-1], subject),
        (ups.inspect("127.0.0.1", "ups", port, timeout=1)[0], ("ups@127.0.0.1", str(port))),
    ]
    for status in (
        "",
        "OL RB",
        "OL OVER",
        "OL BYPASS",
        "OFF",
        "CAL",
        "OB DISCHRG",
        "FSD OL",
        "OB LB",
    ):
        cases.append((read(ups_status=status.encode())[0], (*subject, status)))
    return cases


def role_cases() -> list[Case]:
    """The findings roles/daily_inspection writes itself (its task files' dicts)."""
    return [
        (Finding.from_dict({"area": "insurance", "check": "insurance_gateway", "severity": "unknown",
                            "subject": "insurance-gateway", "plan_item": "P7.5", "params": {},
                            "message": "no medical-insurance gateway configured (daily_inspection_insurance_url)"}),
         ("daily_inspection_insurance_url",)),
        (Finding.from_dict({"area": "ups", "check": "ups_status", "severity": "unknown",
                            "subject": "ups", "plan_item": "P8.2", "params": {},
                            "message": "no UPS configured (daily_inspection_ups)"}),
         ("daily_inspection_ups",)),
        (Finding.from_dict({"area": "workstations", "check": "workstation_checks", "severity": "unknown",
                            "subject": "ward-07", "plan_item": "P5.4", "params": {},
                            "message": "ward-07: the workstation checks did not run: unreachable"}),
         ("ward-07",)),
        (Finding.from_dict({"area": "servers", "check": "host_reachable", "severity": "critical",
                            "subject": "backup-1", "suggested_class": 1,
                            "message": "backup-1 does not answer: Failed to connect",
                            "params": {"error": "Failed to connect"}}),
         ("backup-1", "Failed to connect")),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return (
        network_cases()
        + address_cases()
        + database_cases()
        + server_cases()
        + workstation_cases(tmp_path_factory.mktemp("ws"))
        + insurance_cases()
        + ups_cases()
        + role_cases()
    )


def emitted_checks() -> set[str]:
    """Check names the checkers' source and the role's task files write."""
    names: set[str] = set()
    for path in CHECKERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            position = {"Finding": 1, "finding": 0, "_isolation_finding": 0}.get(node.func.id)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
            elif isinstance(arg, ast.JoinedStr):  # f"{operation}_go"
                names.update({"switchover_go", "failover_go"})
    for path in ROLE_TASKS.glob("*.yml"):
        names.update(re.findall(r"'check':\s*'(\w+)'", path.read_text()))
    return names


def test_every_emitted_check_is_covered(cases: list[Case]) -> None:
    covered = {f.check for f, _figures in cases}
    emitted = emitted_checks()
    assert len(emitted) > 30
    assert emitted - covered == set(), "checks without a Chinese case here"
    assert {check for check, _severity in report.MESSAGES_ZH} <= covered
    severities = {(f.check, f.severity) for f, _figures in cases}
    for check, severity in report.MESSAGES_ZH:
        assert severity == "*" or (check, severity) in severities, (check, severity)


def test_every_pgha_warning_is_read_back() -> None:
    kinds = [database.warning_params(text).get("kind") for text in pgha_warnings()]
    assert sorted(kinds) == sorted(
        ["slot_filling", "slot_unreserved", "slot_lost", "degraded", "degrade_silent",
         "slot_unbounded", "stalled"]
    )  # fmt: skip
    assert database.warning_params("something pgha says one day") == {}


def test_each_finding_is_a_chinese_sentence_with_its_figures(cases: list[Case]) -> None:
    problems = []
    for finding, figures in cases:
        zh = report.localized(finding, "zh")
        assert report.localized(finding, "en") == finding.message
        label = f"{finding.check}/{finding.severity} {finding.subject}: {zh!r}"
        if zh == finding.message or not CJK.search(zh):
            problems.append(f"{label}: English kept")
        if finding.message in zh or re.search(r"None|\{|\}| {2}", zh):
            problems.append(f"{label}: English message, None, a field or a gap in it")
        for figure in figures:
            if figure not in finding.message:
                problems.append(f"{label}: the case's {figure!r} is not in {finding.message!r}")
            if figure not in zh:
                problems.append(f"{label}: {figure!r} lost")
        host = finding.subject.split(":")[0]
        if finding.subject not in ("pair", "insurance-gateway", "arp", "ups") and host not in zh:
            problems.append(f"{label}: subject lost")
    assert not problems, "\n".join(problems)


def test_a_whole_chinese_sheet_has_no_english_finding(cases: list[Case]) -> None:
    findings = [f for f, _figures in cases]
    doc = report.document(
        findings, "2026-12-06T07:00:00Z", "2026-12-06T07:03:10Z", "市第一人民医院"
    )
    html = report.render_html(doc, str(TEMPLATE), "zh")
    for finding in findings:
        assert str(escape(finding.message)) not in html, finding.message
        assert str(escape(report.localized(finding, "zh"))) in html
    english = report.render_html(doc, str(TEMPLATE), "en")
    assert all(str(escape(f.message)) in english for f in findings)
