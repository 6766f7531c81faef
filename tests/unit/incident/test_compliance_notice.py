"""The scheduled compliance check's notice (issue 20) through the incident channels: a real
SMTP server (aiosmtpd, with a login) and a WeCom-shaped webhook, the fixtures of
test_incident_channels. Unexplained drift is told to the network administrators with the
drifted lines, expected deviations named as not a fault; expected deviations alone, no
notice; a channel that fails does not stop the others and leaks no secret."""

# ruff: noqa: F811 (smtp and webhook are the fixtures of test_incident_channels)
from __future__ import annotations

import io
import json
import subprocess
import sys

import yaml
from test_incident_channels import PASSWORD, REPO_ROOT, smtp, webhook  # noqa: F401

from hisops import compliance_notice
from hisops.incident import config

ISO = "iso-20261206T080000Z-aaaaaa"
REPORT = {
    "generated": "2026-12-06T09:15:00+00:00",
    "devices": {
        "CORE-1": {
            "failed": False,
            "compliant": False,
            "drift": ["+ interface Vlanif50: description changed by hand"],
            "expected": [
                {"kind": "isolation", "id": ISO, "lines": ["+ interface Vlanif50: shutdown"]}
            ],
        },
        "AGG-1": {"failed": False, "compliant": True, "drift": [], "expected": []},
        "ACC-3": {"failed": True, "msg": "ACC-3: no answer on 127.0.0.9:22 within 8 s"},
    },
}


def _site(tmp_path, smtp, webhook, monkeypatch, language="en", smtp_port=None) -> str:
    monkeypatch.setenv("HISOPS_TEST_SMTP_PW", PASSWORD)
    monkeypatch.setenv(
        "HISOPS_TEST_WEBHOOK", f"http://127.0.0.1:{webhook.server_address[1]}/send?key=tok-9"
    )
    site = {
        "language": language,
        "people": [
            {
                "id": "wang",
                "name": "Wang",
                "role": "network_admin",
                "email": ["wang@h.example"],
                "webhook": ["netops"],
            },
            {"id": "li", "name": "Li", "role": "it_head", "email": ["li@h.example"]},
        ],
        "channels": {
            "console": True,
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp_port or smtp.port,
                "from": "hisops@h.example",
                "username": "hisops",
                "password_env": "HISOPS_TEST_SMTP_PW",
            },
            "webhooks": {"netops": {"url_env": "HISOPS_TEST_WEBHOOK"}},
        },
    }
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    return str(path)


def _notice_cli(report, site: str) -> subprocess.CompletedProcess[str]:
    """``hisops compliance notice --report REPORT --site SITE`` as the timer runs it."""
    return subprocess.run(
        [sys.executable, "-m", "hisops.cli", "compliance", "notice"]
        + ["--report", str(report), "--site", site],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
        timeout=60,
    )


def test_unexplained_drift_is_told_to_the_network_admins(tmp_path, smtp, webhook, monkeypatch):
    site = config.load(_site(tmp_path, smtp, webhook, monkeypatch))
    notice = compliance_notice.notice_of(REPORT, site.language, "/r/switch_compliance.json")
    assert notice.due and notice.drifted == ["CORE-1"] and notice.failed == ["ACC-3"]
    out = io.StringIO()
    results = compliance_notice.send(notice, site, out)
    assert [r.get("sent") for r in results] == ["console", "email wang@h.example", "webhook netops"]
    (mail,) = smtp.messages  # the network admin only, not the IT head
    assert mail["To"] == "wang@h.example" and smtp.logins == [(b"hisops", PASSWORD.encode())]
    assert mail["Subject"] == "[hisops] switch compliance: 1 switch(es) drifted, 1 unreadable"
    body = mail.get_content()
    assert "+ interface Vlanif50: description changed by hand" in body
    assert f"CORE-1: expected, not a fault: isolation {ISO}" in body
    assert "ACC-3: could not be checked: ACC-3: no answer" in body
    assert "interface Vlanif50: shutdown" not in body  # an expected line is not a finding
    (hook,) = webhook.received
    assert hook["json"]["msgtype"] == "text" and "Vlanif50" in hook["json"]["text"]["content"]
    assert "[compliance notice] [hisops] switch compliance" in out.getvalue()


def test_expected_deviations_alone_send_nothing(tmp_path, smtp, webhook, monkeypatch):
    held = json.loads(json.dumps(REPORT))
    held["devices"]["CORE-1"].update(compliant=True, drift=[])
    del held["devices"]["ACC-3"]
    report = tmp_path / "switch_compliance.json"
    report.write_text(json.dumps(held))
    site = _site(tmp_path, smtp, webhook, monkeypatch)
    run = _notice_cli(report, site)
    assert run.returncode == 0 and "no unexplained drift, no notice" in run.stdout, run.stderr
    assert smtp.messages == [] and webhook.received == []


def test_a_failed_channel_leaks_no_secret_and_the_others_deliver(
    tmp_path,
    smtp,
    webhook,
    monkeypatch,
):
    report = tmp_path / "switch_compliance.json"
    report.write_text(json.dumps(REPORT))
    webhook.state["fail"] = 1
    site = _site(tmp_path, smtp, webhook, monkeypatch, language="zh")
    run = _notice_cli(report, site)
    assert run.returncode == 0, run.stderr  # the console and the e-mail delivered it
    assert "not delivered" in run.stderr and "tok-9" not in run.stderr + run.stdout
    (mail,) = smtp.messages
    assert mail["Subject"].startswith("[hisops] 交换机配置合规：1 台偏离")
    # nowhere to deliver: every channel failed, exit 1
    closed = _site(tmp_path, smtp, webhook, monkeypatch, smtp_port=1)
    data = yaml.safe_load((tmp_path / "site.yml").read_text(encoding="utf-8"))
    data["channels"]["console"] = False
    data["people"][0]["webhook"] = []
    (tmp_path / "site.yml").write_text(yaml.safe_dump(data))
    failed = _notice_cli(report, closed)
    assert failed.returncode == 1 and PASSWORD not in failed.stderr, failed.stderr
    bad = _notice_cli(tmp_path / "missing.json", closed)
    assert bad.returncode == 3 and "missing.json" in bad.stderr
