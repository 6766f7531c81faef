"""Pure logic: host specs, the HIS data generator, topology mapping."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hisops.lab.hosts import HostSpec, HostSpecError, hisdata, specs_from_topology, validate_specs


def test_valid_specs_pass() -> None:
    specs = [HostSpec("db-1", "db_server", "127.20.0.1"),
             HostSpec("ws-1", "workstation", "127.20.0.2", "pharmacy", ("client_test",))]  # fmt: skip
    assert validate_specs(specs) == specs


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([HostSpec("db-1", "db_server", "10.0.0.1")], r"hosts\[0\] \(db-1\): field 'address'"),
        ([HostSpec("db-1", "db_server", "127.0.0.1")], "other than 127.0.0.1"),
        ([HostSpec("Db_1", "db_server", "127.1.0.1")], "field 'name'"),
        ([HostSpec("db-1", "router", "127.1.0.1")], "unknown kind 'router'"),
        ([HostSpec("ws-1", "workstation", "127.1.0.1")], "needs a department"),
        ([HostSpec("a", "server", "127.1.0.1"), HostSpec("b", "server", "127.1.0.1")],
         r"hosts\[1\] \(b\): field 'address': 127.1.0.1 is already used by a"),
        ([HostSpec("a", "server", "127.1.0.1"), HostSpec("a", "server", "127.1.0.2")],
         "defined twice"),
        ([HostSpec("a", "server", "127.1.0.1", groups=("bad-group",))], "valid Ansible group"),
        ([HostSpec("a", "server", "127.1.0.1", disk_mb=8)], r"field 'disk_mb': 8 MiB is outside"),
        ([HostSpec("a", "server", "127.1.0.1", disk_mb=-1)], "field 'disk_mb'"),
        ([], "at least one host"),
    ],
)  # fmt: skip
def test_invalid_specs_are_refused_naming_host_and_field(
    specs: list[HostSpec], message: str
) -> None:
    with pytest.raises(HostSpecError, match=message):
        validate_specs(specs)


def test_spec_round_trip_and_bad_dict() -> None:
    spec = HostSpec("ws-1", "workstation", "127.20.0.2", "pharmacy", ("client_test",))
    assert HostSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(HostSpecError, match="field 'address' is missing"):
        HostSpec.from_dict({"name": "x", "kind": "server"})
    sized = HostSpec("db-1", "db_server", "127.20.0.1", disk_mb=512)
    assert HostSpec.from_dict(sized.to_dict()) == sized and sized.disk_size_mb == 512
    with pytest.raises(HostSpecError, match="field 'disk_mb': 'big' is not a whole number"):
        HostSpec.from_dict({**sized.to_dict(), "disk_mb": "big"})


def test_each_kind_has_its_own_disk_size() -> None:
    """A DB server and the backup target get room for data and WAL, a workstation less;
    the image is sparse, so the size costs the machine nothing until written."""
    db, ws = HostSpec("d", "db_server", "127.1.0.1"), HostSpec("w", "workstation", "127.1.0.2")
    assert (db.disk_size_mb, ws.disk_size_mb) == (8192, 2048)
    assert HostSpec("b", "backup_target", "127.1.0.3").disk_size_mb == 8192


def test_specs_from_topology() -> None:
    def endpoint(name: str, kind: str, dept: str, addr: str) -> SimpleNamespace:
        return SimpleNamespace(name=name, kind=kind, department=dept, lab_address=addr)

    topology = SimpleNamespace(endpoints={e.name: e for e in [
        endpoint("his-db-1", "server", "servers", "127.20.0.1"),
        endpoint("his-app-1", "server", "servers", "127.20.0.2"),
        endpoint("backup-1", "server", "servers", "127.20.0.3"),
        endpoint("opd-1", "workstation", "outpatient", "127.20.0.4"),
        endpoint("opd-2", "workstation", "outpatient", "127.20.0.5"),
        endpoint("pha-1", "workstation", "pharmacy", "127.20.0.6"),
        endpoint("icu-1", "protected", "ICU", "127.20.0.7"),
    ]})  # fmt: skip
    specs = {s.name: s for s in specs_from_topology(topology)}
    assert set(specs) == {"his-db-1", "backup-1", "opd-1", "opd-2", "pha-1"}
    assert specs["his-db-1"].kind == "db_server"
    assert specs["backup-1"].kind == "backup_target"
    assert [n for n, s in specs.items() if "client_test" in s.groups] == ["opd-1", "pha-1"]


def test_hisdata_is_deterministic_and_consistent() -> None:
    first = list(hisdata.generate(50, seed=7))
    assert first == list(hisdata.generate(50, seed=7))
    assert first != list(hisdata.generate(50, seed=8))
    patients = {row[0] for table, row in first if table == "patients"}
    encounters = {row[0]: row[1] for table, row in first if table == "encounters"}
    charges = [row for table, row in first if table == "charges"]
    assert patients == set(range(1, 51))
    assert set(encounters.values()) <= patients
    assert all(row[1] in encounters and row[6] == row[5] * row[4] for row in charges)
    with pytest.raises(ValueError):
        list(hisdata.generate(-1))
