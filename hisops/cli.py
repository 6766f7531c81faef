"""The ``hisops`` command: one entry point for operators (lab, drill, playbook runs)."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from hisops.lab import cli as lab_cli

    parser = argparse.ArgumentParser(
        prog="hisops",
        description="Hospital IT emergency plan automation: lab, drills, playbook runs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    lab_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
