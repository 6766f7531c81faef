"""The workstation checks on real formats: ClamAV's database header and clamscan's log,
modprobe.d files as kmod reads them, ``ip -j route get`` output, nftables' listing of the
egress table, and the client audit's verdicts."""

from __future__ import annotations

import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import workstations as ws
from ansible_collections.hisops.emergency.plugins.module_utils.workstation import hardening

from hisops.lab.hosts.inspection import cvd_bytes, scan_run_text

# The first 512 bytes of a daily.cvd freshclam downloaded (sigtool --info prints
# "Build time: 14 Nov 2024 09:46 +0000", "Version: 27457", "Signatures: 2068318").
REAL_HEADER = (
    b"ClamAV-VDB:14 Nov 2024 09-46 +0000:27457:2068318:90:"
    b"0a4ad2c5e8b7c3f1d6e9a8b7c6d5e4f3:"
    b"Vi0bDnDPGyNiT2X9nFhXl8z7yq1rMwK5pJ3uA6sT9eR2oL4iN8gH1fC0bY7vZ5xQ:raynman:1731577575"
).ljust(512, b" ")

# clamscan -r -i --log=/var/log/clamav/clamscan-daily.log /home (ClamAV 1.0), two runs
REAL_LOG = """
-------------------------------------------------------------------------------


----------- SCAN SUMMARY -----------
Known viruses: 8692894
Engine version: 1.0.7
Scanned directories: 204
Scanned files: 1790
Infected files: 0
Data scanned: 398.12 MB
Data read: 380.44 MB (ratio 1.05:1)
Time: 91.520 sec (1 m 31 s)
Start Date: 2026:12:05 02:00:01
End Date:   2026:12:05 02:01:33

-------------------------------------------------------------------------------

/home/his/Downloads/eicar.com: Win.Test.EICAR_HDB-1 FOUND
/home/his/Downloads/invoice.pdf.exe: Win.Test.EICAR_HDB-1 FOUND

----------- SCAN SUMMARY -----------
Known viruses: 8692894
Engine version: 1.0.7
Scanned directories: 204
Scanned files: 1792
Infected files: 2
Total errors: 1
Data scanned: 398.20 MB
Data read: 380.50 MB (ratio 1.05:1)
Time: 93.011 sec (1 m 33 s)
Start Date: 2026:12:06 02:00:01
End Date:   2026:12:06 02:01:34
"""

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
NOW_LOCAL = datetime(2026, 12, 6, 8, 0)


def test_real_cvd_header_as_sigtool_reads_it() -> None:
    db = ws.parse_cvd_header(REAL_HEADER)
    assert db.version == 27457 and db.signatures == 2068318 and db.builder == "raynman"
    assert db.build_time == datetime(2024, 11, 14, 9, 46, 15, tzinfo=UTC)
    # without the seconds field (older databases) the time string is read
    old = REAL_HEADER.rsplit(b":", 1)[0].ljust(512, b" ")
    assert ws.parse_cvd_header(old).build_time == datetime(2024, 11, 14, 9, 46, tzinfo=UTC)
    with pytest.raises(ws.WorkstationCheckError, match="not a ClamAV database"):
        ws.parse_cvd_header(b"\x1f\x8b\x08" + b"\0" * 509)


def test_the_lab_stand_in_writes_the_same_format(tmp_path: Path) -> None:
    built = datetime(2026, 12, 6, 6, 30, tzinfo=UTC)
    (tmp_path / "daily.cvd").write_bytes(cvd_bytes(built, 27480))
    (tmp_path / "daily.cld").write_bytes(cvd_bytes(built - timedelta(days=1), 27479))
    db = ws.read_signature_db(str(tmp_path))
    assert db is not None and db.file == "daily.cvd" and db.version == 27480
    assert db.build_time == built
    start = datetime(2026, 12, 6, 2, 0, 0)
    for result, finished, infected in (
        ("clean", True, 0),
        ("infected", True, 1),
        ("failed", False, 0),
    ):
        run = ws.parse_scan_log(REAL_LOG + scan_run_text(start, result))
        assert run is not None and run.finished is finished and run.infected == infected


def test_last_scan_of_a_real_log() -> None:
    run = ws.parse_scan_log(REAL_LOG)
    assert run is not None and run.finished
    assert (run.infected, run.errors, run.scanned_files) == (2, 1, 1792)
    assert run.end == datetime(2026, 12, 6, 2, 1, 34)
    assert run.found == (
        "/home/his/Downloads/eicar.com: Win.Test.EICAR_HDB-1 FOUND",
        "/home/his/Downloads/invoice.pdf.exe: Win.Test.EICAR_HDB-1 FOUND",
    )
    assert ws.parse_scan_log("") is None
    # killed mid-run: a run mark and no summary
    died = ws.parse_scan_log(REAL_LOG + "\n" + "-" * 79 + "\n\n/home/x: Can't open ERROR\n")
    assert died is not None and not died.finished


def _db(hours: float) -> ws.SignatureDb:
    return ws.SignatureDb("daily.cld", NOW - timedelta(hours=hours), 27480, 2071839, 90, "raynman")


@pytest.mark.parametrize(("hours", "severity"), [(5, "ok"), (72, "warning"), (240, "critical")])
def test_signature_age(hours: float, severity: str) -> None:
    clean = ws.ScanRun(True, 0, 0, 1790, end=NOW_LOCAL - timedelta(hours=6))
    found = ws.antivirus_findings("pha-01", _db(hours), clean, NOW, NOW_LOCAL)
    sig = next(f for f in found if f.check == "antivirus_signatures")
    assert sig.severity == severity and sig.value == pytest.approx(hours)
    assert sig.plan_item == "P5.4" and sig.unit == "h"
    assert next(f for f in found if f.check == "antivirus_scan").severity == "ok"


def test_scan_results() -> None:
    def scan_finding(scan: ws.ScanRun | None) -> ws.Finding:
        found = ws.antivirus_findings("pha-01", _db(1), scan, NOW, NOW_LOCAL, address="10.30.0.5")
        return next(f for f in found if f.check == "antivirus_scan")

    infected = scan_finding(ws.parse_scan_log(REAL_LOG))
    assert infected.severity == "critical" and infected.suggested_class == 1
    assert "eicar.com" in infected.message and "-e host=10.30.0.5" in infected.action
    failed = scan_finding(ws.ScanRun(finished=False))
    assert failed.severity == "critical" and "did not finish" in failed.message
    stale = scan_finding(ws.ScanRun(True, 0, 0, 10, end=NOW_LOCAL - timedelta(days=3)))
    assert stale.severity == "warning" and "older than 36 h" in stale.message
    errors = scan_finding(ws.ScanRun(True, 0, 2, 10, end=NOW_LOCAL - timedelta(hours=2)))
    assert errors.severity == "warning" and "2 error" in errors.message
    assert scan_finding(None).severity == "warning"
    none = ws.antivirus_findings("pha-01", None, None, NOW, NOW_LOCAL)[0]
    assert none.severity == "critical" and "no ClamAV signature database" in none.message


def test_usb_storage_as_kmod_reads_modprobe_d(tmp_path: Path) -> None:
    etc, lib = tmp_path / "etc", tmp_path / "lib"
    etc.mkdir()
    lib.mkdir()
    roots = (str(etc), str(lib))
    (lib / "usb.conf").write_text("install usb-storage /bin/true\n")
    (etc / "usb.conf").write_text("# local override\noptions usb_storage delay_use=1\n")
    # /etc's file of the same name hides /lib's: not blocked
    state = ws.usb_storage_state(ws.modprobe_files(roots))
    assert not state.install_blocked and not state.blacklisted
    assert ws.usb_findings("ws", state)[0].severity == "critical"
    (etc / "usb.conf").unlink()
    (etc / "hisops-usb-storage.conf").write_text(hardening.MODPROBE_CONTENT)
    state = ws.usb_storage_state(ws.modprobe_files(roots))
    assert state.install_blocked and state.blacklisted
    assert ws.usb_findings("ws", state)[0].severity == "ok"
    (etc / "hisops-usb-storage.conf").write_text("blacklist usb_storage  # udev only\n")
    (lib / "usb.conf").unlink()
    state = ws.usb_storage_state(ws.modprobe_files(roots))
    assert ws.usb_findings("ws", state)[0].severity == "warning"
    modules = "usb_storage 81920 0 - Live 0x0000000000000000\nuas 32768 0 - Live 0x0\n"
    loaded = ws.usb_storage_state([], modules)
    assert loaded.loaded and ws.usb_findings("ws", loaded)[0].severity == "critical"


ROUTE_JSON = (
    '[{"dst":"114.114.114.114","gateway":"192.0.2.1","dev":"eth0","prefsrc":"192.0.2.2",'
    '"flags":[],"uid":0,"cache":[]}]'
)


def _ip(stdout: str = "", stderr: str = "", rc: int = 0):
    def run(argv, **_kw):
        assert argv[:4] == ["ip", "-j", "route", "get"]
        return subprocess.CompletedProcess(argv, rc, stdout, stderr)

    return run


def test_route_and_egress() -> None:
    route = ws.route_to("114.114.114.114", _ip(ROUTE_JSON))
    assert route is not None and route["gateway"] == "192.0.2.1"
    assert ws.route_to("8.8.8.8", _ip("", "RTNETLINK answers: Network is unreachable\n", 2)) is None
    with pytest.raises(ws.WorkstationCheckError):
        ws.route_to("8.8.8.8", _ip("", "Error: any valid prefix is expected\n", 1))
    table = "hisops_egress"
    open_route = ws.internet_findings("ws", route, False, table, "114.114.114.114")[0]
    assert open_route.severity == "critical" and "via 192.0.2.1 dev eth0" in open_route.message
    blocked = ws.internet_findings("ws", route, True, table, "114.114.114.114", "rejected")[0]
    assert blocked.severity == "ok" and table in blocked.message
    assert ws.internet_findings("ws", None, False, table, "x")[0].severity == "ok"
    reached = ws.internet_findings("ws", route, True, table, "114.114.114.114", "connected")[0]
    assert reached.severity == "critical"


def test_tcp_probe_on_real_sockets() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert ws.tcp_probe("127.0.0.1", port, 1) == "connected"
    assert ws.tcp_probe("127.0.0.1", port, 1) == "refused"


def test_client_audit_verdicts() -> None:
    by_host = ws.client_findings(
        [
            {"host": "opd-01", "state": "current", "expected": "2.0.0", "actual": "2.0.0"},
            {"host": "opd-02", "state": "behind", "expected": "2.1.0", "actual": "2.0.0",
             "reason": "never updated"},
            {"host": "pha-01", "state": "offline", "expected": "2.1.0", "actual": None},
            {"host": "pha-02", "state": "isolated", "reason": "ISO-7 (pharmacy outbreak)"},
        ]
    )  # fmt: skip
    assert by_host["opd-01"][0].severity == "ok" and by_host["opd-01"][0].plan_item == "P7.3"
    assert (
        by_host["opd-02"][0].severity == "warning"
        and "remediate=true" in by_host["opd-02"][0].action
    )
    assert [f.check for f in by_host["pha-01"]] == ["client_version", "workstation_reachable"]
    assert by_host["pha-01"][1].severity == "critical"
    assert by_host["pha-02"][0].expected == {"kind": "isolation", "id": "ISO-7 (pharmacy outbreak)"}


# ---------------------------------------------------------------------------- hardening
# ``nft list table inet ...`` of the table workstation_harden loads with egress_scope
# cgroup (nftables 1.0.6, Debian 12): the networks in numeric order, the cgroup by path
NFT_LISTING = """table inet hisops_egress_hisops_2d245835_ws_1 {
\tchain output {
\t\ttype filter hook output priority filter; policy accept;
\t\tsocket cgroupv2 level 2 "unified/hisops-2d245835/ws-1" ip daddr != { 10.0.0.0/8, 127.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } reject with icmpx admin-prohibited
\t\tsocket cgroupv2 level 2 "unified/hisops-2d245835/ws-1" ip6 daddr != ::1 reject with icmpx admin-prohibited
\t}
}
"""  # noqa: E501
PROC_CGROUP = "9:name=systemd:/\n8:pids:/hisops-2d245835/ws-1\n1:cpu:/\n0::/hisops-2d245835/ws-1\n"
MOUNTINFO = (
    "35 25 0:30 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
    "cgroup2 rw,nsdelegate\n"
    "36 25 0:31 / /sys/fs/cgroup/pids rw,nosuid shared:11 - cgroup cgroup rw,pids\n"
)


def test_the_rendered_table_is_nftables_own_listing() -> None:
    path, level = hardening.own_cgroup(PROC_CGROUP, MOUNTINFO)
    assert (path, level) == ("unified/hisops-2d245835/ws-1", 2)
    scope = hardening.scope_from_path(path, level)
    networks = hardening.check_networks(
        ["192.168.0.0/16", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12"]
    )
    assert hardening.render_table(scope, networks) == NFT_LISTING
    host = hardening.render_table(hardening.Scope("hisops_egress", ""), ["10.0.0.0/8"])
    assert "\t\tip daddr != 10.0.0.0/8 reject with icmpx admin-prohibited\n" in host


@pytest.mark.parametrize(
    ("nets", "field"),
    [
        ([], "allowed_networks"),
        (["10.0.0.1/8"], "allowed_networks"),
        (["fd00::/8"], "allowed_networks"),
    ],
)
def test_bad_networks_refused_naming_the_field(nets: list[str], field: str) -> None:
    with pytest.raises(hardening.HardeningError) as info:
        hardening.harden(allowed_networks=nets, check_mode=True)
    assert info.value.field == field


class FakeNft:
    """nft as the module calls it: list (the live table) and -f (load)."""

    def __init__(self, live: str = "") -> None:
        self.live = live
        self.loaded: list[str] = []

    def __call__(self, argv, stdin=None):
        if argv[1] == "list":
            return subprocess.CompletedProcess(argv, 0 if self.live else 1, self.live, "")
        self.loaded.append(stdin)
        self.live = stdin.split("delete table inet hisops_egress\n", 1)[1]
        return subprocess.CompletedProcess(argv, 0, "", "")


def test_harden_check_mode_then_apply_then_idempotent(tmp_path: Path) -> None:
    conf = str(tmp_path / "modprobe.d" / "hisops-usb-storage.conf")
    nft = FakeNft()
    preview = hardening.harden(modprobe_file=conf, check_mode=True, run=nft)
    assert preview["changed"] and len(preview["diff"]) == 2 and not nft.loaded
    assert not Path(conf).exists()
    done = hardening.harden(modprobe_file=conf, run=nft)
    assert done["changed"] and Path(conf).read_text() == hardening.MODPROBE_CONTENT
    assert nft.loaded[0].startswith("table inet hisops_egress\ndelete table inet hisops_egress\n")
    again = hardening.harden(modprobe_file=conf, run=nft)
    assert not again["changed"] and again["commands"] == [] and len(nft.loaded) == 1
    nft.live = nft.live.replace("172.16.0.0/12, ", "")  # someone loosened the rule by hand
    fixed = hardening.harden(modprobe_file=conf, run=nft)
    assert fixed["changed"] and fixed["commands"] == ["nft -f - (table inet hisops_egress)"]
