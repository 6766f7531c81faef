"""The channels a notice goes through: the console, e-mail over SMTP, and a JSON webhook
in the shape WeCom and DingTalk group robots take (``{"msgtype": "text", "text":
{"content": ...}}``). A failure raises ``ChannelError`` with a text free of secrets: the
SMTP password and webhook URLs (their tokens) never reach a record or a log."""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from .messages import Message, msg


class ChannelError(Exception):
    """A failed send: ``message`` for the timeline (any language), str() in English."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text("en"))
        self.message = message


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


def send_email(smtp: dict[str, Any], to: str, subject: str, body: str) -> Message:
    password = os.environ.get(str(smtp.get("password_env") or ""), "")
    message = EmailMessage()
    message["From"] = smtp["from"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(smtp["host"], int(smtp.get("port", 25)), timeout=10) as client:
            if smtp.get("starttls"):
                client.starttls()
            if smtp.get("username"):
                client.login(smtp["username"], password)
            refused = client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        error = _scrub(str(exc), [password])
        raise ChannelError(
            msg("channel.error", channel=f"smtp {smtp['host']}", error=error)
        ) from None
    if refused:
        raise ChannelError(msg("channel.refused", host=smtp["host"], addresses=", ".join(refused)))
    return msg("result.email", host=smtp["host"])


def webhook_url(hooks: dict[str, Any], name: str) -> str:
    hook = hooks[name]
    if hook.get("url_env"):
        url = os.environ.get(hook["url_env"], "")
        if not url:
            raise ChannelError(msg("channel.env", name=name, var=hook["url_env"]))
        return str(url)
    return str(hook["url"])


def send_webhook(hooks: dict[str, Any], name: str, subject: str, body: str) -> Message:
    url = webhook_url(hooks, name)
    payload = json.dumps(
        {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}}, ensure_ascii=False
    ).encode()
    request = urllib.request.Request(
        url, data=payload, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read(4096).decode("utf-8", "replace")
            code = response.status
    except urllib.error.HTTPError as exc:
        raise ChannelError(msg("result.webhook", name=name, code=exc.code)) from None
    except (OSError, ValueError) as exc:
        error = _scrub(str(exc), [url])
        raise ChannelError(msg("channel.error", channel=f"webhook {name}", error=error)) from None
    # the robots answer 200 with {"errcode": 0} when they took the message
    try:
        errcode = json.loads(answer).get("errcode", 0) if answer.strip() else 0
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise ChannelError(msg("channel.errcode", name=name, code=errcode))
    return msg("result.webhook", name=name, code=code)
