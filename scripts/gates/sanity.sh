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
# this machine cannot reach; its cache holds a stand-in instead: this virtualenv's pip
# installs the pip asked for into the new venv (pip --python), without byte-compiling it
# (ensurepip and a second pip install cost a fresh machine about 4 CPU-s per venv).
reqs="$(python -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')"
pip_ver="$(grep -oP "pip='\K[0-9.]+" "$reqs" | head -n1 || true)"
if [ -n "$pip_ver" ]; then
  cache="$HOME/.ansible/test/cache/get_pip_${pip_ver//./_}.py"
  mkdir -p "$(dirname "$cache")"
  cat >"$cache" <<PY
"""Stand-in for get-pip.py: the gate's pip installs what was asked into this venv."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call(["$(command -v python)", "-m", "pip", "--python", sys.executable,
                       "install", "-q", "--no-compile"] + args)
PY
fi
# the venvs' packages are not byte-compiled at install: only what a test imports is, when
# it does (most of pylint's and astroid's files never are)
export PIP_NO_COMPILE=1
python_version="$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
rc=0
# pep8 (pycodestyle) is the ruff gate's E and W rules again (pyproject: select), and on a
# fresh machine its own virtualenv costs 8 CPU-s to install: skipped.
ansible-test sanity --local --python "$python_version" --color no --skip-test pep8 >"$work/sanity.log" 2>&1 || rc=$?
grep -vE "^(WARNING: Location|Looking in|Collecting|  Downloading|Installing|Successfully|Processing|     ━|Requirement already)" \
  "$work/sanity.log" || true
exit "$rc"
