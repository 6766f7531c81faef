#!/usr/bin/env bash
# ansible-test sanity on the collection as it is built (lab, tests and bench left out).
# ansible-test needs the tree at ansible_collections/<ns>/<name>, so a copy is made there.
set -euo pipefail
cd "$HISOPS_ROOT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/hisops/emergency"
mkdir -p "$dest"
# The collection content: what galaxy.yml's build_ignore keeps, plus tests/sanity.
git ls-files --cached --others --exclude-standard -z -- \
    galaxy.yml meta plugins roles playbooks docs README.md tests/sanity \
  | xargs -0 -I{} cp --parents {} "$dest"/
cd "$dest"
# ansible-test bootstraps pip in its venvs with a get-pip script downloaded from a host
# this machine cannot reach; seed its cache with an equivalent built on ensurepip.
reqs="$(python -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')"
pip_ver="$(grep -oP "pip='\K[0-9.]+" "$reqs" | head -n1 || true)"
if [ -n "$pip_ver" ]; then
  cache="$HOME/.ansible/test/cache/get_pip_${pip_ver//./_}.py"
  if [ ! -f "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    cat >"$cache" <<'PY'
"""Stand-in for get-pip.py: ensurepip, then pip installs what was asked (from PyPI)."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q"] + args)
PY
  fi
fi
python_version="$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
rc=0
# pep8 (pycodestyle) is the ruff gate's E and W rules again (pyproject: select), and on a
# fresh machine its own virtualenv costs 8 CPU-s to install: skipped.
ansible-test sanity --local --python "$python_version" --color no --skip-test pep8 >"$work/sanity.log" 2>&1 || rc=$?
grep -vE "^(WARNING: Location|Looking in|Collecting|  Downloading|Installing|Successfully|Processing|     ━|Requirement already)" \
  "$work/sanity.log" || true
exit "$rc"
