#!/usr/bin/env bash
# pytest, where "no tests collected" (exit 5) is a failure, not a pass.
#
# The tests wait on labs (SSH, timers, PostgreSQL) more than they compute: they run in
# HISOPS_PYTEST_WORKERS pytest-xdist workers (default 4; 0 runs them in this process), a
# whole file per worker, the slowest files of the last run first (tests/conftest.py).
# Every worker boots its own labs on its own 127.N blocks (tests/lab/lab_fixtures.py).
set -uo pipefail
workers="${HISOPS_PYTEST_WORKERS:-4}"
parallel=()
if [ "$workers" != 0 ]; then
  parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder)
fi
pytest --durations=25 "${parallel[@]}" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
