"""``hisops state``: the hospital's deliberate state at a glance, and who holds which lock.

What every workflow reads before it acts (module_utils/state): open isolations, vendor
windows, fences, spare swaps, rollouts and switchovers in progress, and the switches and
database pairs locked by a run right now. An engineer who finds a playbook waiting looks
here to see who holds what.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from hisops.runner import REPO_ROOT


def _state_modules():
    collections = str(REPO_ROOT / "collections")
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.hisops.emergency.plugins.module_utils.state import store

    return store


def state_dir(given: str | None = None) -> str:
    return given or os.environ.get("HISOPS_STATE_DIR") or str(REPO_ROOT / "var" / "state")


def snapshot(directory: str, include_closed: bool = False, limit: int = 50) -> dict[str, Any]:
    store = _state_modules()
    state = store.StateStore(directory)
    holds = state.history(limit) if include_closed else state.active()
    return {
        "state_dir": directory,
        "holds": [h.as_dict() for h in holds],
        "locks": state.locks.held(),
    }


def render(data: dict[str, Any]) -> str:
    lines = [f"deliberate state in {data['state_dir']}"]
    if not data["holds"]:
        lines.append(
            "  nothing held: no open isolation, window, fence, swap, rollout or switchover"
        )
    for hold in data["holds"]:
        who = ", ".join(e.get("name") or e.get("ip") or e.get("mac") for e in hold["endpoints"][:6])
        more = len(hold["endpoints"]) - 6
        lines.append(f"  {hold['state']:<6} {hold['kind']:<13} {hold['id']}  {hold['key']}")
        lines.append(
            f"         by {hold['opened_by'] or '?'} at {hold['opened_at']}"
            + (
                f", closed by {hold['closed_by']} at {hold['closed_at']}"
                if hold["state"] == "closed"
                else ""
            )
        )
        if hold["summary"]:
            lines.append(f"         {hold['summary']}")
        if hold["devices"]:
            lines.append(f"         switches: {', '.join(hold['devices'])}")
        if who:
            lines.append(f"         cut off: {who}" + (f" and {more} more" if more > 0 else ""))
        for key, value in sorted(hold["details"].items()):
            if key in ("partial", "fence_of"):
                lines.append(f"         {key}: {value}")
    if data["locks"]:
        lines.append("locks held now:")
        for resource, holder in sorted(data["locks"].items()):
            lines.append(
                f"  {resource}: {holder.get('operator')} ({holder.get('operation')}) pid "
                f"{holder.get('pid')} on {holder.get('host')} since {holder.get('since')}"
            )
    else:
        lines.append("no lock is held")
    return "\n".join(lines)


# Holds a person may close by hand: the others close with their own workflow, which also
# undoes what they did (reconnect, vendor_access_close, db_rejoin).
CLOSABLE = ("spare_swap", "rollout", "switchover")


def cmd_close(args: argparse.Namespace) -> int:
    store = _state_modules()
    state = store.StateStore(state_dir(args.state_dir))
    hold = state.get(args.id)
    if hold is None:
        print(
            f"hisops state close: id: no hold {args.id} (hisops state lists them)", file=sys.stderr
        )
        return 2
    if hold.kind not in CLOSABLE:
        workflow = {
            "isolation": "playbooks/reconnect.yml",
            "vendor_window": "playbooks/vendor_access_close.yml",
            "db_fence": "playbooks/db_rejoin.yml",
        }.get(hold.kind, "its own workflow")
        print(
            f"hisops state close: {args.id} is a {hold.kind}: it closes with {workflow}, which also "
            "undoes it; nothing was changed",
            file=sys.stderr,
        )
        return 2
    if hold.state == "closed":
        print(f"{args.id} is already closed (by {hold.closed_by} at {hold.closed_at})")
        return 0
    if not (args.reason or "").strip():
        print(
            "hisops state close: reason: say why (e.g. 'AGG-1 repaired and back in the rack')",
            file=sys.stderr,
        )
        return 2
    hold.details["closed_reason"] = args.reason.strip()
    state.put(hold)
    closed = state.close(args.id, operator=args.by or _operator())
    print(f"{args.id} closed by {closed.closed_by} at {closed.closed_at}: {args.reason.strip()}")
    return 0


def _operator() -> str:
    from hisops.runner import operator_name

    return operator_name()


def cmd_state(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) == "close":
        return cmd_close(args)
    directory = state_dir(args.state_dir)
    if not Path(directory, "state.db").exists() and not Path(directory, "locks").exists():
        data = {"state_dir": directory, "holds": [], "locks": {}}
    else:
        data = snapshot(directory, include_closed=args.all)
    print(json.dumps(data, indent=2, sort_keys=True) if args.json else render(data))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "state",
        help="the hospital's deliberate state (open isolations, windows, fences, swaps, rollouts) and locks",
        description="What every workflow consults before it acts, and the locks held right now.",
    )
    parser.add_argument("--state-dir", help="default: $HISOPS_STATE_DIR or var/state")
    parser.add_argument("--all", action="store_true", help="closed holds too (the latest 50)")
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=cmd_state, action="show")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    close = actions.add_parser(
        "close",
        help=f"close a hold that ends by hand ({', '.join(CLOSABLE)})",
        description="Close a spare swap once the failed unit is back, or a rollout or switchover "
        "whose run died; isolations, vendor windows and fences close with their own workflow.",
    )
    close.add_argument("id", help="the hold's id, as hisops state shows it")
    close.add_argument("--reason", required=True, help="why it ends (recorded)")
    close.add_argument("--by", help="who closes it (default: $HISOPS_OPERATOR or the login user)")
    close.add_argument("--state-dir", help="default: $HISOPS_STATE_DIR or var/state")
