#!/usr/bin/env bash
# ansible-lint with the production profile over playbooks, roles and molecule scenarios.
set -euo pipefail
cd "$HISOPS_ROOT"
# cryptography's DSA deprecation warning, printed by ansible-core's import of it, is noise
# here (hisops/runner.py silences the same for playbook runs).
export PYTHONWARNINGS="ignore:DSA is deprecated"
# ansible-lint's syntax checks (one ansible-playbook each, about 120) fork from a server that
# has imported ansible once (scripts/gates/ansible-bin: about 0.35 CPU-s less each); the
# directory ends the server when the gate ends. HISOPS_FORKSERVER=0: fresh processes.
export PATH="$HISOPS_ROOT/scripts/gates/ansible-bin:$PATH"
if [ "${HISOPS_FORKSERVER:-1}" != 0 ]; then
  HISOPS_GATE_FORKSERVER="$(mktemp -d)"
  export HISOPS_GATE_FORKSERVER
  trap 'rm -rf "$HISOPS_GATE_FORKSERVER"' EXIT
fi
ansible-lint --profile production --offline playbooks roles molecule
