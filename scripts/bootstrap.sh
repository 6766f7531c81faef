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
  # the virtualenv's interpreter (below): Debian's optimised build
  python3 python3-venv
  pgbackrest
  # systemd-analyze (calendar, verify): the schedules' times and units are checked with it
  systemd
  # the incident report's PDF (WeasyPrint: Pango, HarfBuzz subsetting; a CJK font for Chinese)
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-zenhei
  # the operator console: the hospital drawn (Graphviz's dot), tested in headless Chromium
  graphviz chromium
  # the daily inspection's UPS (issue 20): NUT's upsd with the dummy-ups driver in the lab
  nut-server
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

# PostgreSQL's current point release (issue 16: a PANIC seen once on 15.18 after many
# rewinds). A fresh machine installs the candidate above; one that has an older 15.x is
# upgraded to apt's candidate. Running servers (the lab hosts') are not restarted: no init
# and policy-rc.d keep the package scripts from it; each runs the new binary from its next
# start. Checked again only when apt's lists or dpkg's status have changed since the last
# check found it current (apt-cache alone costs ~0.5 s of CPU here: no package cache).
PG_POINT_PACKAGES=(postgresql-15 postgresql-client-15 libpq5)
_pg_stamp=".venv/.hisops-pg-point-release"
_pg_seen="$(stat -c %Y /var/lib/apt/lists /var/lib/dpkg/status 2>/dev/null | tr '\n' ' ')"
if [ ! -f "$_pg_stamp" ] || [ "$(cat "$_pg_stamp")" != "$_pg_seen" ]; then
  _stale_pg=()
  while read -r _pg_pkg _pg_candidate; do
    _pg_installed="$(dpkg-query -W -f='${Version}' "$_pg_pkg" 2>/dev/null || true)"
    if [ -n "$_pg_installed" ] && [ "$_pg_candidate" != "(none)" ] \
      && dpkg --compare-versions "$_pg_installed" lt "$_pg_candidate"; then
      _stale_pg+=("$_pg_pkg")
    fi
  done < <(LC_ALL=C apt-cache policy "${PG_POINT_PACKAGES[@]}" 2>/dev/null \
    | awk '/^[^ ]/ {pkg = $1; sub(":$", "", pkg)} /^  Candidate:/ {print pkg, $2}')
  if ((${#_stale_pg[@]})); then
    _log "upgrading to PostgreSQL's current point release: ${_stale_pg[*]}"
    _sudo=""
    [ "$(id -u)" -eq 0 ] || _sudo="sudo"
    _pg_upgrade() {
      # another engineer's bootstrap may hold dpkg's lock: waited for, not failed on
      $_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade \
        -o DPkg::Lock::Timeout=300 --no-install-recommends "${_stale_pg[@]}" >/dev/null
    }
    # lists older than the mirror name a release it no longer has: refreshed once, retried
    if _pg_upgrade || { $_sudo apt-get update -qq && _pg_upgrade; }; then
      _pg_seen="$(stat -c %Y /var/lib/apt/lists /var/lib/dpkg/status 2>/dev/null | tr '\n' ' ')"
    else
      _log "WARNING: the PostgreSQL point-release upgrade failed; going on with $(
        dpkg-query -W -f='${Version}' postgresql-15)"
      _pg_seen=""
    fi
  fi
  [ ! -d .venv ] || [ -z "$_pg_seen" ] || echo "$_pg_seen" >"$_pg_stamp"
fi

# The virtualenv's Python: Debian's /usr/bin/python3 (3.10 or newer) before the first
# python3 on PATH. Debian builds it with profile-guided and link-time optimisation; the
# python3 such machines put first (pyenv's, in /root/.pyenv) is built with neither and runs
# the suite's Python about 1.2x slower (docs/benchmarks.md, "Item 10, ninth pass").
# HISOPS_PYTHON chooses another; a .venv made from another interpreter is made again.
if [ -n "${HISOPS_PYTHON:-}" ]; then
  PYTHON="$HISOPS_PYTHON"
elif /usr/bin/python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  PYTHON=/usr/bin/python3
else
  PYTHON=python3
fi
_want_python="$("$PYTHON" -c 'import os, sys; print(os.path.realpath(sys.executable))')"
if [ -x .venv/bin/python ] && [ "$(readlink -f .venv/bin/python)" != "$_want_python" ]; then
  _log "the virtualenv was made from $(readlink -f .venv/bin/python), not $_want_python: making it again"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  _log "creating virtualenv .venv ($_want_python)"
  "$PYTHON" -m venv .venv
fi
_stamp=".venv/.hisops-installed"
_want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$_stamp" ] || [ "$(cat "$_stamp")" != "$_want" ]; then
  _log "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  # setuptools tells every editable install, as a warning, that folders named like the
  # package may shadow it (informational: hisops is the package); hide only that one.
  # --no-compile: pip compiles file by file on one core; compileall below uses both
  PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install -q --no-compile --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  # The bytecode of every installed file, made once here. An environment with
  # PYTHONDONTWRITEBYTECODE=1 (this machine's; CI's by all appearances) keeps Python from writing it when a
  # module is first imported, so without it every process compiled ansible, molecule and the
  # rest from source again: the molecule gate on a clean clone cost 431-493 CPU-s against
  # 351 with it (docs/benchmarks.md, item 10, tenth pass). Files that are not Python 3
  # (templates, test data of some packages) fail to compile: that is expected, and quiet.
  .venv/bin/python -m compileall -q -j0 .venv/lib >/dev/null 2>&1 || true
  # hisops first: it silences asyncssh's DSA deprecation warning (see hisops/__init__.py)
  .venv/bin/python -c "import hisops, ansible, netmiko, ntc_templates, hier_config, psycopg, asyncssh, ansible_runner" \
    || { _log "Python packages failed to install"; exit 1; }
  echo "$_want" >"$_stamp"
fi

# awx.awx (issue 21: awx/configure.yml is checked against its modules' argument specs):
# from the community "ansible" wheel on PyPI, pinned in awx/awx-collection.txt, only its
# ansible_collections/awx/awx unpacked into .venv/awx-collections; again when the pin changes.
_awx_stamp=".venv/awx-collections/.hisops-pin"
_awx_want="$(sha256sum awx/awx-collection.txt | cut -d' ' -f1)"
if [ ! -f "$_awx_stamp" ] || [ "$(cat "$_awx_stamp")" != "$_awx_want" ]; then
  _log "unpacking the awx.awx collection into .venv/awx-collections"
  _awx_tmp="$(mktemp -d)"
  .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps \
    -r awx/awx-collection.txt -d "$_awx_tmp" 2>&1 | grep -v "^WARNING: Location" || true
  rm -rf .venv/awx-collections
  .venv/bin/python - "$_awx_tmp" .venv/awx-collections <<'PY'
import sys, zipfile
from pathlib import Path
wheel = next(Path(sys.argv[1]).glob("ansible-*.whl"))
with zipfile.ZipFile(wheel) as archive:
    members = [n for n in archive.namelist() if n.startswith("ansible_collections/awx/awx/")]
    archive.extractall(sys.argv[2], members)
PY
  rm -rf "$_awx_tmp"
  [ -f .venv/awx-collections/ansible_collections/awx/awx/MANIFEST.json ] \
    || { _log "awx.awx failed to unpack"; exit 1; }
  echo "$_awx_want" >"$_awx_stamp"
fi

# The checkout's own Python, compiled when it changed (a second, once nothing changed), for
# the same reason; and what runs from here may write bytecode, as Python does by default
# (pytest's rewritten test modules, ansible-test's virtualenvs): PYTHONDONTWRITEBYTECODE from
# the environment would have every run compile them again.
.venv/bin/python -m compileall -q -j0 hisops plugins tests molecule bench scripts awx >/dev/null 2>&1 || true
unset PYTHONDONTWRITEBYTECODE

export PATH="$HISOPS_ROOT/.venv/bin:$PATH"
export VIRTUAL_ENV="$HISOPS_ROOT/.venv"
export ANSIBLE_CONFIG="$HISOPS_ROOT/ansible.cfg"
