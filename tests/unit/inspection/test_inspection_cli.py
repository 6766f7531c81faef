"""``hisops inspect``: the Nagios line and exit code from the sheet the run wrote; a run
that wrote none is UNKNOWN (3). The playbook run is replaced by one writing the JSON."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from hisops import cli, inspection_cli


def fake_run(directory: Path, doc: dict | None, seen: dict):
    def run_playbook(playbook, **kwargs):
        seen.update(kwargs, playbook=playbook)
        if doc is not None:
            (directory / "latest.json").write_text(json.dumps(doc))
        return SimpleNamespace(status="successful" if doc else "failed", rc=0 if doc else 2,
                               record="r.jsonl")  # fmt: skip

    return run_playbook


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_exit_code_and_line_are_the_sheets(
    code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    doc = {"exit_code": code, "summary": f"INSPECTION X - line {code} | critical=0"}
    seen: dict = {}
    monkeypatch.setattr(inspection_cli.runner, "run_playbook", fake_run(tmp_path, doc, seen))
    rc = cli.main(["inspect", "--dir", str(tmp_path), "--open-incident", "-e", "a=1",
                   "--language", "en"])  # fmt: skip
    assert rc == code
    assert capsys.readouterr().out.strip() == doc["summary"]
    assert seen["playbook"] == "daily_inspection"
    assert seen["extravars"] == {
        "a": 1,
        "inspection_open_incident": True,
        "daily_inspection_language": "en",
        "daily_inspection_dir": str(tmp_path),
    }
    assert seen["quiet"] is True


def test_no_sheet_written_or_a_stale_one_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    stale = tmp_path / "latest.json"
    stale.write_text(json.dumps({"exit_code": 0, "summary": "INSPECTION OK - old"}))
    old = time.time() - 3600

    os.utime(stale, (old, old))
    monkeypatch.setattr(inspection_cli.runner, "run_playbook", fake_run(tmp_path, None, {}))
    assert cli.main(["inspect", "--dir", str(tmp_path)]) == 3
    assert capsys.readouterr().out.startswith("INSPECTION UNKNOWN - the inspection wrote no sheet")


def test_the_directory_from_vars_environment_or_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HISOPS_INSPECTION_DIR", raising=False)
    assert inspection_cli.inspection_dir({}) == inspection_cli.REPO_ROOT / "var" / "inspections"
    monkeypatch.setenv("HISOPS_INSPECTION_DIR", "/srv/insp")
    assert inspection_cli.inspection_dir({}) == Path("/srv/insp")
    assert inspection_cli.inspection_dir({"daily_inspection_dir": "/x"}) == Path("/x")
    assert inspection_cli.inspection_dir({"daily_inspection_dir": "/x"}, "/y") == Path("/y")
