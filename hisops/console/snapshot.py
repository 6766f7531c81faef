"""The static snapshot the daily inspection writes after each run: the console's page as
one self-contained HTML file (drawing, stylesheet inline; no refresh) and its data as
JSON, written atomically so a reader never sees half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hisops.console.model import build
from hisops.console.render import render_page
from hisops.console.sources import Paths, gather


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_snapshot(
    inspection_json_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    language: str | None = None,
    paths: Paths | None = None,
) -> str:
    """Write ``console.html`` (the site's language, or ``language``) and ``console.json``
    into ``out_dir`` from ``inspection_json_path`` and the other sources (``paths``:
    default as ``hisops console`` reads them). A source that is missing is said on the
    page; this raises only when ``out_dir`` cannot be written. Returns the page's path
    (``console.json`` is beside it)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gathered = gather(paths or Paths.defaults(), inspection=str(inspection_json_path))
    view = build(gathered, language)
    page = render_page(view, refresh=0)
    html_path, json_path = out / "console.html", out / "console.json"
    _write_atomic(html_path, page)
    _write_atomic(json_path, json.dumps(view.to_dict(), ensure_ascii=False, indent=1) + "\n")
    return str(html_path)
