"""``hisops lab ...`` subcommands (up, down, status, reach, fault)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    lab = sub.add_parser("lab", help="the simulated hospital: switches, DB hosts, workstations")
    lab_sub = lab.add_subparsers(dest="lab_command", metavar="LAB_COMMAND")
    lab_sub.required = True
    status = lab_sub.add_parser("status", help="show the lab")
    status.set_defaults(func=lambda args: print("lab: not implemented yet") or 1)
