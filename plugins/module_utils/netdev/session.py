# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A context-managed netmiko session that speaks in hisops' exception tree."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import hostkeys
from .dialects import Dialect, dialect_for
from .errors import (
    AuthenticationFailed,
    CommandRejected,
    DeviceUnreachable,
    InputError,
    NetdevError,
    SessionLost,
)

if TYPE_CHECKING:
    from netmiko.base_connection import BaseConnection

try:
    from netmiko import ConnectHandler
    from netmiko.exceptions import (
        ConfigInvalidException,
        NetmikoAuthenticationException,
        NetmikoTimeoutException,
        ReadException,
        ReadTimeout,
    )

    HAS_NETMIKO = True
    NETMIKO_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module via missing_required_lib
    HAS_NETMIKO = False
    NETMIKO_IMPORT_ERROR = exc


@dataclass
class DeviceParams:
    """How to reach one switch. ``password`` and ``secret`` are secrets: never log them.

    ``known_hosts``: the file of recorded host keys the device's key is checked against
    before any credential is sent (``$HISOPS_KNOWN_HOSTS`` when empty); a device whose key
    is not there, or another, is refused (docs/host-keys.md)."""

    name: str
    platform: str
    host: str
    username: str
    password: str
    port: int = 22
    secret: str = ""
    timeout: float = 10.0
    known_hosts: str = ""

    def known_hosts_file(self) -> str:
        path = self.known_hosts or os.environ.get(hostkeys.KNOWN_HOSTS_ENV, "")
        if not path:
            raise InputError(
                "known_hosts is required: the file of recorded host keys (inventory variable "
                f"hisops_known_hosts, or ${hostkeys.KNOWN_HOSTS_ENV})",
                device=self.name,
            )
        return path

    def validate(self) -> Dialect:
        for field_name in ("host", "username", "password"):
            if not getattr(self, field_name):
                raise InputError(f"{field_name} is required", device=self.name)
        if not 1 <= int(self.port) <= 65535:
            raise InputError(f"port {self.port} is outside 1-65535", device=self.name)
        return dialect_for(self.platform)

    def netmiko_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "device_type": self.platform,
            "host": self.host,
            "port": int(self.port),
            "username": self.username,
            "password": self.password,
            "conn_timeout": self.timeout,
            "auth_timeout": self.timeout,
            "banner_timeout": self.timeout,
            "read_timeout_override": None,
            "fast_cli": True,
            "allow_agent": False,
            "use_keys": False,
            # Host keys: only the recorded ones, unknown or other keys refused before login
            "ssh_strict": True,
            "system_host_keys": False,
            "alt_host_keys": True,
            "alt_key_file": self.known_hosts_file(),
        }
        if self.secret:
            kwargs["secret"] = self.secret
        kwargs.update(dialect_for(self.platform).netmiko_options)
        return kwargs


class DeviceSession:
    """``with DeviceSession(params) as s: s.show("display version")``."""

    def __init__(self, params: DeviceParams) -> None:
        self.params = params
        self.platform = params.validate()
        self.conn: BaseConnection | None = None

    def __enter__(self) -> DeviceSession:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def open(self) -> None:
        if not HAS_NETMIKO:
            raise NetdevError(f"netmiko is not installed: {NETMIKO_IMPORT_ERROR}")
        kwargs = self.params.netmiko_kwargs()
        try:
            self.conn = ConnectHandler(**kwargs)
            _fail_fast_on_close(self.conn)
            self.platform.after_login(self.conn)
        except NetmikoAuthenticationException as exc:
            raise AuthenticationFailed(_first_line(exc), device=self.params.name) from None
        except (NetmikoTimeoutException, OSError, EOFError) as exc:
            refused = _host_key_refusal(exc, self.params, kwargs["alt_key_file"])
            if refused is not None:
                raise refused from None
            raise DeviceUnreachable(_first_line(exc), device=self.params.name) from None

    def offered_key(self) -> hostkeys.HostKey:
        """The host key this session's device answered with (checked when it opened)."""
        conn = self._live()
        transport = conn.remote_conn_pre.get_transport() if conn.remote_conn_pre else None
        if transport is None:
            raise SessionLost("the session has no SSH transport", device=self.params.name)
        return hostkeys.HostKey.of(transport.get_remote_server_key())

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.disconnect()
            except Exception:  # noqa: BLE001 - the session may already be gone
                pass
            self.conn = None

    def _live(self) -> BaseConnection:
        """The connection, from open() until close() or send_config_and_drop()."""
        if self.conn is None:
            raise SessionLost("the session is not open", device=self.params.name)
        return self.conn

    def _guard(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ReadTimeout, ReadException, EOFError, OSError) as exc:
            raise SessionLost(_first_line(exc), device=self.params.name) from None

    def show(self, command: str, read_timeout: float = 20.0) -> str:
        return self._guard(self._live().send_command, command, read_timeout=read_timeout)

    def parse(self, command: str, output: str | None = None) -> list[dict[str, str]]:
        """Parse a display/show output with the ntc-templates template for it."""
        text = self.show(command) if output is None else output
        return self.platform.parse_output(command, text)

    def running_config(self) -> str:
        return self.show(self.platform.show_running, read_timeout=60.0)

    def config_set(self, commands: list[str], config_mode_command: str | None = None) -> str:
        """Send configuration lines; the first line the device refuses raises CommandRejected."""
        pattern = "|".join(f"(?:{p})" for p in self.platform.error_patterns)
        kwargs = {"error_pattern": pattern, "read_timeout": 30.0}
        if config_mode_command:
            kwargs["config_mode_command"] = config_mode_command
        try:
            return self._guard(self._live().send_config_set, commands, **kwargs)
        except ConfigInvalidException as exc:
            text = str(exc)
            command = text.split("at command: ", 1)[-1].split(", matched error", 1)[0]
            raise CommandRejected(
                f"the device refused {command!r}: {text.split('matched error: ', 1)[-1].strip()}",
                device=self.params.name,
                command=command,
                output=text,
            ) from None

    def leave_config_mode(self) -> None:
        self._guard(self._live().exit_config_mode)

    def send_timing_confirm(self, command: str, answer: str = "y") -> str:
        """A user-view command that may ask ``[Y/N]``: answer it and read to the prompt."""
        conn = self._live()
        prompt = re.escape(conn.base_prompt)
        question = r"\[Y/N\]|\[yes/no\]|\[confirm\]"
        output = self._guard(
            conn.send_command,
            command,
            expect_string=f"{question}|{prompt}",
            strip_prompt=False,
            strip_command=False,
            read_timeout=20.0,
        )
        if re.search(question, output, re.I):
            output += self._guard(
                conn.send_command,
                answer,
                expect_string=prompt,
                strip_prompt=False,
                strip_command=False,
                read_timeout=20.0,
            )
        if self.platform.rejected(output):
            raise CommandRejected(
                f"the device refused {command!r}",
                device=self.params.name,
                command=command,
                output=output,
            )
        return output

    def save(self) -> str:
        return self._guard(self.platform.save_config, self._live())

    def send_config_and_drop(self, lines: list[str], wait_s: float = 5.0) -> str:
        """Configuration lines after which this session cannot go on, and the session's end.

        Moving the management address drops the session (its address is gone); a new
        hostname changes the prompt netmiko waits for. The lines are typed as they are, then
        the command back to user view, and the session is closed as soon as the device has
        closed it or answered in user view, or after ``wait_s`` seconds of neither (a device
        whose new address is out of reach just stops answering). Read the result from a new
        session. Returns what the device printed."""
        conn = self._live()
        self._guard(conn.config_mode)
        self.conn = None  # whatever happens, this session is over
        typed = "".join(f"{line}\n" for line in lines) + f"{self.platform.end_command}\n"
        output = ""
        try:
            conn.write_channel(typed)
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                output += conn.read_channel()
                last = output.replace("\r", "").rstrip("\n").rsplit("\n", 1)[-1]
                if re.match(self.platform.user_prompt, last):
                    break
                time.sleep(0.05)
        except Exception:  # noqa: BLE001 - the device closed the session: what was expected
            pass
        finally:
            for closing in (
                getattr(conn, "remote_conn", None),
                getattr(conn, "remote_conn_pre", None),
            ):
                try:
                    if closing is not None:
                        closing.close()
                except Exception:  # noqa: BLE001 - already gone
                    pass
        return output


def _host_key_refusal(
    exc: BaseException, params: DeviceParams, known_hosts: str
) -> hostkeys.HostKeyError | None:
    """netmiko reports a refused host key as a timeout; paramiko's error (the exception
    netmiko's was raised from) says which: a key other than the recorded one, or none."""
    import paramiko  # type: ignore[import-untyped]

    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    cause = next((e for e in chain if isinstance(e, paramiko.BadHostKeyException)), None)
    if cause is None:
        cause = next((e for e in chain if "not found in known_hosts" in str(e)), None)
    where = f"{params.name} ({hostkeys.host_pattern(params.host, params.port)})"
    if isinstance(cause, paramiko.BadHostKeyException):
        recorded = hostkeys.HostKey.of(cause.expected_key).fingerprint
        offered = hostkeys.HostKey.of(cause.key).fingerprint
        return hostkeys.HostKeyChanged(
            f"host key of {where} has changed: {recorded} recorded, {offered} offered "
            f"({known_hosts})",
            device=params.name,
        )
    if cause is not None:
        return hostkeys.HostKeyUnknown(
            f"host key of {where} is not in {known_hosts}: refused before login",
            device=params.name,
        )
    return None


def _fail_fast_on_close(conn) -> None:
    """netmiko keeps polling a channel the device has closed until its read timeout; a
    closed session should be reported at once, so that recovery starts at once."""
    read = conn.read_channel

    def read_channel() -> str:
        data = read()
        channel = getattr(conn, "remote_conn", None)
        if not data and channel is not None and (channel.closed or channel.eof_received):
            raise EOFError("the device closed the SSH session")
        return data

    conn.read_channel = read_channel


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
