"""The inspection's outputs: JSON, the sheet in zh and en, the Prometheus textfile (parsed
back by prometheus_client), the Nagios code and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import report
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.findings import Finding
from prometheus_client.parser import text_string_to_metric_families

TEMPLATE = (
    Path(__file__).resolve().parents[3]
    / "roles"
    / "daily_inspection"
    / "templates"
    / "inspection.html.j2"
)
FINDINGS = [
    Finding("network", "switch_reachable", "ok", "ACC-1", "ACC-1 answers"),
    Finding("network", "switch_reachable", "critical", "CORE-1", "CORE-1 does not answer",
            suggested_class=1),
    Finding("addresses", "unassigned_address", "warning", "10.10.10.150", "10.10.10.150 unassigned",
            suggested_class=3, action="hisops run isolate -e host=10.10.10.150"),
    Finding("servers", "disk_free", "ok", "his-db-1:/", "fine", value=55.0, unit="percent"),
    Finding("network", "compliance_expected", "ok", "AGG-1", "held", expected={"kind": "isolation", "id": "iso-1"}),
]  # fmt: skip


def doc():
    return report.document(
        report.collect([[f.to_dict() for f in FINDINGS[:3]], FINDINGS[3:]]),
        "2026-12-06T07:00:00Z",
        "2026-12-06T07:00:40+00:00",
        "Test hospital",
        {"network": 14},
    )


def test_document_is_worst_first_with_areas_and_nagios() -> None:
    d = doc()
    assert d["exit_code"] == 2
    assert d["summary"].startswith("INSPECTION CRITICAL - 1 critical, 1 warning, 3 ok |")
    assert [f["subject"] for f in d["findings"]][:2] == ["CORE-1", "10.10.10.150"]
    assert d["areas"]["network"] == {"checked": 14, "worst": "critical"}
    assert d["areas"]["addresses"] == {"checked": 1, "worst": "warning"}
    assert set(d) == {"started", "finished", "site", "exit_code", "summary", "findings", "areas"}


def test_bad_findings_are_refused_by_position() -> None:
    with pytest.raises(report.ReportError, match=r"findings\[0\]\[1\]"):
        report.collect([[FINDINGS[0].to_dict(), {"area": "moon", "check": "x"}]])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_outputs_written_sheet_json_prom(tmp_path: Path, language: str) -> None:
    d = doc()
    paths = report.write_outputs(d, str(tmp_path), str(TEMPLATE), language, "", 40.0)
    assert Path(paths["json"]).name == "20261206T070000Z.json"
    assert json.loads(Path(paths["latest_json"]).read_text()) == d
    html = Path(paths["latest_html"]).read_text()
    wrong = html.split('id="wrong"')[1].split("</table>")[0]
    assert wrong.index("CORE-1") < wrong.index("10.10.10.150")  # critical first
    assert "hisops run isolate -e host=10.10.10.150" in wrong and "ACC-1" not in wrong
    assert ("一类（全院）" if language == "zh" else "Class 1 (whole hospital)") in wrong
    assert ("严重" if language == "zh" else "CRITICAL") in wrong
    assert "P4.3" in wrong and "isolation iso-1" in html
    metrics = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(Path(paths["prom"]).read_text())
        for s in family.samples
    }
    assert metrics[("hisops_inspection_exit_code", ())] == 2
    assert (
        metrics[("hisops_inspection_findings", (("area", "network"), ("severity", "critical")))]
        == 1
    )
    assert metrics[("hisops_inspection_duration_seconds", ())] == 40
    key = ("hisops_inspection_value",
           (("area", "servers"), ("check", "disk_free"), ("subject", "his-db-1:/"), ("unit", "percent")))  # fmt: skip
    assert metrics[key] == 55
    assert not list(tmp_path.glob("*.tmp*"))


def test_a_sheet_with_nothing_wrong(tmp_path: Path) -> None:
    d = report.document([FINDINGS[0]], "2026-12-06T07:00:00Z", "2026-12-06T07:00:01Z", "H")
    html = report.render_html(d, str(TEMPLATE), "en")
    assert "Nothing is wrong." in html and d["exit_code"] == 0
    with pytest.raises(report.ReportError, match="language"):
        report.render_html(d, str(TEMPLATE), "fr")


def test_sentences_in_chinese_from_the_params_english_kept_otherwise() -> None:
    down = FINDINGS[1]
    assert report.localized(down, "en") == "CORE-1 does not answer"
    assert report.localized(down, "zh") == "CORE-1 does not answer"  # no params: English kept
    found = Finding(
        "network", "switch_reachable", "critical", "CORE-1", "x", params={"error": "timed out"}
    )
    assert report.localized(found, "zh") == "CORE-1 无响应：timed out"
    disk = Finding("servers", "disk_free", "critical", "b:/srv", "x",
                   params={"host": "backup-1", "path": "/srv/backup"}, value=0.0, unit="percent")  # fmt: skip
    assert report.localized(disk, "zh") == "backup-1：/srv/backup 剩余空间 0%"
    d = report.document([found, disk], "2026-12-06T07:00:00Z", "2026-12-06T07:00:01Z", "H")
    html = report.render_html(d, str(TEMPLATE), "zh")
    assert "CORE-1 无响应：timed out" in html and "剩余空间 0%" in html
