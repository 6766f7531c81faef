"""The scheduled compliance check's notice (issue 20): when a fail-on-drift run of
switch_compliance finds switches with unexplained drift (or switches it could not read),
the people first in the site's chain (``chain[0]``, the network administrators) are told
through the incident notice channels (console, e-mail over SMTP, webhooks: the site file
of ``hisops incident``). Expected deviations (an open isolation, fence or vendor window)
are named in the notice but are never its reason: a check during an outbreak does not page
for the isolation it holds.

``hisops compliance notice --report var/reports/switch_compliance.json`` (the role runs it
before it fails the drifted switches); exit 0 when nothing was due or one channel
delivered it, 1 when every channel failed, 3 when the report cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from hisops.incident import channels, config
from hisops.incident.errors import IncidentError

_TEXT = {
    "en": {
        "subject": "[hisops] switch compliance: {drifted} switch(es) drifted, {failed} unreadable",
        "head": "The scheduled compliance check ({generated} UTC) found unexplained changes.",
        "drift": "{name}: {count} unexplained line(s):",
        "failed": "{name}: could not be checked: {msg}",
        "expected": "{name}: expected, not a fault: {ids}",
        "foot": "Report: {report}. Fix by hand or with playbooks/switch_deploy.yml "
        "(it keeps open isolations); expected deviations end with their reconnect or window.",
    },
    "zh": {
        "subject": "[hisops] 交换机配置合规：{drifted} 台偏离，{failed} 台无法读取",
        "head": "定时合规检查（{generated} UTC）发现未经计划的配置变更。",
        "drift": "{name}：{count} 行未说明的变更：",
        "failed": "{name}：无法检查：{msg}",
        "expected": "{name}：预期偏差（非故障）：{ids}",
        "foot": "报告：{report}。请手工修正或运行 playbooks/switch_deploy.yml"
        "（保留未解除的隔离）；预期偏差随隔离解除或窗口关闭而消失。",
    },
}


@dataclass
class Notice:
    subject: str
    body: str
    drifted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def due(self) -> bool:
        return bool(self.drifted or self.failed)


def notice_of(report: dict[str, Any], language: str, path: str = "") -> Notice:
    """The notice a compliance report (``switch_compliance.json``) calls for."""
    text = _TEXT.get(language, _TEXT["en"])
    devices = report.get("devices") or {}
    failed = sorted(n for n, r in devices.items() if r.get("failed"))
    drifted = sorted(n for n, r in devices.items() if not r.get("failed") and not r["compliant"])
    lines = [text["head"].format(generated=report.get("generated", "?")), ""]
    for name in drifted:
        drift = devices[name].get("drift") or []
        lines.append(text["drift"].format(name=name, count=len(drift)))
        lines += [f"  {line}" for line in drift[:20]]
    for name in failed:
        lines.append(text["failed"].format(name=name, msg=devices[name].get("msg", "")))
    for name, result in sorted(devices.items()):
        if result.get("expected"):
            ids = ", ".join(f"{e['kind']} {e['id']}" for e in result["expected"])
            lines.append(text["expected"].format(name=name, ids=ids))
    lines += ["", text["foot"].format(report=path or "switch_compliance.json")]
    return Notice(
        subject=text["subject"].format(drifted=len(drifted), failed=len(failed)),
        body="\n".join(lines) + "\n",
        drifted=drifted,
        failed=failed,
    )


def recipients(site: config.Site) -> list[tuple[str, str]]:
    """(channel, target) of the people first in the site's chain, the console when on."""
    found = [("console", "")] if site.channels.get("console", True) else []
    role = site.chain[0] if site.chain else ""
    for person in site.people_in(role):
        found += [("email", str(a)) for a in person.get("email") or []]
        found += [("webhook", str(w)) for w in person.get("webhook") or []]
    return found


def send(notice: Notice, site: config.Site, out: Any = None) -> list[dict[str, str]]:
    """Send ``notice`` through every channel; each one's result (a failure does not stop
    the others, and its text carries no secret: channels scrubs it)."""
    out = out or sys.stdout
    results = []
    for channel, target in recipients(site):
        try:
            if channel == "console":
                out.write(f"[compliance notice] {notice.subject}\n{notice.body}")
                out.flush()
                result = "console"
            elif channel == "email":
                channels.send_email(site.channels["smtp"], target, notice.subject, notice.body)
                result = f"email {target}"
            else:
                channels.send_webhook(site.webhooks, target, notice.subject, notice.body)
                result = f"webhook {target}"
        except channels.ChannelError as exc:
            results.append({"channel": channel, "target": target, "error": str(exc)})
            continue
        except KeyError as exc:  # a webhook name or the smtp settings not in the site file
            error = f"{channel} {target}: {exc} is not configured in the site file"
            results.append({"channel": channel, "target": target, "error": error})
            continue
        results.append({"channel": channel, "target": target, "sent": result})
    return results


def cmd_notice(args: argparse.Namespace) -> int:
    try:
        with open(args.report, encoding="utf-8") as handle:
            report = json.load(handle)
        site = config.load(args.site)
    except (OSError, ValueError) as exc:
        print(f"compliance notice: report {args.report}: {exc}", file=sys.stderr)
        return 3
    except IncidentError as exc:
        print(f"compliance notice: site file: {exc}", file=sys.stderr)
        return 3
    notice = notice_of(report, site.language, args.report)
    if not notice.due:
        print("compliance notice: no unexplained drift, no notice")
        return 0
    results = send(notice, site)
    for entry in results:
        if "error" in entry:
            print(f"compliance notice: not delivered: {entry['error']}", file=sys.stderr)
    return 0 if any("sent" in entry for entry in results) else 1


def register(sub: Any) -> None:
    compliance = sub.add_parser("compliance", help="the scheduled compliance check's notice")
    actions = compliance.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    notice = actions.add_parser(
        "notice",
        help="tell the network administrators about unexplained drift in a compliance report",
    )
    notice.add_argument("--report", required=True, help="switch_compliance.json")
    notice.add_argument(
        "--site", help="the incident site file (default $HISOPS_INCIDENT_CONFIG, the store's)"
    )
    notice.set_defaults(func=cmd_notice)
