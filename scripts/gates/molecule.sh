#!/usr/bin/env bash
# Every molecule scenario (one per role), against the lab: create, [prepare,] converge,
# idempotence, verify, destroy (the syntax check is ansible-lint's: scripts/gates/ansible_lint.sh).
# Usage: scripts/gates/molecule.sh [scenario ...]
#
# Scenarios that boot the same kind of lab (the `create` playbook they share: switches on
# 127.61, database pair on 127.62, workstations on 127.63) run in lanes, one after the
# other in a lane; the lanes run side by side, since their labs never collide. A kind with
# more than 3 scenarios is split into two lanes, the second on the block 3 above
# (HISOPS_MOLECULE_BLOCK: 127.64 switches, 127.65 database pair, 127.66 workstations):
# the scenarios that boot the lane's snapshot of a built database pair in the first (the
# first of them builds and saves it: molecule/db_shared/fleet.py), else alternating.
# Each lane's output is printed when it ends. HISOPS_MOLECULE_SERIAL=1 runs everything one
# after the other.
set -euo pipefail
cd "$HISOPS_ROOT"
# every ansible-playbook of every scenario would print cryptography's DSA deprecation
# warning (ansible-core imports it; hisops/runner.py silences the same for hisops run)
export PYTHONWARNINGS="ignore:DSA is deprecated"
# molecule's ansible-playbook: the same entry point, module payloads carrying their
# bytecode, so a module run does not compile its imports (tests/integration/ansible_bytecode.py)
export PATH="$HISOPS_ROOT/scripts/gates/ansible-bin:$PATH"
# and built once for the whole gate, not once per ansible-playbook run
if [ "${HISOPS_ANSIBALLZ_MEMO:-}" != 0 ]; then
  HISOPS_ANSIBALLZ_MEMO="$(mktemp -d)"
  export HISOPS_ANSIBALLZ_MEMO
fi
# and forked from a server that has imported ansible once per scenario's environment
# (about 0.35 CPU-s less per step after the first); removing the directory ends them
if [ "${HISOPS_FORKSERVER:-1}" != 0 ]; then
  HISOPS_GATE_FORKSERVER="$(mktemp -d)"
  export HISOPS_GATE_FORKSERVER
fi
# The DB scenarios' built pair, built once a lane: the first scenario of a lane that needs
# it builds it and saves a snapshot of its hosts here when a later scenario of the lane boots
# that stage (HISOPS_MOLECULE_LANE_NEEDS), the next ones boot it instead of fresh hosts
# (molecule/db_shared/fleet.py; HISOPS_MOLECULE_SNAPSHOTS=0: each builds its own)
if [ "${HISOPS_MOLECULE_SNAPSHOTS:-}" != 0 ]; then
  HISOPS_MOLECULE_SNAPSHOTS="$(mktemp -d)"
else
  HISOPS_MOLECULE_SNAPSHOTS=""
fi
export HISOPS_MOLECULE_SNAPSHOTS
if (($#)); then
  scenarios=("$@")
else
  mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' \
    | xargs -n1 basename | sort)
fi

stage() {  # the snapshot a scenario boots (HISOPS_MOLECULE_FLEET_STAGE in its molecule.yml)
  grep -oP '^\s*HISOPS_MOLECULE_FLEET_STAGE:\s*\K\S+' "molecule/$1/molecule.yml" || true
}
by_stage() {  # the scenarios in name order, those that boot a later stage after (built, backed_up)
  local s
  for s in "$@"; do
    case "$(stage "$s")" in built) echo "1 $s" ;; backed_up) echo "2 $s" ;; *) echo "0 $s" ;; esac
  done | sort -s -k1,1n | cut -d' ' -f2 | tr '\n' ' '
}

# CPU seconds per scenario: a cpuacct cgroup each below the gate's own (scripts/test makes
# one per gate), where the v1 hierarchy is writable
cpu_parent=""
if [ -w /sys/fs/cgroup/cpuacct ]; then
  own="$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ {print $3}' /proc/self/cgroup)"
  if mkdir -p "/sys/fs/cgroup/cpuacct${own%/}/molecule-$$" 2>/dev/null; then
    cpu_parent="/sys/fs/cgroup/cpuacct${own%/}/molecule-$$"
  fi
fi
scenario_cpu() {  # scenario_cpu CGROUP: ", N CPU-s" when measured
  [ -n "$1" ] && [ -r "$1/cpuacct.usage" ] || return 0
  awk '{printf ", %.1f CPU-s", $1 / 1e9}' "$1/cpuacct.usage"
}

why() {  # why SCENARIO LOG: the failing step's task, fatal and error lines, for the run's end
  # (CI shows the tail of the output: these lines repeat there what the lane log says above)
  sed 's/\x1b\[[0-9;]*m//g' "$2" | awk -v m="-- molecule scenario: $1" '$0 == m {buf = ""} {buf = buf $0 "\n"} END {printf "%s", buf}' \
    | sed 's/^ *[│┌└]\? *//' \
    | grep -aE '^TASK \[|^(fatal|failed): \[|^\* \[|^ERROR|Executed: Failed|"msg"|^CRITICAL|Traceback|Error:' \
    | grep -aB1 -E '^(fatal|failed): \[|^\* \[|^ERROR|Executed: Failed|"msg"|^CRITICAL|Traceback|Error:' \
    | grep -av -e '^--$' -e 'glob failed' | cut -c1-400 | tail -n 12 | sed "s/^/-- molecule failure in $1: /"
}

run_lane() {  # run_lane LOG BLOCK scenario...: sequentially; the failed ones go to LOG.failed
  local log="$1" block="$2"
  shift 2
  : >"$log.failed"
  local lane=("$@") i
  for i in "${!lane[@]}"; do
    local s="${lane[$i]}" needs="" later
    for later in "${lane[@]:i+1}"; do  # the snapshots the lane's next scenarios boot
      needs+="$(stage "$later") "
    done
    echo "-- molecule scenario: $s"
    local start=$SECONDS cg=""
    # the scenario's CPU seconds, its hosts and lab included, where a cpuacct cgroup can be made
    if [ -n "$cpu_parent" ] && mkdir -p "$cpu_parent/$s" 2>/dev/null; then
      cg="$cpu_parent/$s"
      echo 0 >"$cg/cpuacct.usage" 2>/dev/null || true  # a second run counts afresh
    fi
    if (if [ -n "$cg" ]; then echo "$BASHPID" >"$cg/cgroup.procs" 2>/dev/null || true; fi
        HISOPS_MOLECULE_LANE_NEEDS="$needs" HISOPS_MOLECULE_BLOCK="$block" COLUMNS=240 exec molecule test -s "$s"); then
      echo "-- molecule scenario: $s passed in $((SECONDS - start)) s$(scenario_cpu "$cg")"
    else
      echo "-- molecule scenario: $s FAILED after $((SECONDS - start)) s$(scenario_cpu "$cg")"
      why "$s" "$log"
      echo "$s" >>"$log.failed"
    fi
  done >"$log" 2>&1
}

# ansible-lint (ansible-compat, older releases) installed a copy of this collection under ~/.ansible; the
# scenarios must run the checkout, and a stale copy found first hides new roles/plugins.
rm -rf "$HOME/.ansible/collections/ansible_collections/hisops/emergency"

# The scenarios' test sequence starts at create (no leading destroy: a run ends with one,
# even a failed run). A run killed midway leaves its scenario "created" in molecule's
# state, and create would then be skipped: destroy those first, and only those.
for s in "${scenarios[@]}"; do
  if grep -qs '^created: true' "$HOME"/.ansible/tmp/molecule.*."$s"/state.yml; then
    echo "-- molecule scenario: $s was left created by an earlier run: destroying it first"
    molecule destroy -s "$s" >/dev/null 2>&1 || echo "-- molecule destroy -s $s failed" >&2
  fi
done

declare -A base_block=(
  [../shared/lab_create.yml]=61 [../db_shared/create.yml]=62 [../client_shared/create.yml]=63
)
declare -A kinds=()
for s in "${scenarios[@]}"; do
  kind="$(grep -oP '^\s*create:\s*\K\S+' "molecule/$s/molecule.yml" || echo "$s")"
  if [ "${HISOPS_MOLECULE_SERIAL:-0}" = 1 ]; then kind=serial; fi
  kinds[$kind]+="$s "
done
declare -A lanes=()  # "BLOCK" -> scenarios ("" for a kind of its own: its default block)
for kind in "${!kinds[@]}"; do
  read -r -a members <<<"${kinds[$kind]}"
  block="${base_block[$kind]:-}"
  read -r -a members <<<"$(by_stage "${members[@]}")"
  if [ -z "$block" ] || ((${#members[@]} <= 3)); then
    lanes["$kind|$block"]="${members[*]}"
    continue
  fi
  # the scenarios that boot the lane's snapshot (HISOPS_MOLECULE_FLEET_STAGE in their
  # molecule.yml) in one lane, so that one build serves them all; the others beside them
  staged=() others=()
  for m in "${members[@]}"; do
    if [ "$(stage "$m")" ]; then
      staged+=("$m")
    else
      others+=("$m")
    fi
  done
  if ((${#staged[@]} > 1)) && [ "${HISOPS_MOLECULE_SNAPSHOTS:-}" ]; then
    lanes["$kind|$block"]="${staged[*]}"
    if ((${#others[@]})); then lanes["$kind|$((block + 3))"]="${others[*]}"; fi
    continue
  fi
  for i in "${!members[@]}"; do  # alternate: neighbours in name order go to both lanes
    lanes["$kind|$((block + 3 * (i % 2)))"]+="${members[$i]} "
  done
done

work="$(mktemp -d)"
trap 'rm -rf "$work" "${HISOPS_GATE_FORKSERVER:-}" ${HISOPS_MOLECULE_SNAPSHOTS:+"$HISOPS_MOLECULE_SNAPSHOTS"}; [ -z "$cpu_parent" ] || rmdir "$cpu_parent"/* "$cpu_parent" 2>/dev/null || true; [ "$HISOPS_ANSIBALLZ_MEMO" = 0 ] || rm -rf "$HISOPS_ANSIBALLZ_MEMO"' EXIT
pids=()
index=0
for lane in "${!lanes[@]}"; do
  index=$((index + 1))
  # shellcheck disable=SC2086 # the lane's scenarios are space-separated names
  run_lane "$work/lane$index.log" "${lane#*|}" ${lanes[$lane]} &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

failed=()
for log in "$work"/lane*.log; do
  cat "$log"
  mapfile -t -O "${#failed[@]}" failed <"$log.failed"
done
if ((${#failed[@]})) && [ "${HISOPS_MOLECULE_RERUN:-1}" != 0 ]; then
  # As the pytest gate does: a failed scenario once more, alone (one lane, the default
  # blocks, after every lane has ended). One that then passes does not fail the gate, but it is printed as FLAKY, with
  # its first failure's lines, at the end of the run (scripts/test repeats the lines): a flaky
  # scenario is a finding to fix, not a pass to forget. HISOPS_MOLECULE_RERUN=0: no second run.
  echo "== molecule: ${#failed[@]} scenario(s) failed; run once more, alone: ${failed[*]} =="
  run_lane "$work/again.log" "" "${failed[@]}" || true
  cat "$work/again.log"
  mapfile -t still <"$work/again.log.failed"
  for s in "${failed[@]}"; do
    if ! printf '%s\n' "${still[@]}" | grep -qx "$s"; then
      echo "FLAKY molecule scenario $s (failed, then passed when run again alone):"
      cat "$work"/lane*.log | grep -a "^-- molecule failure in $s: " | sed 's/^/FLAKY   /' || true
    fi
  done
  failed=("${still[@]}")
fi
if ((${#failed[@]})); then
  echo "molecule scenarios failed: ${failed[*]}" >&2
  exit 1
fi
