# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  name:
    description: Inventory name of this database node (also its C(application_name)).
    type: str
    required: true
  peer:
    description: Inventory name of the other node of the pair.
    type: str
    required: true
  peer_host:
    description: Address of the other node's PostgreSQL.
    type: str
    required: true
  peer_port:
    description: Port of the other node's PostgreSQL.
    type: int
    default: 5432
  replication_user:
    description: The replication user (LOGIN REPLICATION; its password is in C(~postgres/.pgpass)).
    type: str
    default: hisops_replicator
  pg_version:
    description: PostgreSQL major version (Debian layout C(/etc/postgresql/<version>/<cluster>)).
    type: str
    default: '15'
  pg_cluster:
    description: Debian cluster name.
    type: str
    default: main
requirements:
  - psycopg >= 3.1 (Debian C(python3-psycopg)) on the database server
notes:
  - Runs on the database server as the C(postgres) user (C(become_user=postgres)).
"""
