"""LabClient.up_on_a_free_block: a block another lab holds is passed over, any other
failure is raised at once (``up`` replaced: a taken block cannot be made on demand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hisops.lab.client import LabClient, LabError


def _client(tmp_path: Path, failures: list[str]) -> tuple[LabClient, list[dict]]:
    client, calls = LabClient(tmp_path / "lab"), []

    def up(topology=None, relocate=None, **options):
        calls.append({"topology": topology, "relocate": relocate, **options})
        if failures:
            raise LabError(failures.pop(0))
        return {}

    client.up = up  # type: ignore[method-assign]
    return client, calls


def test_a_taken_block_is_passed_over_and_the_options_reach_up(tmp_path: Path) -> None:
    client, calls = _client(tmp_path, ["CORE-1 cannot listen on 127.170.0.1:22"])
    octet = client.up_on_a_free_block("t.yml", hosts=True)
    assert len(calls) == 2 and calls[0]["relocate"] != calls[1]["relocate"]
    assert octet == calls[1]["relocate"] and 150 <= octet < 250
    assert calls[1]["topology"] == "t.yml" and calls[1]["hosts"] is True


def test_another_failure_is_raised_and_no_free_block_is_said(tmp_path: Path) -> None:
    client, calls = _client(tmp_path, ["the lab daemon exited with status 1"])
    with pytest.raises(LabError, match="exited with status 1"):
        client.up_on_a_free_block(attempts=3)
    assert len(calls) == 1
    client, calls = _client(tmp_path, ["cannot listen"] * 3)
    with pytest.raises(LabError, match="no free loopback block for the lab: cannot listen"):
        client.up_on_a_free_block(attempts=3)
    assert len(calls) == 3
