"""The tests' AnsiballZ payloads with bytecode (tests/integration/ansible_bytecode.py): the
code a host imports is the payload's own code, and a host of another Python compiles the
source as before."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location(
    "hisops_ansible_bytecode", HERE.parent / "integration" / "ansible_bytecode.py"
)
assert spec is not None and spec.loader is not None
bytecode = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bytecode)

SOURCE = b"from __future__ import annotations\nANSWER = 6 * 7\ndef where() -> str:\n    return __file__\n"


def _zip(path: Path, pyc: bytes | None) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("pkg/__init__.py", b"")
        zf.writestr("pkg/mod.py", SOURCE)
        if pyc is not None:
            zf.writestr("pkg/mod.pyc", pyc)


def _import_from(path: Path) -> str:
    probe = (
        f"import sys; sys.path.insert(0, {str(path)!r}); import pkg.mod as m; "
        "print(m.ANSWER, m.where().rsplit('/', 1)[-1])"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_bytecode_is_what_zipimport_loads(tmp_path: Path) -> None:
    _zip(tmp_path / "with.zip", bytecode.pyc(SOURCE, "pkg/mod.py"))
    _zip(tmp_path / "without.zip", None)
    assert _import_from(tmp_path / "with.zip") == "42 mod.pyc"
    assert _import_from(tmp_path / "without.zip") == "42 mod.py"


def test_bytecode_of_another_python_is_ignored_and_the_source_compiled(tmp_path: Path) -> None:
    foreign = bytearray(bytecode.pyc(SOURCE, "pkg/mod.py"))
    foreign[0:2] = (int.from_bytes(foreign[0:2], "little") - 1).to_bytes(2, "little")
    _zip(tmp_path / "foreign.zip", bytes(foreign))
    assert _import_from(tmp_path / "foreign.zip") == "42 mod.py"


def test_installed_the_payload_builder_writes_a_pyc_beside_every_source() -> None:
    module_common = pytest.importorskip("ansible.executor.module_common")
    assert bytecode.install() and bytecode.install()  # twice: wrapped once
    assert module_common.recursive_finder.hisops_bytecode
    assert not hasattr(module_common.recursive_finder.__wrapped__, "hisops_bytecode")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        module_common._add_module_to_zip(
            zf, module_common.datetime.datetime(2026, 12, 6), "ansible_collections.x.y.plugins.modules.m",
            SOURCE, "/src/m.py", module_common._builder.ExtensionManager(),
        )  # fmt: skip
    names = set(zipfile.ZipFile(buffer).namelist())
    assert "ansible_collections/x/y/plugins/modules/m.pyc" in names
    assert "ansible_collections/x/y/plugins/modules/m.py" in names
    assert not any(n.endswith("__init__.pyc") for n in names)  # empty: nothing to compile


BUILD_TWICE = """
import io, json, sys, zipfile, importlib.util
from pathlib import Path
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader([])
from ansible.executor import module_common
import ansible.modules.stat
spec = importlib.util.spec_from_file_location("b", sys.argv[1])
bytecode = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bytecode)
built = []
original = module_common.recursive_finder
def counting(*args, **kwargs):
    built.append(args[1])
    return original(*args, **kwargs)
module_common.recursive_finder = counting
assert bytecode.install(memo_dir=sys.argv[2])
source = Path(ansible.modules.stat.__file__).read_bytes()
def payload(source):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        module_common.recursive_finder(
            "stat", "ansible.modules.stat", source, zf,
            module_common.datetime.datetime(2026, 12, 6), module_common._builder.ExtensionManager())
    with zipfile.ZipFile(buffer) as zf:
        return {name: zf.read(name).hex() for name in zf.namelist()}
first, second = payload(source), payload(source)
after_two = list(built)
payload(source + b"\\n# edited\\n")
print(json.dumps({"first": first, "second": second, "after_two": after_two, "after_three": built}))
"""


def test_a_payload_is_built_once_and_the_same_again(tmp_path: Path) -> None:
    pytest.importorskip("ansible.executor.module_common")
    memo = tmp_path / "memo"
    done = subprocess.run(  # its own process: the collection loader it installs stays there
        [sys.executable, "-c", BUILD_TWICE, spec.origin, str(memo)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["after_two"] == ["ansible.modules.stat"], "the second payload came from the memo"
    assert seen["first"] == seen["second"] and "ansible/module_utils/basic.pyc" in seen["first"]
    assert len(list(memo.iterdir())) == 2  # the first source, and the edited one
    assert seen["after_three"] == ["ansible.modules.stat"] * 2  # another source: built again


def test_an_edited_module_util_is_a_new_fingerprint(tmp_path: Path, monkeypatch) -> None:
    util = tmp_path / "plugins" / "module_utils" / "x.py"
    util.parent.mkdir(parents=True)
    util.write_text("A = 1\n")
    monkeypatch.setattr(bytecode, "REPO", str(tmp_path))
    monkeypatch.setattr(bytecode, "_fingerprint", None)
    before = bytecode._sources_fingerprint(())
    monkeypatch.setattr(bytecode, "_fingerprint", None)
    assert bytecode._sources_fingerprint(()) == before  # nothing changed: the same
    util.write_text("A = 22\n")
    monkeypatch.setattr(bytecode, "_fingerprint", None)  # a new run reads the sources again
    assert bytecode._sources_fingerprint(()) != before
