#!/usr/bin/env bash
# pytest, where "no tests collected" (exit 5) is a failure, not a pass.
#
# The tests wait on labs (SSH, timers, PostgreSQL) more than they compute: they run in
# HISOPS_PYTEST_WORKERS pytest-xdist workers (default 4; 0 runs them in this process), a
# whole file per worker, the slowest files of the last run first (tests/conftest.py).
# Every worker boots its own labs on its own 127.N blocks (tests/lab/lab_fixtures.py).
#
# A failed test's whole file is run once more, alone (its tests share module fixtures and
# may build on each other's state). A file that then passes does not fail the gate, but
# every test of it that failed is printed as FLAKY, with its first failure above, at the
# end of the run (scripts/test repeats the lines): a flaky test is a finding to fix, not a
# pass to forget. HISOPS_PYTEST_RERUN=0 fails the gate at the first failure, as pytest does.
set -uo pipefail
workers="${HISOPS_PYTEST_WORKERS:-4}"
parallel=()
if [ "$workers" != 0 ]; then
  parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder)
fi
log="$(mktemp)"
# Module payloads are built once for the whole gate (tests/integration/ansible_bytecode.py),
# not once per fork server: every worker's servers (one per ANSIBLE_* environment) parsed and
# compiled the same module_utils again for each module's first run.
if [ "${HISOPS_ANSIBALLZ_MEMO:-}" != 0 ]; then
  HISOPS_ANSIBALLZ_MEMO="$(mktemp -d)"
  export HISOPS_ANSIBALLZ_MEMO
fi
trap 'rm -f "$log"; [ "$HISOPS_ANSIBALLZ_MEMO" = 0 ] || rm -rf "$HISOPS_ANSIBALLZ_MEMO"' EXIT
pytest --durations=25 "${parallel[@]}" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
if [ "$rc" -ne 1 ] || [ "${HISOPS_PYTEST_RERUN:-1}" = 0 ]; then
  exit "$rc"
fi
# rc 1: some tests failed. Their files, once more, alone (one worker each, at most 4).
mapfile -t failed < <(grep -aoP '^(FAILED|ERROR) \K[^ ]+' "$log" | sort -u)
mapfile -t files < <(printf '%s\n' "${failed[@]}" | sed 's/::.*//' | sort -u)
if ((${#files[@]} == 0)); then
  exit "$rc"
fi
printf '\n== pytest: %s test(s) failed; their file(s) run once more: %s ==\n' \
  "${#failed[@]}" "${files[*]}"
again=()
if [ "$workers" != 0 ] && ((${#files[@]} > 1)); then
  n=$((${#files[@]} < 4 ? ${#files[@]} : 4))
  again=(-n "$n" --dist loadfile --no-loadscope-reorder)
fi
if pytest "${again[@]}" "${files[@]}"; then
  printf '\n'
  printf 'FLAKY (failed, then passed when its file ran again): %s\n' "${failed[@]}"
  exit 0
fi
exit 1
