"""``hisops lab ...``: up, down, status, reach, fault, link, recable, config, tables, generate."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hisops.lab.client import LabClient, LabError
from hisops.lab.faults import FAULT_KINDS


def register(sub: argparse._SubParsersAction) -> None:
    lab = sub.add_parser("lab", help="the simulated hospital: switches, DB hosts, workstations")
    lab.add_argument(
        "--state-dir", help="lab state directory (default: $HISOPS_LAB_DIR or var/lab)"
    )
    lab_sub = lab.add_subparsers(dest="lab_command", metavar="LAB_COMMAND")
    lab_sub.required = True

    up = lab_sub.add_parser("up", help="start the lab in the background, print its inventory")
    up.add_argument("--topology", help="topology YAML (default: the hospital)")
    up.add_argument("--relocate", type=int, metavar="N", help="serve on 127.N.x.y instead")
    up.add_argument(
        "--boot-seconds",
        type=float,
        metavar="S",
        help="downtime of a switch reloaded from its own CLI (default: the engine's)",
    )
    up.add_argument(
        "--hosts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start the real DB/workstation/backup hosts of the topology too "
        "(default; --no-hosts for switches only, which boots in about a second)",
    )
    up.set_defaults(func=cmd_up)

    down = lab_sub.add_parser("down", help="stop the lab and remove its state")
    down.set_defaults(func=cmd_down)

    status = lab_sub.add_parser("status", help="show the lab (exit 1 when it is down)")
    status.add_argument("--json", action="store_true", help="machine-readable")
    status.set_defaults(func=cmd_status)

    reach = lab_sub.add_parser("reach", help="can endpoint SRC reach DST now? (exit 1: no)")
    reach.add_argument("src", help="endpoint name or IP")
    reach.add_argument("dst", help="endpoint name or IP")
    reach.add_argument("--protocol", default="ip", help="ip, tcp, udp, icmp (default ip)")
    reach.add_argument("--port", type=int, help="destination port for tcp/udp")
    reach.add_argument("--json", action="store_true")
    reach.set_defaults(func=cmd_reach)

    fault = lab_sub.add_parser(
        "fault",
        help="inject a fault into a device, or clear its faults",
        description="Kinds: "
        + ", ".join(FAULT_KINDS)
        + ", clear. Options as KEY=VALUE: unreachable mode=refuse|blackhole, slow ms=N, "
        "drop count=N (0 = every command), reboot seconds=N.",
    )
    fault.add_argument("device")
    fault.add_argument("kind", choices=[*FAULT_KINDS, "clear"])
    fault.add_argument("options", nargs="*", metavar="KEY=VALUE")
    fault.add_argument("--json", action="store_true")
    fault.set_defaults(func=cmd_fault)

    link = lab_sub.add_parser("link", help="cut or restore a cable: link cut A:port B:port")
    link.add_argument("action", choices=["cut", "restore"])
    link.add_argument("a", metavar="A:PORT")
    link.add_argument("b", metavar="B:PORT")
    link.set_defaults(func=cmd_link)

    recable = lab_sub.add_parser(
        "recable",
        help="move every cable of FAILED to SPARE (the technician after a spare swap)",
        description="Every cable and endpoint plugged into FAILED moves to the same-named "
        "port of SPARE, or to the port given as FAILED_PORT=SPARE_PORT. `lab reset` "
        "(whole lab) puts the topology's cabling back.",
    )
    recable.add_argument("failed")
    recable.add_argument("spare")
    recable.add_argument("port_map", nargs="*", metavar="FAILED_PORT=SPARE_PORT")
    recable.add_argument("--json", action="store_true")
    recable.set_defaults(func=cmd_recable)

    clock = lab_sub.add_parser(
        "clock",
        help="show the lab's time, or move every device's clock forward",
        description="The devices' clocks (display/show clock, ACL time ranges) are the "
        "host's clock plus an offset. --advance SECONDS moves them forward, as if that "
        "time had passed (a vendor window closing, a night shift); timers already running "
        "keep their pace. `lab reset` (whole lab) sets the clocks back.",
    )
    clock.add_argument("--advance", type=float, default=0.0, metavar="SECONDS")
    clock.set_defaults(func=cmd_clock)

    config = lab_sub.add_parser("config", help="print a device's running (or saved) config")
    config.add_argument("device")
    config.add_argument("--saved", action="store_true")
    config.set_defaults(func=cmd_config)

    table = lab_sub.add_parser("table", help="a device's MAC or ARP table from the data plane")
    table.add_argument("device")
    table.add_argument("which", choices=["mac", "arp"])
    table.add_argument("--json", action="store_true")
    table.set_defaults(func=cmd_table)

    generate = lab_sub.add_parser("generate", help="write an N-switch topology for scale work")
    generate.add_argument("--switches", type=int, required=True)
    generate.add_argument("--endpoints-per-access", type=int, default=2)
    generate.add_argument(
        "--platforms",
        help="comma-separated platforms to rotate (huawei,hp_comware,cisco_ios,ruijie_os; "
        "default: huawei,hp_comware,cisco_ios)",
    )
    generate.add_argument("-o", "--output", help="file to write (default: stdout)")
    generate.set_defaults(func=cmd_generate)

    validate = lab_sub.add_parser("validate", help="check a topology file")
    validate.add_argument("topology", nargs="?")
    validate.set_defaults(func=cmd_validate)

    host = lab_sub.add_parser("host", help="the real lab hosts (labs started with --hosts)")
    host_sub = host.add_subparsers(dest="host_command", metavar="HOST_COMMAND")
    host_sub.required = True
    host_status = host_sub.add_parser("status", help="power, reachability, faults per host")
    host_status.add_argument("--json", action="store_true")
    host_status.set_defaults(func=cmd_host_status)
    host_fault = host_sub.add_parser(
        "fault",
        help="inject a host fault",
        description="Kinds: unreachable, slow (rate_kbit=N), disk_full ([path=/p] "
        "[free_bytes=N]), crash (service=postgresql|NAME), clock_skew (seconds=N). "
        "disk_full fills the host's own disk (everything it writes outside /run and /tmp: "
        "/opt, /var/lib/postgresql, /srv/backup, /root, /etc ...) until free_bytes are left "
        "(default 0): files already there stay, writes needing new space fail with "
        "ENOSPC; path, if given, must be on that disk. The disk stays full across power "
        "cycles until 'hisops lab host clear NAME disk_full', which frees the space.",
        epilog="example: hisops lab host fault doc-03 disk_full path=/opt/his-client",
    )
    host_fault.add_argument("name")
    host_fault.add_argument("kind")
    host_fault.add_argument("options", nargs="*", metavar="KEY=VALUE")
    host_fault.set_defaults(func=cmd_host_fault)
    host_clear = host_sub.add_parser("clear", help="clear a host's faults (one kind or all)")
    host_clear.add_argument("name")
    host_clear.add_argument("kind", nargs="?")
    host_clear.set_defaults(func=cmd_host_clear)
    host_power = host_sub.add_parser("power", help="power-off, power-on or reboot a host")
    host_power.add_argument("name")
    host_power.add_argument("action", choices=["power-off", "power-on", "reboot"])
    host_power.set_defaults(func=cmd_host_power)
    for verb, text in (
        ("plug", "plug the backup host's removable drive in (mounted at /srv/removable)"),
        ("unplug", "pull the backup host's removable drive out (its copies stay on it)"),
    ):
        drive = host_sub.add_parser(verb, help=text)
        drive.add_argument("name", help="a backup host, e.g. backup-1")
        drive.set_defaults(func=cmd_host_drive, drive_action=verb)
    for parser in host_sub.choices.values():
        parser.add_argument("--state-dir", dest="state_dir_sub", help=argparse.SUPPRESS)

    reset = lab_sub.add_parser(
        "reset", help="devices back to their startup config, faults cleared, links restored"
    )
    reset.add_argument("device", nargs="?", help="only this device (default: the whole lab)")
    reset.set_defaults(func=cmd_reset)

    for parser in lab_sub.choices.values():
        if not any(a.dest == "state_dir_sub" for a in parser._actions):
            parser.add_argument("--state-dir", dest="state_dir_sub", help=argparse.SUPPRESS)


def _client(args: argparse.Namespace) -> LabClient:
    return LabClient(getattr(args, "state_dir_sub", None) or args.state_dir)


def _fail(message: str) -> int:
    print(f"hisops lab: {message}", file=sys.stderr)
    return 1


def _reports_lab_errors(
    command: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """A lab command whose LabError (the lab refused, or is not in the state asked for) is
    said in one line on stderr with exit code 1."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except LabError as exc:
            return _fail(str(exc))

    return run


@_reports_lab_errors
def cmd_up(args: argparse.Namespace) -> int:
    client = _client(args)
    started = time.monotonic()
    client.up(
        args.topology, relocate=args.relocate, hosts=args.hosts, boot_seconds=args.boot_seconds
    )
    status = client.status()
    elapsed = time.monotonic() - started
    print(
        f"lab up: {len(status['devices'])} devices in {elapsed:.1f} s "
        f"(pid {status['pid']}, state {client.state.root})",
        file=sys.stderr,
    )
    print(status["inventory"])
    return 0


@_reports_lab_errors
def cmd_down(args: argparse.Namespace) -> int:
    client = _client(args)
    was_up = client.down()
    if was_up:
        print(f"lab down ({client.state.root})")
    else:
        print(f"no lab was running in {client.state.root}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    client = _client(args)
    try:
        status = client.status()
    except LabError as exc:
        if args.json:
            print(json.dumps({"state_dir": str(client.state.root), "running": False}))
        return _fail(str(exc))
    status["state_dir"] = str(client.state.root)
    status["running"] = True
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"lab {status['topology']} (pid {status['pid']})")
    columns = ("name", "platform", "model", "role", "address", "answers on", "state", "faults")
    for column in (*columns, "sessions"):
        table.add_column(column)
    for device in status["devices"]:
        state = device["state"]
        style = "green" if state == "up" else "red"
        answers = device.get("answers_on")
        if answers is None:  # nowhere: powered off, no/unknown/duplicate management IP
            answers = f"[red]none[/red] ({device.get('answers_on_reason') or state})"
        elif answers != device["host"]:
            answers = f"[yellow]{answers}[/yellow] ({device.get('mgmt_ip_now')})"
        table.add_row(
            device["name"],
            device["platform"],
            device["model"],
            device["role"],
            f"{device['host']}:{device['port']}",
            answers,
            f"[{style}]{state}[/{style}]",
            ", ".join(device["faults"]),
            str(device["sessions"]),
        )
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(table)
    bad_links = [link for link in status["links"] if link["state"] != "up"]
    for link in bad_links:
        console.print(f"link {link['a']} <-> {link['b']}: [red]{link['state']}[/red]")
    console.print(f"inventory: {status['inventory']}")
    return 0


@_reports_lab_errors
def cmd_reach(args: argparse.Namespace) -> int:
    result = _client(args).reach(args.src, args.dst, args.protocol, args.port)
    if args.json:
        print(json.dumps(result, indent=2))
    elif result["reachable"]:
        via = f" (routed by {result['routed_by']})" if result["routed_by"] else ""
        print(f"{args.src} -> {args.dst}: reachable{via}\n  path: {result['path_text']}")
    else:
        print(
            f"{args.src} -> {args.dst}: NOT reachable\n  at {result['device']}: {result['reason']}"
        )
    return 0 if result["reachable"] else 1


@_reports_lab_errors
def cmd_clock(args: argparse.Namespace) -> int:
    result = _client(args).clock(args.advance)
    print(f"lab time: {result['now']} (host clock + {result['offset_seconds']:.0f} s)")
    return 0


def _options(pairs: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise LabError(f"fault option {pair!r}: expected KEY=VALUE (e.g. ms=300)")
        options[key] = value
    return options


@_reports_lab_errors
def cmd_fault(args: argparse.Namespace) -> int:
    client = _client(args)
    if args.kind == "clear":
        result = client.clear(args.device)
    else:
        result = client.fault(args.device, args.kind, **_options(args.options))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        faults = ", ".join(result["faults"]) or "no faults"
        print(f"{result['name']}: {result['state']}, {faults}")
    return 0


@_reports_lab_errors
def cmd_link(args: argparse.Namespace) -> int:
    client = _client(args)
    if args.action == "cut":
        client.cut_link(args.a, args.b)
    else:
        client.restore_link(args.a, args.b)
    print(f"link {args.a} <-> {args.b}: {'cut' if args.action == 'cut' else 'restored'}")
    return 0


@_reports_lab_errors
def cmd_recable(args: argparse.Namespace) -> int:
    port_map: dict[str, str] = {}
    for pair in args.port_map:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            return _fail(f"{pair!r} is not FAILED_PORT=SPARE_PORT")
        port_map[old] = new
    result = _client(args).recable(args.failed, args.spare, port_map)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for move in result["moved"]:
        print(f"{move['from']} -> {move['to']} ({move['peer']})")
    for pulled in result["unplugged"]:
        print(f"unplugged: {pulled}")
    return 0


@_reports_lab_errors
def cmd_config(args: argparse.Namespace) -> int:
    text = _client(args).config(args.device, "saved" if args.saved else "running")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


@_reports_lab_errors
def cmd_table(args: argparse.Namespace) -> int:
    client = _client(args)
    rows = client.mac_table(args.device) if args.which == "mac" else client.arp_table(args.device)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        if args.which == "mac":
            print(f"{row['mac']}  vlan {row['vlan']:<5} {row['port']}")
        else:
            print(
                f"{row['ip']:<16} {row['mac']}  vlan {row['vlan']:<5} {row['interface']} {row['port']}"
            )
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from hisops.lab.generate import dump, scale_topology

    try:
        platforms = [p.strip() for p in args.platforms.split(",")] if args.platforms else None
        text = dump(scale_topology(args.switches, args.endpoints_per_access, platforms))
    except ValueError as exc:
        return _fail(str(exc))
    if args.output:
        Path(args.output).write_text(text)
        print(args.output)
    else:
        sys.stdout.write(text)
    return 0


@_reports_lab_errors
def cmd_host_status(args: argparse.Namespace) -> int:
    rows = _client(args).hosts()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        # ok, ssh (only its sshd's TCP 22 passes) or cut, with the data plane's reason
        network = "ok" if row["network"] == "ok" else f"{row['network']} ({row['network_reason']})"
        faults = ", ".join(row["faults"]) + (" unreachable" if row["fault_unreachable"] else "")
        print(
            f"{row['name']:<14} {row['kind']:<13} {row['address']:<15} {row['power']:<4} "
            f"network {network}  {faults.strip()}"
        )
    return 0


@_reports_lab_errors
def cmd_host_fault(args: argparse.Namespace) -> int:
    result = _client(args).host_fault(args.name, args.kind, **_options(args.options))
    print(f"{args.name}: {args.kind} {json.dumps(result)}")
    return 0


@_reports_lab_errors
def cmd_host_clear(args: argparse.Namespace) -> int:
    _client(args).host_clear(args.name, args.kind)
    print(f"{args.name}: {args.kind or 'all faults'} cleared")
    return 0


@_reports_lab_errors
def cmd_host_power(args: argparse.Namespace) -> int:
    _client(args).host_power(args.name, args.action)
    print(f"{args.name}: {args.action}")
    return 0


@_reports_lab_errors
def cmd_host_drive(args: argparse.Namespace) -> int:
    """The removable drive is the fault ``drive_unplugged``: unplug sets it, plug clears it."""
    if args.drive_action == "unplug":
        _client(args).host_fault(args.name, "drive_unplugged")
    else:
        _client(args).host_clear(args.name, "drive_unplugged")
    print(f"{args.name}: removable drive {args.drive_action}ged")
    return 0


@_reports_lab_errors
def cmd_reset(args: argparse.Namespace) -> int:
    names = _client(args).reset(args.device)
    print(f"reset: {', '.join(names)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from hisops.lab.topology import TopologyError, load_topology

    try:
        topology = load_topology(args.topology)
    except TopologyError as exc:
        return _fail(str(exc))
    print(
        f"{topology.source}: {len(topology.devices)} devices, {len(topology.links)} links, "
        f"{len(topology.endpoints)} endpoints: valid"
    )
    return 0
