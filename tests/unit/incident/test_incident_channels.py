"""Notices through real channels: e-mail to a local SMTP server (aiosmtpd, with a login) and
a WeCom/DingTalk-shaped JSON webhook to a local HTTP server. Each notice exactly once,
retried when the channel fails, its delivery result recorded, no secret in any record;
and in real time, ``hisops incident watch`` sends each clock's notices within 30 s."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from hisops.incident import config, notices, service, timeutil
from hisops.incident.store import Store

PASSWORD = "Smtp-Secret-4417"
TOKEN = "robot-token-9d2f"
REPO_ROOT = Path(__file__).resolve().parents[3]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            ok = auth_data.password == PASSWORD.encode()
            # handled=False: aiosmtpd answers (535 on a refusal) instead of staying silent
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    box = Mailbox()
    port = _free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=box.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    box.port = port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def webhook():
    received: list[dict] = []
    state = {"fail": 0}

    class Robot(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state["fail"] > 0:
                state["fail"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            received.append({"path": self.path, "json": json.loads(body)})
            answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received = received  # type: ignore[attr-defined]
    server.state = state  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


DEPTS = ("outpatient_billing", "pharmacy", "operating_rooms")


def _site(tmp_path, smtp, webhook, stages, monkeypatch) -> str:
    monkeypatch.setenv("HISOPS_TEST_SMTP_PW", PASSWORD)
    url = f"http://127.0.0.1:{webhook.server_address[1]}/cgi-bin/webhook/send?key={TOKEN}"
    monkeypatch.setenv("HISOPS_TEST_WEBHOOK", url)
    site = {
        "language": "zh",
        "departments": {
            d: {"zh": d, "email": [f"{d}@hospital.example"], "webhook": ["wards"]} for d in DEPTS
        },
        "escalation": {"1": []},
        "clocks": {"classes": ["1"], "stages": stages},
        "reentry": [{"key": "all_data", "deadline": "next_day"}],
        "channels": {
            "console": True,
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp.port,
                "from": "it@hospital.example",
                "username": "hisops",
                "password_env": "HISOPS_TEST_SMTP_PW",
            },
            "webhooks": {"wards": {"url_env": "HISOPS_TEST_WEBHOOK"}},
        },
        "retry_after": "30s",
    }
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_each_notice_once_per_channel_retried_and_recorded_without_secrets(
    dump, tmp_path, smtp, webhook, monkeypatch, capsys
):
    stages = [{"name": "30min", "after": "1s", "departments": {d: "manual" for d in DEPTS}}]
    ctx = service.Context(
        Store(str(tmp_path / "inc")),
        config.load(_site(tmp_path, smtp, webhook, stages, monkeypatch)),
        "li",
    )
    webhook.state["fail"] = 2  # the robot is down for the first two posts
    number = service.open_incident(ctx, title="HIS down", klass="1", occurred="5s ago")
    out = io.StringIO()
    # real time flows (the servers' threads too); shift() stands for the wait before a retry
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        first = notices.tick(ctx, out=out)
        assert (first["sent"], first["failed"]) == (7, 2)
        assert notices.tick(ctx, out=out)["sent"] == 0  # not before retry_after
        clock.shift(timedelta(seconds=31))
        assert notices.tick(ctx, out=out) == {"queued": 0, "sent": 2, "failed": 0, "repeated": 0}
        assert notices.tick(ctx, out=out)["sent"] == 0
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"{d}@hospital.example" for d in DEPTS)
    assert smtp.logins == [(b"hisops", PASSWORD.encode())] * 3
    assert smtp.messages[0]["Subject"].startswith("【停机通知】")
    assert len(webhook.received) == 3
    assert all(r["json"]["msgtype"] == "text" for r in webhook.received)
    assert all("请转为手工操作" in r["json"]["text"]["content"] for r in webhook.received)
    incident = service.get(ctx, number)
    hooks = [n for n in incident["notices"] if n["channel"] == "webhook:wards"]
    assert sorted(n["attempts"] for n in hooks) == [1, 2, 2]
    failures = [e["text"] for e in incident["entries"] if "failed (" in e["text"]]
    assert len(failures) == 2 and all("HTTP 500" in t and "retried" in t for t in failures)
    record = json.dumps(dump(ctx), ensure_ascii=False) + out.getvalue() + capsys.readouterr().out
    assert PASSWORD not in record and TOKEN not in record


def test_a_wrong_password_is_a_recorded_failure_naming_no_secret(
    dump, tmp_path, smtp, webhook, monkeypatch
):
    stages = [{"name": "30min", "after": "1s", "departments": {"pharmacy": "manual"}}]
    ctx = service.Context(
        Store(str(tmp_path / "inc")),
        config.load(_site(tmp_path, smtp, webhook, stages, monkeypatch)),
        "li",
    )
    monkeypatch.setenv("HISOPS_TEST_SMTP_PW", "wrong-" + PASSWORD)
    number = service.open_incident(ctx, title="HIS down", klass="1", occurred="5s ago")
    assert notices.tick(ctx, out=io.StringIO())["failed"] == 1
    mail = next(n for n in service.get(ctx, number)["notices"] if n["channel"].startswith("email"))
    assert mail["status"] == "pending" and "535" in mail["last_error"]
    assert PASSWORD not in json.dumps(dump(ctx), ensure_ascii=False)


def test_watch_sends_each_clock_within_30_seconds_in_real_time(
    tmp_path, smtp, webhook, monkeypatch
):
    """Thresholds shrunk to seconds; ``hisops incident watch`` as a real service process."""
    stages = [
        {"name": "30min", "after": "3s", "departments": {"outpatient_billing": "offline"}},
        {"name": "long", "after": "6s", "departments": {"operating_rooms": "manual"}},
        {"name": "24h", "after": "9s", "departments": "all"},
    ]
    site = _site(tmp_path, smtp, webhook, stages, monkeypatch)
    ctx = service.Context(Store(str(tmp_path / "inc")), config.load(site), "li")
    number = service.open_incident(ctx, title="HIS down", klass="1")
    env = {
        **os.environ,
        "HISOPS_INCIDENT_DIR": str(tmp_path / "inc"),
        "HISOPS_INCIDENT_CONFIG": site,
        # each tick scans run records for runs made for an incident: none here (the repo's
        # var/records is shared with every other test and grows during a suite run)
        "HISOPS_RUN_RECORD_DIR": str(tmp_path / "records"),
    }
    watch = subprocess.Popen(
        [sys.executable, "-m", "hisops.cli", "incident", "watch", "--interval", "1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            sent = [n for n in service.get(ctx, number)["notices"] if n["status"] == "sent"]
            if len(sent) == 3 * (1 + 1 + len(DEPTS)):
                break
            time.sleep(0.5)
    finally:
        watch.terminate()  # as systemctl stop does
        _, err = watch.communicate(timeout=10)
    assert err == "" and watch.returncode == 0  # stopped between two ticks
    notices_ = service.get(ctx, number)["notices"]
    assert all(n["status"] == "sent" for n in notices_), [n["status"] for n in notices_]
    for n in notices_:
        late = timeutil.parse_iso(n["sent_at"]) - timeutil.parse_iso(n["due_at"])
        assert late.total_seconds() <= 30, n
    expected = {("30min", "outpatient_billing"), ("long", "operating_rooms")}
    expected |= {("24h", d) for d in DEPTS}
    mails = [(m["Subject"], m["To"].split("@")[0]) for m in smtp.messages]
    assert len(mails) == len(expected)  # exactly one e-mail per notice
    assert {to for _, to in mails} == {d for _, d in expected}
    assert len(webhook.received) == len(expected)  # and one robot post per notice
    assert len({r["json"]["text"]["content"] for r in webhook.received}) == len(expected)


@pytest.mark.parametrize(
    "unit",
    [
        "hisops-incident-watch.service",
        "hisops-incident-tick.service",
        "hisops-incident-overdue.service",
    ],
)
def test_the_shipped_systemd_units_start_a_real_command(unit):
    import configparser
    import shlex

    from hisops import cli

    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(REPO_ROOT / "hisops" / "incident" / "systemd" / unit)
    argv = shlex.split(parser["Service"]["ExecStart"])
    assert argv[0].endswith("/.venv/bin/hisops")
    args = cli.build_parser().parse_args(argv[1:])
    assert (args.command, args.action) == ("incident", argv[2])
