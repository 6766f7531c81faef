"""What a newcomer's first screen shows: no library deprecation warnings, no traceback
around an expected condition (issue 15, item 11).

cryptography >= 44 warns about DSA whenever asyncssh (the lab's SSH server) or ansible-core
(its ssh-agent support) is imported; hisops silences exactly that warning where it starts
those (hisops/__init__.py, hisops/runner.py). Another lab holding the addresses is an
expected condition: ``hisops drill`` says so in one message and exits non-zero.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_helpers import free_octet, release_octet

from hisops import runner

SMALL = Path(__file__).parent / "topologies" / "small.yml"


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def assert_clean(stderr: str) -> None:
    assert "Warning" not in stderr, stderr
    assert "Traceback" not in stderr, stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "hisops.cli", "--help"],
        ["-m", "hisops.cli", "lab", "up", "--help"],
        ["-m", "hisops.lab.daemon", "--help"],  # imports asyncssh
        ["-c", "import hisops.lab.server"],  # the SSH server the daemon runs
    ],
    ids=["hisops", "lab-up", "daemon", "server-import"],
)
def test_commands_print_no_python_warnings(argv: list[str]) -> None:
    done = run(*argv)
    assert done.returncode == 0, done.stderr
    assert_clean(done.stderr)


def test_the_dsa_warning_is_still_there_without_hisops() -> None:
    """The filter is what keeps the screen clean (if asyncssh stops warning, this test
    says the filter in hisops/__init__.py can go)."""
    done = run("-c", "import asyncssh")
    assert "DSA is deprecated" in done.stderr


@pytest.fixture
def held_block() -> Iterator[int]:
    """A 127.N block where "another lab" (a listener on CORE-1's address) holds port 22."""
    octet = free_octet(150, 250)
    with socket.socket() as other_lab:
        other_lab.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other_lab.bind((f"127.{octet}.0.1", 22))
        other_lab.listen()
        yield octet
    release_octet(octet)


def test_lab_up_on_addresses_another_lab_holds_is_one_message(
    tmp_path: Path, held_block: int
) -> None:
    done = run(
        "-m", "hisops.cli", "lab", "up", "--no-hosts", "--topology", str(SMALL),
        "--relocate", str(held_block), "--state-dir", str(tmp_path / "state"),
    )  # fmt: skip
    assert done.returncode != 0
    assert f"cannot listen for CORE-1 127.{held_block}.0.1:22" in done.stderr
    assert "is another lab running?" in done.stderr
    assert_clean(done.stderr)


def test_drill_on_addresses_another_lab_holds_is_one_message(
    tmp_path: Path, held_block: int
) -> None:
    topology = tmp_path / "small.yml"
    topology.write_text(SMALL.read_text().replace("127.10.", f"127.{held_block}."))
    done = run(
        "-m", "hisops.cli", "drill", "--topology", str(topology),
        env={"HISOPS_LAB_DIR": str(tmp_path / "lab")},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("hisops drill: the lab did not start: cannot listen for CORE-1")
    assert "is another lab running?" in done.stderr
    assert_clean(done.stderr)
    assert "Traceback" not in done.stdout


def test_playbook_output_has_no_python_warnings(tmp_path: Path, monkeypatch) -> None:
    playbook = tmp_path / "tiny.yml"
    playbook.write_text(
        "- name: Tiny\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: ping\n      ansible.builtin.ping:\n"
    )
    inventory = tmp_path / "inv.ini"
    inventory.write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
    )
    monkeypatch.setenv("HISOPS_RUN_RECORD_DIR", str(tmp_path / "records"))
    result = runner.run_playbook(str(playbook), inventory=inventory, quiet=True)
    assert result.ok, result
    output = (result.artifacts / "stdout").read_text()
    assert "PLAY RECAP" in output
    assert "Warning" not in output, output[:2000]


def test_a_callers_own_warning_filters_are_kept() -> None:
    assert runner.quiet_python_warnings("error::ResourceWarning") == (
        "error::ResourceWarning," + runner.DSA_WARNING_FILTER
    )
    assert runner.quiet_python_warnings(None) == runner.DSA_WARNING_FILTER
