"""The operator console's screenshots in docs/ (not run in the suite):

    .venv/bin/python scripts/console_screenshots.py [--out docs]

For each example state (hisops.console.demo: normal; the pharmacy isolated with AGG-3 and
ACC-2 down; the database failed over with an incident open) the state is written into
real stores in a temporary directory, ``hisops console``'s server serves it on 127.0.0.1,
and headless Chromium takes the page as an operator sees it: docs/console-<state>.png,
and the isolated state once more in Chinese (docs/console-isolated-zh.png). Colours are
reduced to a 256-colour palette (the text and the fills stay exact enough, the files a
third of the size).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image

from hisops.console import demo
from hisops.console.server import make_server

REPO = Path(__file__).resolve().parent.parent
WINDOW = "1400,1650"
SHOTS = (
    ("normal", "en", "console-normal.png"),
    ("isolated", "en", "console-isolated.png"),
    ("failover", "en", "console-failover.png"),
    ("isolated", "zh", "console-isolated-zh.png"),
)


def shoot(chromium: str, url: str, target: Path, profile: Path) -> None:
    run = subprocess.run(
        [
            chromium,
            *demo.CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW}",
            f"--screenshot={target}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if run.returncode != 0 or not target.exists():
        raise SystemExit(f"chromium failed on {url}: {run.stderr[-1500:]}")
    with Image.open(target) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(target, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs"), help="where the PNGs go")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium is not installed (Debian package chromium)", file=sys.stderr)
        return 2
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="console-shots-") as tmp:
        for state, language, name in SHOTS:
            paths = demo.make_state(f"{tmp}/{state}-{language}", state, language=language)
            httpd = make_server(paths, port=0, quiet=True)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            host, port = httpd.server_address[0], httpd.server_address[1]
            try:
                shoot(chromium, f"http://{host}:{port}/", out / name, Path(tmp) / "profile")
            finally:
                httpd.shutdown()
                httpd.server_close()
            print(f"{out / name}: {(out / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
