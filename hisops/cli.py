"""The ``hisops`` command: one entry point for operators (lab, drill, playbook runs)."""

from __future__ import annotations

import argparse
import json
import sys

from hisops import runner
from hisops.incident.errors import IncidentError


def _extravars(pairs: list[str]) -> dict:
    """``-e key=value`` (repeatable) or ``-e '{"json": 1}'`` or ``-e @file.yml``."""
    import yaml

    result: dict = {}
    for item in pairs or []:
        if item.startswith("@"):
            with open(item[1:], encoding="utf-8") as handle:
                result.update(yaml.safe_load(handle) or {})
        elif item.lstrip().startswith("{"):
            result.update(json.loads(item))
        elif "=" in item:
            key, value = item.split("=", 1)
            result[key] = yaml.safe_load(value) if value else ""
        else:
            raise SystemExit(f"hisops: -e {item!r}: expected key=value, JSON or @file")
    return result


def cmd_run(args: argparse.Namespace) -> int:
    try:
        result = runner.run_playbook(
            args.playbook,
            inventory=args.inventory,
            extravars=_extravars(args.extra_vars),
            check=args.check,
            diff=args.diff,
            limit=args.limit,
            forks=args.forks,
            quiet=args.json,
            incident=args.incident,
        )
    except FileNotFoundError as exc:
        print(f"hisops: {exc}", file=sys.stderr)
        return 2
    except IncidentError as exc:
        print(f"hisops run: {exc} (the playbook was not run)", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(f"\nrun {result.ident}: {result.status} (rc={result.rc})")
        print(f"  run record: {result.record}")
        print(f"  artifacts:  {result.artifacts}")
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    from hisops import compliance_notice, drill, inspection_cli, state_cli
    from hisops.awx import export as awx_export
    from hisops.console import cli as console_cli
    from hisops.incident import cli as incident_cli
    from hisops.lab import cli as lab_cli

    parser = argparse.ArgumentParser(
        prog="hisops",
        description="Hospital IT emergency plan automation: lab, drills, playbook runs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser(
        "run",
        help="run a playbook through ansible-runner (run record + artifacts)",
        description="Run playbooks/<PLAYBOOK>.yml; every run leaves a run record "
        "(JSON lines) and ansible-runner artifacts under var/records/.",
    )
    run.add_argument("playbook", help="playbook name (e.g. switch_backup) or path")
    run.add_argument("-i", "--inventory", help="inventory (default: ansible.cfg's)")
    run.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS")
    run.add_argument("-l", "--limit")
    run.add_argument("-f", "--forks", type=int)
    run.add_argument("--check", action="store_true", help="preview: change nothing")
    run.add_argument("--diff", action="store_true", help="show before/after")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    run.add_argument(
        "--incident", help="an open incident the run is for (default $HISOPS_INCIDENT)"
    )
    run.set_defaults(func=cmd_run)

    drill.register(sub)
    inspection_cli.register(sub)
    lab_cli.register(sub)
    state_cli.register(sub)
    incident_cli.register(sub)
    console_cli.register(sub)
    compliance_notice.register(sub)
    awx_export.register(sub)
    return parser


# Options whose value may be a relative time written with a leading minus (-20m): argparse
# takes "-20m" for an option of its own ("expected one argument"); joined as --opt=-20m.
RELATIVE_TIME_OPTIONS = ("--occurred", "--found", "--at")


def _join_relative_times(argv: list[str]) -> list[str]:
    joined: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        following = argv[index + 1] if index + 1 < len(argv) else ""
        if word in RELATIVE_TIME_OPTIONS and following[:1] == "-" and following[1:2].isdigit():
            joined.append(f"{word}={following}")
            index += 2
            continue
        joined.append(word)
        index += 1
    return joined


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_relative_times(list(sys.argv[1:] if argv is None else argv)))
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
