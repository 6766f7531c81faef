"""``hisops inspect``: the daily inspection for monitoring (Nagios/Icinga, a systemd timer,
cron). Runs playbooks/daily_inspection.yml, prints the one-line summary and exits with
the Nagios code the inspection wrote (0 ok, 1 warning, 2 critical, 3 unknown); a run that
wrote no sheet (the playbook itself failed) is UNKNOWN, 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from hisops import runner

PLAYBOOK = "daily_inspection"
REPO_ROOT = Path(__file__).resolve().parents[1]


def inspection_dir(extravars: dict[str, Any], given: str | None = None) -> Path:
    """Where the inspection writes: --dir, -e daily_inspection_dir, $HISOPS_INSPECTION_DIR,
    else the project's var/inspections (the role's default)."""
    chosen = (
        given
        or extravars.get("daily_inspection_dir")
        or os.environ.get("HISOPS_INSPECTION_DIR")
        or str(REPO_ROOT / "var" / "inspections")
    )
    return Path(chosen)


def latest(directory: Path, since: float) -> dict[str, Any] | None:
    """The inspection JSON written by this run (``latest.json`` newer than ``since``)."""
    path = directory / "latest.json"
    try:
        if path.stat().st_mtime < since:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cmd_inspect(args: argparse.Namespace) -> int:
    from hisops.cli import _extravars

    extravars = _extravars(args.extra_vars)
    if args.open_incident:
        extravars["inspection_open_incident"] = True
    if args.language:
        extravars["daily_inspection_language"] = args.language
    directory = inspection_dir(extravars, args.dir)
    extravars["daily_inspection_dir"] = str(directory)
    started = time.time() - 1
    try:
        result = runner.run_playbook(
            PLAYBOOK,
            inventory=args.inventory,
            extravars=extravars,
            limit=args.limit,
            quiet=not args.verbose,
        )
    except FileNotFoundError as exc:
        print(f"INSPECTION UNKNOWN - {exc}")
        return 3
    doc = latest(directory, started)
    if doc is None:
        print(
            f"INSPECTION UNKNOWN - the inspection wrote no sheet (playbook {result.status}, "
            f"rc={result.rc}; run record {result.record})"
        )
        return 3
    print(doc["summary"])
    if args.verbose:
        print(f"sheet: {directory / 'latest.html'}  json: {directory / 'latest.json'}")
    code = int(doc.get("exit_code", 3))
    return code if code in (0, 1, 2, 3) else 3


def register(sub: Any) -> None:
    p = sub.add_parser(
        "inspect",
        help="the daily inspection; prints the Nagios summary, exits 0/1/2/3",
        description="Run playbooks/daily_inspection.yml (network, addresses, database, servers, "
        "workstations, insurance, UPS), print the one-line summary and exit with the Nagios "
        "code: 0 ok, 1 warning, 2 critical, 3 unknown.",
    )
    p.add_argument("-i", "--inventory", help="inventory (default: ansible.cfg's)")
    p.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS")
    p.add_argument("-l", "--limit")
    p.add_argument(
        "--dir", help="output directory (default $HISOPS_INSPECTION_DIR or var/inspections)"
    )
    p.add_argument("--language", choices=["zh", "en"], help="language of the sheet")
    p.add_argument(
        "--open-incident",
        action="store_true",
        help="a critical finding opens an incident (hisops incident open)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show the playbook's output")
    p.set_defaults(func=cmd_inspect)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hisops")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["inspect", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
