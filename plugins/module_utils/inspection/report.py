# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The daily inspection's outputs, from the findings of every area (controller side):

- JSON ``<dir>/<started>.json`` and ``<dir>/latest.json`` (the console reads the latest):
  ``{"started", "finished", "site", "exit_code", "summary", "findings", "areas"}``;
- the sheet, HTML rendered by Jinja2 (what is wrong first, in the site's language);
- a Prometheus textfile (node_exporter's textfile collector), written atomically by
  prometheus_client's ``write_to_textfile``;
- the Nagios exit code and one-line summary (``findings.exit_code``/``summary_line``).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterable, Mapping, Optional

from ..files import write_atomic
from .findings import (
    AREAS,
    EXIT_CODES,
    SEVERITIES,
    Finding,
    exit_code,
    ordered,
    summary_line,
    worst,
)


class ReportError(ValueError):
    """Bad input to the report (a finding that is not one, a bad directory), named."""


LANGUAGES = ("zh", "en")

# Area and severity names on the sheet
LABELS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Daily inspection",
        "site": "Site",
        "started": "Started",
        "finished": "Finished",
        "result": "Result",
        "wrong": "What is wrong",
        "nothing_wrong": "Nothing is wrong.",
        "all": "Everything checked",
        "area": "Area",
        "plan_item": "Plan item",
        "severity": "Severity",
        "subject": "Subject",
        "finding": "Finding",
        "fault_class": "Suggested fault class",
        "action": "Action",
        "expected": "Expected (on purpose)",
        "checked": "checked",
        "areas": {
            "network": "Network",
            "addresses": "Addresses",
            "database": "Database",
            "servers": "Servers",
            "workstations": "Workstations",
            "insurance": "Medical-insurance interface",
            "ups": "UPS",
        },
        "severities": {
            "critical": "CRITICAL",
            "warning": "WARNING",
            "unknown": "UNKNOWN",
            "ok": "OK",
        },
        "classes": {
            1: "Class 1 (whole hospital)",
            2: "Class 2 (regional)",
            3: "Class 3 (single point)",
        },
    },
    "zh": {
        "title": "每日巡检",
        "site": "单位",
        "started": "开始时间",
        "finished": "结束时间",
        "result": "结果",
        "wrong": "异常项",
        "nothing_wrong": "未发现异常。",
        "all": "全部检查项",
        "area": "类别",
        "plan_item": "预案条目",
        "severity": "级别",
        "subject": "对象",
        "finding": "检查结果",
        "fault_class": "建议故障等级",
        "action": "处理命令",
        "expected": "预期偏差（有意为之）",
        "checked": "已检查",
        "areas": {
            "network": "网络",
            "addresses": "IP地址",
            "database": "数据库",
            "servers": "服务器",
            "workstations": "工作站",
            "insurance": "医保接口",
            "ups": "UPS电源",
        },
        "severities": {"critical": "严重", "warning": "警告", "unknown": "未知", "ok": "正常"},
        "classes": {1: "一类（全院）", 2: "二类（区域）", 3: "三类（单点）"},
    },
}


# Chinese sentences per check (and severity), from the finding's params, subject and value;
# a finding whose params do not fill one keeps its English message.
MESSAGES_ZH: dict[tuple[str, str], str] = {
    ("switch_reachable", "ok"): "{subject} 在线",
    ("switch_reachable", "*"): "{subject} 无响应：{error}",
    ("model_firmware", "ok"): "{subject} 型号与固件与登记一致",
    ("model_firmware", "*"): "{subject} 型号或固件与登记不符",
    ("compliance", "ok"): "{subject} 配置与预期一致",
    ("compliance_expected", "*"): "{subject}：{kind} {id} 有意变更的配置（预期偏差）",
    ("compliance_drift", "*"): "{subject} 配置偏离预期（{features}）：{value:.0f} 行无法解释的差异",
    ("interface_down", "*"): "{switch} 端口 {interface} 自上次巡检后断开（{was} → {now}）",
    ("backup_age", "ok"): "{subject} 备份 {value:g} {unit_zh}前",
    ("backup_age", "*"): "{subject} 备份过旧或缺失",
    ("spare_ready", "ok"): "{subject} 备件 {spare} 就绪",
    ("spare_ready", "*"): "{subject} 无就绪备件：{problem}",
    ("unassigned_address", "ok"): "{ip}（{mac}）未在规划中分配，已被隔离",
    ("unassigned_address", "*"): "{ip}（{mac}）未在IP规划中分配，位于 {switch} {port}",
    ("db_node", "ok"): "{subject} 角色：{role}",
    ("db_node", "*"): "{subject} 数据库无响应或已停止",
    ("db_primary", "*"): "没有唯一的主库：{primaries}",
    ("db_standby", "*"): "没有备库：主库单独运行",
    ("replication_lag", "*"): "{subject} 复制延迟 {value:g} 秒",
    ("switchover_go", "ok"): "计划切换：可以执行",
    ("switchover_go", "*"): "计划切换：不可执行",
    ("failover_go", "ok"): "故障切换：可以执行",
    ("failover_go", "*"): "故障切换：不可执行",
    ("postgresql_log", "*"): "{subject} 自上次巡检后 PostgreSQL 日志错误 {value:.0f} 条",
    ("host_reachable", "ok"): "{subject} 运行正常",
    ("host_reachable", "*"): "{subject} 无响应：{error}",
    ("memory", "*"): "{subject} 可用内存 {value:g}%",
    ("disk_free", "*"): "{host}：{path} 剩余空间 {value:g}%",
    ("system_log", "*"): "{host}：{log} 自上次巡检后错误信息 {value:.0f} 条",
    ("load", "*"): "{subject} 负载过高：{load:.1f}（{cpus} 个 CPU）",
}
UNITS_ZH = {"hours": "小时", "days": "天"}


def localized(finding: Finding, language: str) -> str:
    """The finding's sentence in ``language`` (English: its message)."""
    if language != "zh":
        return finding.message
    template = MESSAGES_ZH.get((finding.check, finding.severity)) or MESSAGES_ZH.get(
        (finding.check, "*")
    )
    if not template:
        return finding.message
    values = {
        k: (", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in finding.params.items()
    }
    values.update(
        subject=finding.subject,
        value=finding.value,
        unit_zh=UNITS_ZH.get(finding.unit, finding.unit),
    )
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, TypeError):
        return finding.message


def collect(batches: Iterable[Any]) -> list[Finding]:
    """Findings from the hosts' ``inspection_findings`` lists (dicts), validated."""
    out = []
    for index, batch in enumerate(batches):
        for position, item in enumerate(batch or []):
            if isinstance(item, Finding):
                out.append(item)
                continue
            if not isinstance(item, Mapping):
                raise ReportError(f"findings[{index}][{position}]: not a finding: {item!r}")
            try:
                out.append(Finding.from_dict(item))
            except (TypeError, ValueError) as exc:
                raise ReportError(f"findings[{index}][{position}]: {exc}") from None
    return out


def areas_of(findings: list[Finding], checked: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    areas: dict[str, dict[str, Any]] = {}
    for area in AREAS:
        mine = [f for f in findings if f.area == area]
        if not mine and area not in checked:
            continue
        subjects = len({f.subject for f in mine})
        areas[area] = {"checked": int(checked.get(area, subjects)), "worst": worst(mine)}
    return areas


def document(
    findings: list[Finding],
    started: str,
    finished: str,
    site: str,
    checked: Optional[Mapping[str, int]] = None,
) -> dict[str, Any]:
    return {
        "started": started,
        "finished": finished,
        "site": site,
        "exit_code": exit_code(findings),
        "summary": summary_line(findings),
        "findings": [f.to_dict() for f in ordered(findings)],
        "areas": areas_of(findings, checked or {}),
    }


def stamp(started: str) -> str:
    """A file name from an ISO time: ``2026-12-06T18:04:52+00:00`` -> ``20261206T180452Z``."""
    digits = re.sub(
        r"[^0-9T]", "", started.split("+", maxsplit=1)[0].split(".", maxsplit=1)[0].replace("Z", "")
    )
    return digits[:15] + "Z"


def render_html(doc: Mapping[str, Any], template_path: str, language: str) -> str:
    import jinja2

    if language not in LANGUAGES:
        raise ReportError(f"language: {language!r} is not zh or en")
    labels = LABELS[language]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(template_path)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    findings = [Finding.from_dict(f) for f in doc["findings"]]
    wrong = [f for f in findings if f.severity != "ok"]
    return env.get_template(os.path.basename(template_path)).render(
        doc=doc,
        lang=language,
        t=labels,
        wrong=wrong,
        findings=findings,
        worst=worst(findings),
        area_items=AREAS,
        say=lambda f: localized(f, language),
    )


def write_prom(doc: Mapping[str, Any], path: str, duration_s: float) -> None:
    """The textfile collector's file, written atomically by prometheus_client."""
    from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

    registry = CollectorRegistry()
    by_area = Gauge(
        "hisops_inspection_findings",
        "Findings of the last daily inspection by area and severity",
        ["area", "severity"],
        registry=registry,
    )
    for area in AREAS:
        for severity in SEVERITIES:
            count = sum(
                1 for f in doc["findings"] if f["area"] == area and f["severity"] == severity
            )
            if count or area in doc["areas"]:
                by_area.labels(area, severity).set(count)
    Gauge(
        "hisops_inspection_exit_code",
        "Nagios exit code of the last daily inspection (0 ok, 1 warning, 2 critical, 3 unknown)",
        registry=registry,
    ).set(doc["exit_code"])
    Gauge(
        "hisops_inspection_duration_seconds",
        "Wall time of the last daily inspection",
        registry=registry,
    ).set(duration_s)
    Gauge(
        "hisops_inspection_last_run_timestamp_seconds",
        "When the last daily inspection finished (Unix time)",
        registry=registry,
    ).set(_unix(doc["finished"]))
    values = Gauge(
        "hisops_inspection_value",
        "Measured figures of the last daily inspection (lag, ages, free space, errors)",
        ["area", "check", "subject", "unit"],
        registry=registry,
    )
    for f in doc["findings"]:
        if f.get("value") is not None:
            values.labels(f["area"], f["check"], f["subject"], f.get("unit") or "").set(f["value"])
    os.makedirs(os.path.dirname(path) or ".", mode=0o750, exist_ok=True)
    write_to_textfile(path, registry)


def _unix(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def write_outputs(
    doc: Mapping[str, Any],
    directory: str,
    template_path: str,
    language: str,
    prom_path: str,
    duration_s: float,
) -> dict[str, str]:
    """JSON (the run's and latest.json), the HTML sheet (the run's and latest.html) and the
    textfile; returns their paths."""
    if not directory:
        raise ReportError("dir: the inspection directory is required")
    os.makedirs(directory, mode=0o750, exist_ok=True)
    name = stamp(str(doc["started"]))
    text = json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    paths = {
        "json": os.path.join(directory, f"{name}.json"),
        "latest_json": os.path.join(directory, "latest.json"),
        "html": os.path.join(directory, f"{name}.html"),
        "latest_html": os.path.join(directory, "latest.html"),
        "prom": prom_path or os.path.join(directory, "hisops_inspection.prom"),
    }
    html = render_html(doc, template_path, language)
    for key, content in (
        ("json", text),
        ("latest_json", text),
        ("html", html),
        ("latest_html", html),
    ):
        write_atomic(paths[key], content, 0o640)
    write_prom(doc, paths["prom"], duration_s)
    return paths


def nagios_exit(doc: Mapping[str, Any]) -> int:
    code = int(doc.get("exit_code", 3))
    return code if code in EXIT_CODES.values() else 3
