"""``hisops console``: serve the operator console, or write its static snapshot once."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from hisops.console.server import DEFAULT_BIND, DEFAULT_PORT, DEFAULT_REFRESH
from hisops.incident.messages import LANGUAGES


def _paths(args: argparse.Namespace):  # -> Paths
    from hisops.console.sources import Paths

    return Paths.defaults(
        topology=args.topology,
        state_dir=args.state_dir,
        db_status=args.db_status,
        ledger=args.ledger,
        incident_dir=args.incident_dir,
        incident_config=args.incident_config,
        inspection=args.inspection,
    )


def cmd_console(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if args.snapshot:
        from hisops.console.snapshot import write_snapshot

        try:
            written = write_snapshot(
                paths.inspection, args.snapshot, language=args.lang, paths=paths
            )
        except OSError as exc:
            print(f"hisops console: --snapshot {args.snapshot}: {exc}", file=sys.stderr)
            return 2
        print(written)
        return 0
    if args.refresh < 5:
        print("hisops console: --refresh: at least 5 seconds", file=sys.stderr)
        return 2
    from hisops.console.server import make_server

    try:
        server = make_server(
            paths, bind=args.bind, port=args.port, language=args.lang, refresh=args.refresh
        )
    except OSError as exc:
        print(f"hisops console: --bind {args.bind} --port {args.port}: {exc}", file=sys.stderr)
        return 2
    host, port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{host}]" if ":" in host else host
    print(f"hisops console: http://{shown}:{port}/ (read-only; Ctrl-C stops it)", flush=True)
    if not ipaddress.ip_address(host).is_loopback:
        print(
            f"hisops console: listening on {host}: the console has no login, anyone who "
            "reaches this address reads the hospital's state",
            file=sys.stderr,
            flush=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "console",
        help="the operator console: the hospital drawn and coloured by state (read-only web page)",
        description="Serve the operator console (GET only) on the controller's own address, "
        "or write its static snapshot once with --snapshot DIR.",
    )
    parser.add_argument(
        "--bind",
        default=os.environ.get("HISOPS_CONSOLE_BIND") or DEFAULT_BIND,
        help=f"address to listen on (default $HISOPS_CONSOLE_BIND or {DEFAULT_BIND})",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument(
        "--lang", choices=LANGUAGES, help="the page's language (default: the site's)"
    )
    parser.add_argument(
        "--refresh",
        type=int,
        default=DEFAULT_REFRESH,
        help=f"seconds between the open page's refreshes (default {DEFAULT_REFRESH})",
    )
    parser.add_argument("--snapshot", metavar="DIR", help="write console.html/.json and exit")
    sources = parser.add_argument_group("sources (defaults: the environment, then var/)")
    sources.add_argument(
        "--topology",
        help="the site's topology (default $HISOPS_TOPOLOGY or the lab's hospital.yml)",
    )
    sources.add_argument("--state-dir", help="the state store (default $HISOPS_STATE_DIR)")
    sources.add_argument("--db-status", help="the db_status report (db_status.json)")
    sources.add_argument("--ledger", help="the client ledger (default $HISOPS_CLIENT_LEDGER)")
    sources.add_argument("--incident-dir", help="the incident store (default $HISOPS_INCIDENT_DIR)")
    sources.add_argument(
        "--incident-config", help="the site file (default $HISOPS_INCIDENT_CONFIG)"
    )
    sources.add_argument(
        "--inspection", help="the last inspection's JSON (default var/inspections/latest.json)"
    )
    parser.set_defaults(func=cmd_console)
