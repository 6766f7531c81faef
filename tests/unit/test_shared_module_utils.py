"""The collection's shared module_utils: the one atomic write (files.py) and the coded
error base the domains' trees derive from (errors.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils import files
from ansible_collections.hisops.emergency.plugins.module_utils.backup import errors as backup
from ansible_collections.hisops.emergency.plugins.module_utils.errors import FieldError
from ansible_collections.hisops.emergency.plugins.module_utils.schedules import errors as schedules


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_file_is_replaced_whole_with_the_mode_asked_and_nothing_left_beside_it(
    tmp_path: Path,
) -> None:
    target = tmp_path / "pgpass"
    target.write_text("old\n")
    os.chmod(target, 0o644)
    seen = []
    with files.atomic_file(target, 0o600) as handle:
        handle.write("secret\n")
        handle.flush()
        seen.append((target.read_text(), _mode(Path(handle.name))))
    # the reader saw the old file while the new one was written; the secret was never
    # readable by others, not even in the temporary file
    assert seen == [("old\n", 0o600)]
    assert target.read_text() == "secret\n" and _mode(target) == 0o600
    assert os.listdir(tmp_path) == ["pgpass"]


def test_without_a_mode_the_umask_decides_as_for_open(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        files.write_atomic(tmp_path / "a.json", "{}\n")
        files.write_atomic(tmp_path / "b.bin", b"\x00\x01", durable=True)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.json") == 0o640 and _mode(tmp_path / "b.bin") == 0o640
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    target.write_text("kept\n")
    with pytest.raises(OSError, match="No space"), files.atomic_file(target) as handle:
        handle.write("half")
        assert Path(handle.name).name.endswith(files.TEMP_SUFFIX)
        raise OSError(28, "No space left on device")
    assert target.read_text() == "kept\n" and os.listdir(tmp_path) == ["record.json"]


def test_each_domain_keeps_its_own_tree_on_the_shared_base() -> None:
    error = backup.InputError("hosts[0]", "not a result")
    assert isinstance(error, backup.BackupError) and isinstance(error, FieldError)
    assert not isinstance(error, schedules.ScheduleError)
    assert (str(error), error.code, error.field, error.reason) == (
        "hosts[0]: not a result",
        "bad_input",
        "hosts[0]",
        "not a result",
    )
    assert schedules.VerifyError("x").code == "verify" and backup.BackupError("x").code == "error"
