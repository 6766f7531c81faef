#!/usr/bin/env bash
# pytest, where "no tests collected" (exit 5) is a failure, not a pass.
set -uo pipefail
pytest --durations=25 "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
