# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The release options shared by client_release (one workstation) and client_fleet
    (every workstation in one run); module_utils/client/release.py RELEASE_SPEC is their
    argument spec."""

    DOCUMENTATION = r"""
options:
  state:
    description:
      - V(present) installs without switching, V(switched) installs and makes it current,
        V(rolled_back) goes back to O(version) or to the previous version, V(query) reads.
    type: str
    choices: [present, switched, rolled_back, query]
    default: switched
  version:
    description: The client version. Required for V(present) and V(switched).
    type: str
  package:
    description:
      - Path on the workstation of the package for O(version) (a release tarball or a
        .deb), needed only when that version is not installed yet.
    type: path
  sha256:
    description: Expected SHA-256 of O(package); a mismatch is refused before unpacking.
    type: str
  mode:
    description: V(release) (releases + current symlink) or V(deb) (a held Debian package).
    type: str
    choices: [release, deb]
    default: release
  name:
    description: Package name of the client.
    type: str
    default: his-client
  root:
    description: Directory of the client's releases (and state file) on the workstation.
    type: path
    default: /opt/his-client
  keep:
    description: Releases kept; older ones are removed (never the current or previous one).
    type: int
    default: 5
  health_command:
    description:
      - The client's health check (exit 0 = healthy), run on the workstation after the
        change, also when nothing changed (with V(query) only when a version is installed);
        not in check mode; its result is returned (C(health)).
    type: str
  revert_unhealthy:
    description:
      - When the health check fails after a switch, switch back before returning, on the
        workstation itself (so it happens even if the controller loses the connection).
    type: bool
    default: false
"""
