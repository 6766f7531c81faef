#!/usr/bin/env bash
# ansible-lint with the production profile over playbooks, roles and molecule scenarios.
set -euo pipefail
cd "$HISOPS_ROOT"
ansible-lint --profile production --offline playbooks roles molecule
