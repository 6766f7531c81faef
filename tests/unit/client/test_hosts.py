"""The one way to reach other hosts from an action plugin (plugin_utils/hosts.py): a
command with data on its stdin over the host's own Ansible connection."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ansible_collections.hisops.emergency.plugins.plugin_utils.db_hosts import HostModules
from ansible_collections.hisops.emergency.plugins.plugin_utils.hosts import Hosts
from test_client_fleet import controller_action

LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}


def test_write_json_pipes_the_data_and_replaces_the_file_at_once(tmp_path: Path) -> None:
    assert HostModules is Hosts  # the database actions' name for the same mechanism
    hosts = Hosts(controller_action(), {"hostvars": {"db-1": LOCAL}})
    target = tmp_path / "word.json"
    word = {"promote": True, "quote": 'it\'s "here"', "n": list(range(2000))}
    assert hosts.write_json("db-1", str(target), word)
    assert json.loads(target.read_text()) == word and (target.stat().st_mode & 0o077) == 0
    assert not (tmp_path / "word.json.tmp").exists()
    assert not hosts.write_json("db-1", str(tmp_path / "missing" / "word.json"), word)
    done = hosts.pipe("db-1", "wc -c", b"12345")
    assert (done["rc"], done["stdout"].strip()) == (0, "5")
    assert hosts.variables("db-1")["inventory_hostname"] == "db-1"
    hosts.close()
