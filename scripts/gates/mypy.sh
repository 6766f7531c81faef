#!/usr/bin/env bash
# mypy over plugins/module_utils, hisops/ and reliability/ with pyproject's [tool.mypy] (files, the
# ansible_collections import path through collections/, the untyped libraries). Its
# reports name module_utils through collections/ansible_collections/hisops/emergency/.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec mypy "$@"
