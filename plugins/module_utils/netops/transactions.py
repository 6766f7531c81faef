# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Isolation transactions on disk: one JSON file per isolation, written atomically.

A record holds who, when and why, the target and what was found, and per device the
configuration before and after (secrets masked), the commands sent and their exact
inverse. Reconnection adds the clean-up confirmation and the proof it was undone.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import datetime, timezone
from typing import Any

from ..files import write_atomic
from ..state.store import Hold, StateStore
from .errors import InputError, TransactionError

ID_PATTERN = re.compile(r"^iso-\d{8}T\d{6}Z-[0-9a-f]{6}$")


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return f"iso-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class Store:
    """The records of one workflow; with ``state_dir``, each save also writes the record's
    hold into the hospital's deliberate state (module_utils/state), in the same call."""

    HOLD_KIND = "isolation"
    # the ids (file names) of this workflow's records (a name of its own: `ID_PATTERN =
    # ID_PATTERN` in a class body sends pylint's inference into a loop, ansible-test sanity)
    RECORD_ID = ID_PATTERN

    def __init__(self, directory: str, state_dir: str = "") -> None:
        if not directory:
            raise InputError("store: a directory for the isolation records is required")
        self.directory = directory
        self.state = StateStore(state_dir) if state_dir else None

    def path(self, isolation_id: str) -> str:
        return os.path.join(self.directory, f"{isolation_id}.json")

    def load(self, record_id: str) -> dict[str, Any]:
        if not ID_PATTERN.match(str(record_id or "")):
            raise InputError(
                f"isolation_id: {record_id!r} is not an isolation id "
                "(iso-YYYYMMDDTHHMMSSZ-xxxxxx, as isolate printed it)"
            )
        try:
            with open(self.path(record_id), encoding="utf-8") as handle:
                return json.load(handle)
        except FileNotFoundError:
            raise TransactionError(
                f"isolation_id: no isolation {record_id} is recorded in {self.directory}",
                hint="list the open isolations with playbooks/isolation_status.yml",
            ) from None

    def save(self, record: dict[str, Any]) -> str:
        os.makedirs(self.directory, mode=0o750, exist_ok=True)
        path = self.path(record["id"])
        write_atomic(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
        if self.state is not None:
            self.state.put(self.hold_of(record))
        return path

    def hold_of(self, record: dict[str, Any]) -> Hold:
        """An isolation as the other workflows see it: its switches and who it cut off."""
        endpoints = record.get("blast_radius", {}).get("endpoints", [])
        located = record.get("located") or {}
        if (
            record.get("kind") == "host"
            and located.get("ip")
            and not any(e.get("ip") == located["ip"] for e in endpoints)
        ):
            endpoints = [
                *endpoints,
                {"name": "", "ip": located["ip"], "mac": located.get("mac", "")},
            ]
        return Hold(
            id=record["id"],
            kind=self.HOLD_KIND,
            key=record.get("key", ""),
            state="open" if record.get("state") == "open" else "closed",
            summary=f"{record.get('kind', '')} {record.get('target', '')}: {record.get('reason', '')}".strip(),
            devices=sorted(record.get("devices", {})),
            endpoints=[
                {k: e.get(k, "") for k in ("name", "ip", "mac", "department")} for e in endpoints
            ],
            details={k: record[k] for k in ("fence_of", "partial", "quarantine") if record.get(k)},
            opened_by=record.get("opened_by", ""),
            opened_at=record.get("opened_at", ""),
            closed_by=record.get("closed_by", "") or "",
            closed_at=record.get("closed_at", "") or "",
        )

    def records(self) -> list[dict[str, Any]]:
        if not os.path.isdir(self.directory):
            return []
        found = []
        for name in sorted(os.listdir(self.directory)):
            if name.endswith(".json") and self.RECORD_ID.match(name[:-5]):
                with open(os.path.join(self.directory, name), encoding="utf-8") as handle:
                    found.append(json.load(handle))
        return found

    def open_records(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r.get("state") == "open"]

    def find_open(self, key: str) -> dict[str, Any] | None:
        for record in self.open_records():
            if record.get("key") == key:
                return record
        return None


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """What isolation_status shows of one record (no configurations)."""
    return {
        "id": record["id"],
        "state": record.get("state"),
        "kind": record.get("kind"),
        "target": record.get("target"),
        "located": record.get("located"),
        "opened_by": record.get("opened_by"),
        "opened_at": record.get("opened_at"),
        "reason": record.get("reason"),
        "forced": record.get("forced", False),
        "devices": sorted(record.get("devices", {})),
        "endpoints": [
            e.get("name") or e.get("mac")
            for e in record.get("blast_radius", {}).get("endpoints", [])
        ],
        "cleanup": record.get("cleanup"),
        "closed_by": record.get("closed_by"),
        "closed_at": record.get("closed_at"),
        "fence_of": record.get("fence_of", ""),
        "quarantine": {k: v for k, v in (record.get("quarantine") or {}).items() if k != "port_up"},
    }
