# shellcheck shell=bash
# Sourced by scripts/drill and scripts/test: installs what the project needs on a fresh
# Debian/Ubuntu machine (apt packages, a virtualenv with the Python packages) and puts the
# virtualenv first on PATH. Safe to run again: it only installs what is missing.
set -euo pipefail

HISOPS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HISOPS_ROOT
cd "$HISOPS_ROOT"

APT_PACKAGES=(
  git
  openssh-server openssh-client
  postgresql-15 postgresql-client-15 postgresql-contrib
  iproute2 nftables procps psmisc util-linux libfaketime sudo
  python3-psycopg pgbouncer
)

_log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

_missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || _missing_apt+=("$pkg")
done
if ((${#_missing_apt[@]})); then
  _log "installing apt packages: ${_missing_apt[*]}"
  _sudo=""
  [ "$(id -u)" -eq 0 ] || _sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $_sudo apt-get update -qq
  $_sudo apt-get install -y -qq --no-install-recommends "${_missing_apt[@]}" >/dev/null
fi

PYTHON="${HISOPS_PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  _log "creating virtualenv .venv"
  "$PYTHON" -m venv .venv
fi
_stamp=".venv/.hisops-installed"
_want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$_stamp" ] || [ "$(cat "$_stamp")" != "$_want" ]; then
  _log "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  # setuptools tells every editable install, as a warning, that folders named like the
  # package may shadow it (informational: hisops is the package); hide only that one.
  PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  # hisops first: it silences asyncssh's DSA deprecation warning (see hisops/__init__.py)
  .venv/bin/python -c "import hisops, ansible, netmiko, ntc_templates, hier_config, psycopg, asyncssh, ansible_runner" \
    || { _log "Python packages failed to install"; exit 1; }
  echo "$_want" >"$_stamp"
fi

export PATH="$HISOPS_ROOT/.venv/bin:$PATH"
export VIRTUAL_ENV="$HISOPS_ROOT/.venv"
export ANSIBLE_CONFIG="$HISOPS_ROOT/ansible.cfg"
