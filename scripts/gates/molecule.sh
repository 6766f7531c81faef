#!/usr/bin/env bash
# Every molecule scenario (one per role), against the lab: create, converge, idempotence,
# verify, destroy. Usage: scripts/gates/molecule.sh [scenario ...]
set -euo pipefail
cd "$HISOPS_ROOT"
if (($#)); then
  scenarios=("$@")
else
  mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' \
    | xargs -n1 basename | sort)
fi
failed=()
for s in "${scenarios[@]}"; do
  echo "-- molecule scenario: $s"
  molecule test -s "$s" || failed+=("$s")
done
if ((${#failed[@]})); then
  echo "molecule scenarios failed: ${failed[*]}" >&2
  exit 1
fi
