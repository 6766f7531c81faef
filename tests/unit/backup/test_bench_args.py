"""bench/backup.py's arguments only (the benchmark itself is not part of the suite)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "backup.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_backup", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_arguments_defaults_and_refusals(capsys):
    bench = _bench()
    args = bench.parse_args([])
    assert (args.runs, args.size_gb, args.keep) == (3, 2.0, False)
    assert bench.parse_args(["--runs", "1", "--size-gb", "0.5", "--keep"]).size_gb == 0.5
    assert args.parts == ["full", "restore", "daily"] and args.compress == []
    picked = bench.parse_args(["--parts", "full", "--compress", "lz4", "--compress", "zst:1"])
    assert picked.parts == ["full"] and picked.compress == ["lz4", "zst:1"]
    for bad in (["--runs", "0"], ["--size-gb", "0"], ["--runs", "x"], ["--parts", "full,tape"],
                ["--compress", "zip"], ["--compress", "zst:fast"]):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            bench.parse_args(bad)
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--runs must be 1 to 20" in err and "unknown part(s) ['tape']" in err
    assert "--compress 'zst:fast'" in err
