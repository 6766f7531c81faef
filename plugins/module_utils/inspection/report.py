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
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Union

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


# Chinese sentences per check (and severity), from the finding's params, subject and value.
# An entry is one template or a tuple of candidates tried in order: the first whose
# ``when`` patterns match (``re.search`` on the param's text, "" when it is absent) and
# whose fields the finding has (a param that is None, "" or empty is absent) is the
# sentence; (check, severity) before (check, "*"); a finding no candidate fits keeps its
# English message.
@dataclass(frozen=True)
class Only:
    """A candidate sentence for the findings whose params match ``when``."""

    text: str
    when: Mapping[str, str] = field(default_factory=dict)


Candidate = Union[str, Only]
UPS = "UPS电源 {subject}："
MESSAGES_ZH: dict[tuple[str, str], Union[str, tuple[Candidate, ...]]] = {
    # network (P4.3)
    ("switch_reachable", "ok"): "{subject} 在线",
    ("switch_reachable", "*"): "{subject} 无响应：{error}",
    ("model_firmware", "ok"): (
        "{subject}：型号 {found[model]}，固件 {found[firmware]}，与登记一致",
        "{subject} 型号与固件与登记一致",
    ),
    ("model_firmware", "*"): (
        Only("{subject} 固件与登记不符：登记为 {recorded[firmware]}，实际为 {found[firmware]}",
             {"differs": "^firmware$"}),
        Only("{subject} 型号与登记不符：登记为 {recorded[model]}，实际为 {found[model]}",
             {"differs": "^model$"}),
        "{subject} 型号与固件均与登记不符：登记为 {recorded[model]} {recorded[firmware]}，"
        "实际为 {found[model]} {found[firmware]}",
        "{subject} 型号或固件与登记不符",
    ),
    ("compliance", "ok"): "{subject} 配置与预期一致",
    ("compliance", "unknown"): "{subject}：{intended_dir} 下没有它的预期配置，无法比对",
    ("compliance_expected", "*"): (
        "{subject}：{count} 行配置因{kind_zh} {id} 有意变更（预期偏差）",
        "{subject}：{kind} {id} 有意变更的配置（预期偏差）",
    ),
    ("compliance_drift", "*"): "{subject} 配置偏离预期（{features}）：{value:.0f} 行无法解释的差异",
    ("interface_down", "*"): "{switch} 端口 {interface} 自上次巡检后断开（{was} → {now}）",
    ("backup_age", "ok"): (
        Only("备份目标 {subject}：最新副本是 {value:g} 天前的", {"unit": "^days$"}),
        "{subject} 上次备份在 {value:g} {unit_zh}前",
    ),
    ("backup_age", "*"): (
        "{subject} 上次备份已过去 {value:g} 小时，超过 {max_hours:g} 小时",
        "备份目标 {subject}：最新副本已有 {value:g} 天，应于 {overdue_since} 完成的备份没有做",
        "备份目标 {subject}：最新副本已有 {value:g} 天，超过期限",
        Only("备份目标 {subject}：备份历史中没有副本", {"unit": "^days$"}),
        "备份库中没有 {subject} 的备份",
    ),
    ("spare_ready", "ok"): "{subject} 备件 {spare} 就绪",
    ("spare_ready", "*"): "{subject} 无就绪备件：{problem}",
    # addresses (P4.4)
    ("arp_read", "*"): "{subject}：未读取到ARP表：{error}",
    ("unassigned_address", "ok"): (
        "{ip}（{mac}）位于 {switch} {port}，未在IP规划中分配，已隔离（{expected_kind_zh} {expected_id}）",
        "{ip}（{mac}）未在IP规划中分配，已隔离（{expected_kind_zh} {expected_id}）",
        "{ip}（{mac}）未在规划中分配，已被隔离",
        "核心交换机ARP表中的 {value:.0f} 个地址均已在IP规划中分配",
    ),
    ("unassigned_address", "*"): (
        "{ip}（{mac}）在 VLAN {vlan} {vlan_name} 中，未在IP规划中分配，位于 {switch} {port}",
        "{ip}（{mac}）不属于规划中的任何VLAN，未分配，位于 {switch} {port}",
        "{ip}（{mac}）在 VLAN {vlan} {vlan_name} 中，未在IP规划中分配（未找到端口：{locate_error}）",
        "{ip}（{mac}）不属于规划中的任何VLAN，未分配（未找到端口：{locate_error}）",
        "{ip}（{mac}）在 VLAN {vlan} {vlan_name} 中，未在IP规划中分配",
        "{ip}（{mac}）未在IP规划中分配",
    ),
    # database (P6.4)
    ("db_node", "ok"): "{subject} 数据库角色：{role_zh}",
    ("db_node", "*"): (
        "{subject} 数据库无响应：{error}",
        Only("{subject}：PostgreSQL 已停止", {"role": "^stopped$"}),
        Only("{subject} 数据库无响应", {"role": "^unreachable$"}),
        "{subject} 数据库无响应或已停止",
    ),
    ("db_primary", "*"): (
        "{primaries} 都是主库：不是主备对（备库从未建立，或故障切换后两边都被写入）",
        "没有主库：HIS数据库无法写入",
    ),
    ("db_standby", "*"): "没有备库：主库单独运行",
    ("replication_lag", "warning"): (
        "{subject} 复制落后主库 {human}（{seconds:.0f} 秒，超过 {max_seconds:g} 秒）",
    ),
    ("replication_lag", "*"): (
        "{subject} 复制落后主库 {human}",
        "{subject} 复制落后主库 {bytes} 字节",
        "{subject} 复制延迟 {value:g} 秒",
    ),
    ("switchover_go", "ok"): ("计划切换：可以执行，{standbys} 可接替主库 {primary}", "计划切换：可以执行"),
    ("switchover_go", "*"): ("计划切换：不可执行（{reasons}）", "计划切换：不可执行"),
    ("failover_go", "ok"): ("故障切换：可以执行，可将 {standbys} 提升为主库", "故障切换：可以执行"),
    ("failover_go", "*"): ("故障切换：不可执行（{reasons}）", "故障切换：不可执行"),
    ("db_warning", "*"): (
        Only("{node} 上的复制槽 {slot} 已丢失：{standby} 所需的WAL已被删除，须重新克隆（db_rejoin）",
             {"kind": "^slot_lost$"}),
        Only("{node} 上的复制槽 {slot} 保留了 {held}，已超过上限 {bound}：下次检查点将删除 "
             "{standby} 所需的WAL，之后须重新克隆；请立即执行 db_rejoin",
             {"kind": "^slot_unreserved$"}),
        Only("{node} 上的复制槽 {slot} 保留了 {held} WAL，已达上限 {bound} 的 {percent}%"
             "（max_slot_wal_keep_size）：请在达到上限前恢复 {standby}（db_rejoin），否则须重新克隆",
             {"kind": "^slot_filling$"}),
        Only("{node} 上的复制槽 {slot} 未在使用，保留了 {held} 且没有上限"
             "（max_slot_wal_keep_size = -1）：磁盘写满时主库将停止；请执行 db_standby_build 设置上限",
             {"kind": "^slot_unbounded$"}),
        Only("已降级：{node} 自 {since} 起以异步方式运行（{reason}）；备库恢复同步前，提交的事务"
             "不在备库上，此时故障切换可能丢失数据",
             {"kind": "^degraded$"}),
        Only("写入停滞：{node} 处于严格同步模式，{reason}；请恢复备库（db_rejoin），或用 "
             "db_standby_build -e db_standby_build_sync_mode=async 放行写入",
             {"kind": "^stalled$"}),
        Only("{node} 的同步降级服务已 {age_s} 秒未更新记录：服务未运行（备库离开期间写入会卡住）；"
             "请启动 hisops-sync-degrade 或执行 db_standby_build",
             {"kind": "^degrade_silent$"}),
        "数据库主备告警：{message}",  # a warning pgha says in a way not read back yet
    ),
    ("db_status", "*"): "未读取到数据库主备状态",
    ("backup_figures", "*"): ("{subject}：未读取到备份数据：{error}", "{subject}：未读取到备份数据"),
    ("postgresql_log", "unknown"): "{subject}：PostgreSQL 日志 {log} 无法读取",
    ("postgresql_log", "ok"): "{subject} 自上次巡检后 PostgreSQL 日志无错误",
    ("postgresql_log", "*"): (
        "{subject} 自上次巡检后 PostgreSQL 日志错误 {value:.0f} 条（{counts_text}）",
        "{subject} 自上次巡检后 PostgreSQL 日志错误 {value:.0f} 条",
    ),
    # servers (P8.1)
    ("host_reachable", "ok"): (
        "{subject} 运行正常：已运行 {uptime_days:.1f} 天，负载 {load}",
        "{subject} 运行正常",
    ),
    ("host_reachable", "*"): "{subject} 无响应：{error}",
    ("memory", "*"): (
        "{subject} 可用内存 {value:.0f}%（共 {total_gib:.1f} GiB）",
        "{subject} 可用内存 {value:g}%",
    ),
    ("disk_free", "*"): (
        "{host}：{path} 剩余 {free_gib:.2f} GiB（{value:.0f}%，共 {total_gib:.1f} GiB）",
        "{host}：{path} 剩余空间 {value:g}%",
    ),
    ("system_log", "unknown"): (
        "{subject}：没有可读的系统日志（已查看 {looked_at}）",
        "{subject}：没有可读的系统日志",
    ),
    ("system_log", "*"): "{host}：{log} 自上次巡检后错误信息 {value:.0f} 条",
    ("load", "*"): "{subject} 负载过高：5分钟平均 {load:.1f}（{cpus} 个 CPU）",
    # workstations (P5.4, P5.5, P7.3)
    ("antivirus_signatures", "ok"): (
        "{subject}：病毒库 {file} 版本 {version}，构建于 {built_at}，{value:.0f} 小时前",
    ),
    ("antivirus_signatures", "unknown"): (
        "{subject}：无法读取病毒库：{error}",
        "{subject}：无法读取病毒库",
    ),
    ("antivirus_signatures", "*"): (
        "{subject}：病毒库 {file} 版本 {version} 构建于 {built_at}，已 {value:.0f} 小时未更新"
        "（上限 {limit_hours:.0f} 小时）",
        "{subject}：没有 ClamAV 病毒库（daily.cvd/daily.cld）",
    ),
    ("antivirus_scan", "ok"): (
        "{subject}：上次定时病毒扫描（{files} 个文件，结束于 {ended}）未发现病毒",
        "{subject}：上次定时病毒扫描（{files} 个文件）未发现病毒",
    ),
    ("antivirus_scan", "critical"): (
        Only("{subject}：上次定时病毒扫描发现 {infected} 个染毒文件：{found}", {"infected": "^[1-9]"}),
        "{subject}：上次定时病毒扫描未完成（没有扫描摘要）",
    ),
    ("antivirus_scan", "warning"): (
        Only("{subject}：上次定时病毒扫描（{files} 个文件，结束于 {ended}）有 {errors} 个错误",
             {"errors": "^[1-9]"}),
        Only("{subject}：上次定时病毒扫描（{files} 个文件）有 {errors} 个错误", {"errors": "^[1-9]"}),
        "{subject}：上次定时病毒扫描（{files} 个文件，结束于 {ended}）已超过 {max_hours:.0f} 小时"
        "（{value:.0f} 小时前）",
        "{subject}：上次定时病毒扫描（{files} 个文件）没有结束时间，按超过 {max_hours:.0f} 小时计",
        Only("{subject}：没有定时病毒扫描记录", {"files": "^$"}),
    ),
    ("usb_storage_blocked", "ok"): "{subject}：已禁用U盘等USB存储（{files}）",
    ("usb_storage_blocked", "warning"): (
        "{subject}：usb-storage 只被列入黑名单（手动 modprobe 仍可加载）："
        "缺少 install usb-storage /bin/true"
    ),
    ("usb_storage_blocked", "*"): (
        Only("{subject}：usb_storage 模块已加载，U盘可以使用", {"loaded": "^True$"}),
        "{subject}：未禁用USB存储（没有 usb-storage 的 modprobe 规则）",
    ),
    ("internet_route", "unknown"): (
        "{subject}：无法检查互联网路由：{error}",
        "{subject}：无法检查互联网路由",
    ),
    ("internet_route", "*"): (
        Only("{subject}：已连通互联网上的 {probe}（{probe_result_zh}），经 {route[gateway]} {route[dev]}",
             {"probe_result": "^(connected|refused)$"}),
        Only("{subject}：已连通互联网上的 {probe}（{probe_result_zh}），经 {route[dev]} 直连",
             {"probe_result": "^(connected|refused)$"}),
        Only("{subject}：已连通互联网上的 {probe}（{probe_result_zh}）",
             {"probe_result": "^(connected|refused)$"}),
        Only("{subject}：有到互联网的路由（{probe} 经 {route[gateway]} {route[dev]}），但出口已封锁"
             "（nftables 表 {egress_table}）", {"egress_blocked": "^True$"}),
        Only("{subject}：有到互联网的路由（{probe} 经 {route[dev]} 直连），但出口已封锁"
             "（nftables 表 {egress_table}）", {"egress_blocked": "^True$"}),
        "{subject}：有到互联网的路由（{probe} 经 {route[gateway]} {route[dev]}），且没有出口封锁",
        "{subject}：有到互联网的路由（{probe} 经 {route[dev]} 直连），且没有出口封锁",
        Only("{subject}：没有到互联网的路由（{probe} 不可达）", {"route": "^$"}),
    ),
    ("client_version", "*"): (
        "{subject}：HIS客户端{state_zh}（运行 {actual}，应为 {expected}）：{reason}",
        "{subject}：HIS客户端{state_zh}（运行 {actual}，应为 {expected}）",
        "{subject}：HIS客户端{state_zh}（应为 {expected}）",
        "{subject}：HIS客户端{state_zh}：{reason}",
        "{subject}：HIS客户端{state_zh}",
    ),
    ("workstation_reachable", "*"): "{subject}：SSH 无响应",
    ("workstation_checks", "*"): (
        "{subject}：工作站检查未执行：{error}",
        "{subject}：工作站检查未执行",
    ),
    # medical-insurance interface (P7.5)
    ("insurance_gateway", "ok"): "医保接口 {url} 签到成功，耗时 {latency_ms:.0f} 毫秒",
    ("insurance_gateway", "warning"): (
        "医保接口 {url} 响应慢：签到耗时 {latency_ms:.0f} 毫秒（上限 {warn_ms:.0f} 毫秒）"
    ),
    ("insurance_gateway", "critical"): (
        "医保接口 {url} 无响应：{error}",
        "医保接口 {url} 拒绝签到（infcode {infcode}：{err_msg}）",
        "医保接口 {url} 拒绝签到（infcode {infcode}）",
        "医保接口 {url} 返回 HTTP {status}",
        "医保接口 {url} 没有有效应答",
    ),
    ("insurance_gateway", "unknown"): "未配置医保接口地址（daily_inspection_insurance_url）",
    # UPS (P8.2)
    ("ups_reachable", "*"): "UPS电源 {subject} 无响应：{error}",
    ("ups_status", "ok"): UPS + "市电供电（{status}）",
    ("ups_status", "warning"): (
        Only(UPS + "市电供电，电池需要更换（{status}）", {"status": r"\bRB\b"}),
        Only(UPS + "市电供电，但已过载（{status}）", {"status": r"\bOVER\b"}),
        Only(UPS + "处于旁路，未经UPS保护（{status}）", {"status": r"\bBYPASS\b"}),
        Only(UPS + "输出已关闭（{status}）", {"status": r"\bOFF\b"}),
        UPS + "状态 {status}",
    ),
    ("ups_status", "critical"): (
        Only(UPS + "电池电量低（{status}），后端服务器即将断电", {"status": r"\b(LB|FSD)\b"}),
        Only(UPS + "电池供电（{status}），市电已中断", {"status": r"\bOB\b"}),
        Only(UPS + "没有状态数据（驱动数据可能已过期）", {"status": "^$"}),
    ),
    ("ups_status", "unknown"): "未配置UPS电源（daily_inspection_ups）",
    ("ups_battery_charge", "unknown"): UPS + "没有报告电池电量（battery.charge）",
    ("ups_battery_charge", "*"): UPS + "电池电量 {charge:.0f}%",
    ("ups_battery_runtime", "warning"): (
        UPS + "电池仅可供电 {runtime_min:.0f} 分钟（下限 {warn_min:.0f} 分钟）"
    ),
    ("ups_battery_runtime", "*"): UPS + "电池可供电 {runtime_min:.0f} 分钟",
    ("ups_self_test", "warning"): UPS + "没有自检记录",
    ("ups_self_test", "critical"): UPS + "上次自检未通过：{result_zh}",
    ("ups_self_test", "*"): UPS + "上次自检：{result_zh}",
}  # fmt: skip
UNITS_ZH = {"hours": "小时", "days": "天"}
# Words of params in Chinese (``{<param>_zh}``; a word not listed stays as it is)
VALUES_ZH: dict[str, dict[str, str]] = {
    "role": {"primary": "主库", "standby": "备库", "stopped": "已停止", "unreachable": "无响应"},
    "kind": {"isolation": "隔离", "vendor_window": "厂商维护窗口", "db_fence": "数据库隔离"},
    "expected_kind": {
        "isolation": "隔离",
        "vendor_window": "厂商维护窗口",
        "db_fence": "数据库隔离",
    },
    "state": {
        "current": "已是最新版本",
        "isolated": "所在工作站已隔离",
        "unknown": "版本未知",
        "behind": "版本落后",
        "rolled_back": "已回滚",
        "failed": "更新失败",
        "offline": "离线",
    },
    "probe_result": {"connected": "连接成功", "refused": "对方拒绝连接，但已到达"},
    "result": {
        "Done and passed": "通过",
        "Done and warning": "完成但有警告",
        "Done and error": "失败",
        "Aborted": "已中止",
    },
}


def _absent(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple, dict)) and not value)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
    return str(value)


def _values(finding: Finding) -> dict[str, Any]:
    """What a template may name: the params (lists joined, mappings kept for
    ``{found[model]}`` and as ``<name>_text``), their Chinese words, the subject, the value,
    its unit, the expected deviation's kind and id, and the English message (for what only
    it says)."""
    raw: dict[str, Any] = dict(finding.params)
    if finding.expected:
        raw.setdefault("expected_kind", finding.expected.get("kind"))
        raw.setdefault("expected_id", finding.expected.get("id"))
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if _absent(value):
            continue
        if isinstance(value, Mapping):
            values[key] = value
            values[f"{key}_text"] = _text(value)
            continue
        values[key] = _text(value) if isinstance(value, (list, tuple)) else value
        words = VALUES_ZH.get(key)
        if words is not None:
            values[f"{key}_zh"] = words.get(str(value), str(value))
    values["subject"] = finding.subject
    values["message"] = finding.message
    if finding.value is not None:
        values["value"] = finding.value
    if finding.unit:
        values["unit_zh"] = UNITS_ZH.get(finding.unit, finding.unit)
    return values


def _fits(candidate: Candidate, raw: Mapping[str, Any]) -> bool:
    if isinstance(candidate, str):
        return True
    for key, pattern in candidate.when.items():
        value = raw.get(key)
        if not re.search(pattern, "" if _absent(value) else _text(value)):
            return False
    return True


def localized(finding: Finding, language: str) -> str:
    """The finding's sentence in ``language`` (English: its message)."""
    if language != "zh":
        return finding.message
    values = _values(finding)
    for key in ((finding.check, finding.severity), (finding.check, "*")):
        entry = MESSAGES_ZH.get(key)
        if entry is None:
            continue
        for candidate in (entry,) if isinstance(entry, str) else entry:
            if not _fits(candidate, {**finding.params, "unit": finding.unit}):
                continue
            text = candidate if isinstance(candidate, str) else candidate.text
            try:
                sentence = text.format(**values)
            except (KeyError, IndexError, ValueError, TypeError):
                continue
            return re.sub(
                r" +(?=[，。；：（）])|(?<=[，。；：（）]) +", "", re.sub(r" {2,}", " ", sentence)
            )
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
