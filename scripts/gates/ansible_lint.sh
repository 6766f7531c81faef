#!/usr/bin/env bash
# ansible-lint with the production profile over playbooks, roles and molecule scenarios.
set -euo pipefail
cd "$HISOPS_ROOT"
# cryptography's DSA deprecation warning, printed by ansible-core's import of it, is noise
# here (hisops/runner.py silences the same for playbook runs).
PYTHONWARNINGS="ignore:DSA is deprecated" ansible-lint --profile production --offline playbooks roles molecule
