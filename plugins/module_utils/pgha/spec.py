# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec shared by the DB-pair modules (doc fragment ``hisops.emergency.db_pair``)."""

from __future__ import annotations

from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.config import HaSettings
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.node import LocalNode

PAIR_ARGS: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "peer": {"type": "str", "required": True},
    "peer_host": {"type": "str", "required": True},
    "peer_port": {"type": "int", "default": 5432},
    "replication_user": {"type": "str", "default": "hisops_replicator"},
    "pg_version": {"type": "str", "default": "15"},
    "pg_cluster": {"type": "str", "default": "main"},
}


def pair_args(**extra: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {**PAIR_ARGS, **extra}


def settings_from(
    params: dict[str, Any],
    sync_mode: str = "async",
    wal_keep_size: str = "512MB",
    max_slot_wal_keep_size: str = "auto",
) -> HaSettings:
    return HaSettings(
        node=params["name"],
        peer=params["peer"],
        peer_host=params["peer_host"],
        peer_port=params["peer_port"],
        replication_user=params["replication_user"],
        sync_mode=sync_mode,
        wal_keep_size=wal_keep_size,
        max_slot_wal_keep_size=max_slot_wal_keep_size,
    ).validate()


def node_from(params: dict[str, Any]) -> LocalNode:
    return LocalNode(version=params["pg_version"], cluster=params["pg_cluster"])
