"""The operator console in a real browser: headless Chromium (Debian's chromium) loads the
page from ``hisops console``'s server, once: no console message (the page's Content
Security Policy would report anything it blocked there), the DOM has every switch of the
hospital as an SVG node with its state class, the isolated segment drawn in its colour,
and the screenshot shows those colours."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hisops.console import demo
from hisops.console.model import COLOURS
from hisops.console.server import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PRODUCTION = ("CORE-1", "AGG-1", "AGG-2", "AGG-3", "AGG-4", "AGG-5", "ACC-1", "ACC-2", "ACC-3")
WINDOW = (1400, 1300)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian package chromium; scripts/bootstrap.sh installs it)",
)


class SvgNodes(HTMLParser):
    """Each SVG group with an id: its classes and the first fill drawn inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: dict[str, dict[str, str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "g":
            self._open.append(values.get("id", ""))
            if values.get("id"):
                self.groups[values["id"]] = {"class": values.get("class", ""), "fill": ""}
        elif tag in ("polygon", "path", "ellipse") and values.get("fill") not in ("none", None):
            # a node's shape may sit in a nested group (its tooltip's link)
            for name in self._open:
                group = self.groups.get(name)
                if group is not None and not group["fill"]:
                    group["fill"] = values["fill"] or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "g" and self._open:
            self._open.pop()


def test_console_in_chromium(tmp_path: Path) -> None:
    paths = demo.make_state(str(tmp_path / "state"), "isolated")
    httpd = make_server(paths, port=0, quiet=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    host, port = httpd.server_address[0], httpd.server_address[1]
    screenshot = tmp_path / "console.png"
    try:
        run = subprocess.run(
            [
                str(CHROMIUM),
                *demo.CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                f"--screenshot={screenshot}",
                f"http://{host}:{port}/",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console

    dom = SvgNodes()
    dom.feed(run.stdout)
    for name in PRODUCTION:
        assert f"sw-{name}" in dom.groups, f"{name} is not drawn"
        assert "switch" in dom.groups[f"sw-{name}"]["class"].split()
    assert "state-down" in dom.groups["sw-AGG-3"]["class"].split()
    assert "state-ok" in dom.groups["sw-AGG-2"]["class"].split()
    pharmacy = dom.groups["seg-30"]
    assert pharmacy["class"].split() == ["node", "segment", "state-isolated"]
    assert pharmacy["fill"] == COLOURS["isolated"][0]
    assert dom.groups["sw-AGG-3"]["fill"] == COLOURS["down"][0]
    assert re.search(r'<body data-overall="critical"', run.stdout)

    from PIL import Image

    assert screenshot.stat().st_size > 50_000
    with Image.open(screenshot) as image:
        assert image.size == WINDOW
        counts = {rgb: n for n, rgb in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert len(counts) > 200  # a drawing with text, not a blank or an error page

    def pixels(hex_colour: str) -> int:
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return counts.get(rgb, 0)

    assert pixels(COLOURS["isolated"][0]) > 2_000  # the pharmacy segment
    assert pixels(COLOURS["down"][0]) > 2_000  # AGG-3 and ACC-2
    assert pixels(COLOURS["ok"][0]) > 10_000  # the rest of the hospital
