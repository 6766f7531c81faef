"""Every command an engine declares is wired to a handler, and random typing never crashes.

The random walk types each declared command (with sample arguments and abbreviated
keywords) in its own mode; the engine must answer with text, never an exception, and
whatever configuration results must survive render -> parse -> render unchanged.
"""

from __future__ import annotations

import random

import pytest

from hisops.lab.devices import make_device

from .conftest import SPECS, Lab

SAMPLES = {
    "<int>": ["5", "3000", "2000", "10", "0", "99999"],
    "<vlan>": ["10", "20", "4094"],
    "<ip>": ["10.1.1.1", "10.10.10.1"],
    "<mask>": ["255.255.255.0", "24"],
    "<word>": ["X1", "HIS"],
    "<text>": [
        "permit ip",
        "deny tcp any host 10.0.0.10 eq 1521",
        "foo bar",
        "weekdays 8:00 to 18:00",
        "08:00 to 18:00 daily",
        "10 tagged",
        "start 08:00 01 January 2026",
        "0 Secret@123",
    ],
    "<vlans>": ["10 20 to 22", "30"],
    "<vlanlist>": ["10,20-22", "30"],
    "<time>": ["00:10", "23:59"],
    "<date>": ["2026/12/31"],
}
INTERFACES = {
    "huawei": ["GigabitEthernet0/0/1", "Vlanif10", "g0/0/2", "LoopBack0"],
    "hp_comware": ["GigabitEthernet1/0/1", "Vlan-interface10", "ge1/0/3", "LoopBack0"],
    "cisco_ios": ["GigabitEthernet1/0/1", "Vlan10", "gi1/0/3", "Loopback0"],
    "ruijie_os": ["GigabitEthernet 0/1", "VLAN 10", "gi0/3", "Loopback 0"],
}
ENTER = {
    "huawei": {
        "user": ["return"],
        "system": ["return", "sys"],
        "interface": ["return", "sys", "int g0/0/1"],
        "vlanif": ["return", "sys", "int Vlanif10"],
        "other-interface": ["return", "sys", "int LoopBack0"],
        "vlan": ["return", "sys", "vlan 10"],
        "acl": ["return", "sys", "acl 3000"],
        "aaa": ["return", "sys", "aaa"],
        "vty": ["return", "sys", "user-interface vty 0 4"],
    },
    "hp_comware": {
        "user": ["return"],
        "system": ["return", "sys"],
        "interface": ["return", "sys", "int g1/0/1"],
        "vlanif": ["return", "sys", "int Vlan-interface10"],
        "other-interface": ["return", "sys", "int LoopBack0"],
        "vlan": ["return", "sys", "vlan 10"],
        "acl": ["return", "sys", "acl advanced 3000"],
        "luser": ["return", "sys", "local-user u1"],
        "vty": ["return", "sys", "line vty 0 63"],
    },
    "cisco_ios": {
        "user": ["end"],
        "enable": ["end"],
        "config": ["end", "conf t"],
        "interface": ["end", "conf t", "int gi1/0/1"],
        "svi": ["end", "conf t", "int vlan 10"],
        "other-interface": ["end", "conf t", "int lo0"],
        "vlan": ["end", "conf t", "vlan 10"],
        "std-nacl": ["end", "conf t", "ip access-list standard S1"],
        "ext-nacl": ["end", "conf t", "ip access-list extended E1"],
        "time-range": ["end", "conf t", "time-range T1"],
        "archive": ["end", "conf t", "archive"],
        "line": ["end", "conf t", "line vty 0 4"],
    },
    # RGOS logs in to user EXEC; "enable" (no enable password here) leads on, and is a
    # no-op once there.
    "ruijie_os": {
        "user": ["end", "enable"],
        "enable": ["end", "enable"],
        "config": ["end", "enable", "conf t"],
        "interface": ["end", "enable", "conf t", "int gi0/1"],
        "svi": ["end", "enable", "conf t", "int vlan 10"],
        "other-interface": ["end", "enable", "conf t", "int lo 0"],
        "vlan": ["end", "enable", "conf t", "vlan 10"],
        "std-nacl": ["end", "enable", "conf t", "ip access-list standard S1"],
        "ext-nacl": ["end", "enable", "conf t", "ip access-list extended E1"],
        "time-range": ["end", "enable", "conf t", "time-range T1"],
        "line": ["end", "enable", "conf t", "line vty 0 4"],
    },
}
LEAVING = ("reboot", "reload", "quit", "logout", "exit", "disable", "enable")


@pytest.mark.parametrize("platform", list(SPECS))
def test_every_command_has_a_handler(platform: str) -> None:
    session = Lab(platform).session
    for mode, commands in session.commands.items():
        for command in commands:
            assert callable(getattr(session, command.handler, None)), (mode, command.pattern)


@pytest.mark.parametrize("platform", list(SPECS))
def test_random_typing_never_crashes_and_round_trips(platform: str) -> None:
    rng = random.Random(7)
    lab = Lab(platform)
    commands = lab.session.commands
    for _ in range(700):
        mode = rng.choice(list(ENTER[platform]))
        command = rng.choice(commands[mode])
        words = []
        for token in command.tokens:
            if token == "<if>":
                words.append(rng.choice(INTERFACES[platform]))
            elif token in SAMPLES:
                words.append(rng.choice(SAMPLES[token]))
            elif rng.random() < 0.3:
                words.append(token[: rng.randint(2, max(2, len(token)))])
            else:
                words.append(token)
        if words[0] in LEAVING:
            continue
        for line in ENTER[platform][mode]:
            lab.session.handle(line)
        reply = lab.session.handle(" ".join(words))
        while lab.session.question is not None:
            lab.session.handle(rng.choice(["y", "n", ""]))
        assert isinstance(reply.output, str)
    text = lab.device.render_config(lab.device.running)
    # No spec accounts: the walk may have removed them, and the loader would add them back.
    spec = {**SPECS[platform], "users": [], "enable_secret": None, "startup_config": text}
    twin = make_device(spec)
    assert twin.render_config(twin.running) == text
