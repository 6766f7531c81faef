"""Print, as JSON, the argument specs of awx.awx modules (run as a script, in its own
process: the installed collection's modules build their spec inside main(), so main() is
called with ControllerAPIModule stopped at its first line, the spec and its constraints
taken as the module hands them over; nothing reaches a controller).

Usage: python awx_argspecs.py COLLECTIONS_DIR MODULE...
"""

from __future__ import annotations

import importlib
import json
import sys


class Captured(Exception):
    pass


def without_fallbacks(spec: dict) -> dict:
    """The spec as JSON can carry it: a fallback (the connection options' env_fallback: a
    default read from CONTROLLER_HOST & co.) is a function, dropped; nothing else is."""
    clean = {}
    for name, option in spec.items():
        option = {k: v for k, v in option.items() if k != "fallback"}
        if isinstance(option.get("options"), dict):
            option["options"] = without_fallbacks(option["options"])
        clean[name] = option
    return clean


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    api = importlib.import_module("ansible_collections.awx.awx.plugins.module_utils.controller_api")
    specs = {}

    def capture(self, argument_spec, direct_params=None, error_callback=None,
                warn_callback=None, **kwargs):  # fmt: skip
        full = dict(api.ControllerModule.AUTH_ARGSPEC)
        full.update(argument_spec)
        raise Captured({"argument_spec": without_fallbacks(full), **kwargs})

    api.ControllerAPIModule.__init__ = capture
    for name in sys.argv[2:]:
        module = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{name}")
        try:
            module.main()
        except Captured as captured:
            specs[name] = captured.args[0]
    json.dump(specs, sys.stdout)


if __name__ == "__main__":
    main()
