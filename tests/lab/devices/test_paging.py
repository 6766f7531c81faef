"""Paging as the real devices do it: a long output stops behind the More prompt until the
session turns paging off with the command netmiko's driver sends in session_preparation
(``screen-length 0 temporary`` VRP, ``screen-length disable`` Comware, ``terminal length
0`` IOS). A raw SSH shell that does not turn it off sees the prompt; netmiko does not.
"""

from __future__ import annotations

import re
import time

import paramiko
import pytest

from hisops.lab.devices.base import Pager

from .conftest import Lab
from .netmiko_support import connect

MORE = {"huawei": "  ---- More ----", "hp_comware": "  ---- More ----", "cisco_ios": " --More-- "}
OFF = {
    "huawei": "screen-length 0 temporary",
    "hp_comware": "screen-length disable",
    "cisco_ios": "terminal length 0",
}
LONG = {
    "huawei": "display current-configuration",
    "hp_comware": "display current-configuration",
    "cisco_ios": "show running-config",
}
PROMPT = re.compile(r"[<\[]?[\w\-]+[>\]#]\s*$")


# -- the engines' pager, in process ----------------------------------------------------


@pytest.mark.parametrize("platform", sorted(MORE))
def test_engine_pages_a_long_output_until_paging_is_off(platform: str) -> None:
    lab = Lab(platform)
    if platform == "cisco_ios":
        lab.run("enable", "En@ble123")
    text = lab.run(LONG[platform])
    lines = text.rstrip("\n").split("\n")
    assert len(lines) > 23
    pager = lab.session.paginate(text)
    assert isinstance(pager, Pager)
    first = pager.start()
    assert first.endswith(MORE[platform])
    assert first.count("\n") == 23  # the default 24-line screen: 23 lines and More
    assert pager.key("x") is None  # ignored
    one = pager.key("\r")
    assert one is not None and one.startswith(lab.session.more_erase)
    assert one.removeprefix(lab.session.more_erase).count("\n") == 1
    while not pager.done:
        assert pager.key(" ") is not None
    assert pager.shown == len(lines)
    stopped = lab.session.paginate(text)
    assert stopped is not None
    stopped.start()
    assert stopped.key("q") == lab.session.more_erase and stopped.done
    assert lab.run(OFF[platform]) == ""
    assert lab.session.paginate(text) is None


def test_short_outputs_and_replayed_files_are_not_paged() -> None:
    lab = Lab("huawei")
    assert lab.session.paginate("one\ntwo\n") is None
    lab.run("screen-length 5 temporary")
    assert lab.session.paginate("\n".join("abcdef")) is not None
    lab.session.loading = True
    assert lab.session.paginate("\n".join("abcdef")) is None


def test_comware_undo_screen_length_disable_pages_again() -> None:
    lab = Lab("hp_comware")
    text = "\n".join(str(n) for n in range(40))
    lab.run("screen-length disable")
    assert lab.session.paginate(text) is None
    lab.run("undo screen-length disable")
    assert lab.session.paginate(text) is not None


# -- over real SSH ---------------------------------------------------------------------


def _read_until(chan: paramiko.Channel, done, timeout: float = 5.0) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if chan.recv_ready():
            seen += chan.recv(65536).decode(errors="replace")
            if done(seen):
                return seen
        else:
            time.sleep(0.02)
    raise AssertionError(f"timed out; got {seen[-300:]!r}")


def _quiet(chan: paramiko.Channel, seconds: float = 0.4) -> str:
    time.sleep(seconds)
    return chan.recv(65536).decode(errors="replace") if chan.recv_ready() else ""


@pytest.mark.lab
@pytest.mark.parametrize("platform", sorted(MORE))
def test_raw_ssh_session_sees_the_more_prompt(lab, platform: str) -> None:
    entry = lab.devices[lab.by_platform(platform)[0]]
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        entry["host"],
        port=entry["port"],
        username=entry["username"],
        password=entry["password"],
        look_for_keys=False,
        allow_agent=False,
    )
    try:
        chan = client.invoke_shell(width=200, height=50)
        banner = _read_until(chan, lambda s: bool(PROMPT.search(s)))
        if platform == "cisco_ios" and banner.rstrip().endswith(">"):
            chan.send("enable\n")
            _read_until(chan, lambda s: "Password" in s)
            chan.send(entry.get("secret", entry["password"]) + "\n")
            _read_until(chan, lambda s: s.rstrip().endswith("#"))
        more = MORE[platform]
        chan.send(LONG[platform] + "\n")
        first = _read_until(chan, lambda s: s.endswith(more))
        assert not PROMPT.search(first.removesuffix(more))  # no prompt: the device waits
        assert _quiet(chan) == ""  # and waits: nothing more without a key

        chan.send(" ")  # the next screen
        screen = _read_until(chan, lambda s: s.endswith(more) or bool(PROMPT.search(s)))
        assert screen.count("\r\n") >= 2
        chan.send("\r")  # Enter: one more line
        line = _read_until(chan, lambda s: s.endswith(more) or bool(PROMPT.search(s)))
        if line.endswith(more):
            assert line.count("\r\n") == 1
            chan.send("q")  # stop: back at the prompt
            back = _read_until(chan, lambda s: bool(PROMPT.search(s)))
            assert more not in back

        chan.send(OFF[platform] + "\n")
        _read_until(chan, lambda s: bool(PROMPT.search(s)))
        chan.send(LONG[platform] + "\n")
        whole = _read_until(chan, lambda s: bool(PROMPT.search(s)) and s.count("\n") > 30)
        assert more not in whole
    finally:
        client.close()


@pytest.mark.lab
@pytest.mark.parametrize("platform", sorted(MORE))
def test_netmiko_long_output_is_whole(lab, platform: str) -> None:
    entry = lab.devices[lab.by_platform(platform)[0]]
    with connect(entry) as conn:
        if platform == "cisco_ios":
            conn.enable()
        text = conn.send_command(LONG[platform])
    assert len(text.splitlines()) > 30
    assert "More" not in text
