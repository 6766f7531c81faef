"""``hisops console``'s server: read-only (GET and HEAD; 405 for the rest), on 127.0.0.1
by default, the page in the site's language or ``?lang=``, the data as JSON; and the
snapshot the daily inspection writes."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hisops import cli
from hisops.console import server as console_server
from hisops.console.snapshot import write_snapshot
from hisops.console.sources import gather


@pytest.fixture(scope="module")
def served(state_paths) -> Iterator[tuple[str, int]]:
    paths = state_paths["isolated"]
    # the address hisops console binds by default, on a free port
    httpd = console_server.make_server(paths, port=0, refresh=30, quiet=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[0], httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def request(
    served: tuple[str, int], method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(*served, timeout=30)
    try:
        conn.request(method, path, body=body)
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def test_binds_loopback_by_default(served) -> None:
    assert console_server.DEFAULT_BIND == "127.0.0.1"
    assert served[0] == "127.0.0.1"
    args = cli.build_parser().parse_args(["console"])
    assert (args.bind, args.port, args.refresh) == ("127.0.0.1", 8420, 30)


def test_bind_configured_by_environment(monkeypatch) -> None:
    monkeypatch.setenv("HISOPS_CONSOLE_BIND", "10.10.99.250")
    args = cli.build_parser().parse_args(["console"])
    assert args.bind == "10.10.99.250"
    assert cli.build_parser().parse_args(["console", "--bind", "::1"]).bind == "::1"


def test_page(served) -> None:
    status, headers, body = request(served, "GET", "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    page = body.decode("utf-8")
    assert '<meta http-equiv="refresh" content="30">' in page
    assert page.count('class="node switch ') == 9  # the production switches, drawn
    assert 'class="node segment state&#45;isolated"' in page
    # the example site says en; the other language is one link away
    assert '<html lang="en">' in page and 'href="/?lang=zh"' in page


def test_page_in_chinese(served) -> None:
    status, _, body = request(served, "GET", "/?lang=zh")
    page = body.decode("utf-8")
    assert status == 200 and '<html lang="zh-CN">' in page
    assert "运维控制台" in page and "医院网络" in page and 'href="/?lang=en"' in page
    # an unknown language falls back to the site's
    assert '<html lang="en">' in request(served, "GET", "/?lang=fr")[2].decode("utf-8")


def test_state_json(served) -> None:
    status, headers, body = request(served, "GET", "/state.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    states = {n["id"]: n["state"] for n in data["nodes"]}
    assert states["sw-AGG-3"] == "down" and states["seg-30"] == "isolated"
    assert data["overall"] == "critical"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get(served, method: str) -> None:
    status, headers, body = request(served, method, "/", body=b"x=1")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
    assert b"read-only" in body


def test_head_and_unknown_path(served) -> None:
    status, headers, body = request(served, "HEAD", "/")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 10_000
    assert request(served, "GET", "/healthz")[:1] == (200,)
    assert request(served, "GET", "/etc/passwd")[0] == 404


def test_snapshot(state_paths, tmp_path: Path) -> None:
    paths = state_paths["failover"]
    out = tmp_path / "snapshots"
    written = write_snapshot(paths.inspection, out, paths=paths)
    assert sorted(p.name for p in out.iterdir()) == ["console.html", "console.json"]
    assert written == str(out / "console.html")
    page = Path(written).read_text(encoding="utf-8")
    assert 'http-equiv="refresh"' not in page  # a file does not refresh
    assert "<svg" in page and "HIS database primary his-db-1 down" in page
    data = json.loads((out / "console.json").read_text(encoding="utf-8"))
    assert {n["id"]: n["state"] for n in data["nodes"]}["srv-his-db-1"] == "down"
    # the inspection given is the one drawn (not the default path's)
    other = gather(state_paths["normal"]).inspection
    elsewhere = tmp_path / "normal.json"
    elsewhere.write_text(json.dumps(other))
    write_snapshot(elsewhere, out, paths=paths)
    data = json.loads((out / "console.json").read_text(encoding="utf-8"))
    assert data["inspection"]["summary"].startswith("INSPECTION OK")


def test_snapshot_command(state_paths, tmp_path: Path, capsys) -> None:
    paths = state_paths["normal"]
    argv = ["console", "--snapshot", str(tmp_path), "--lang", "zh"]
    for option, value in (
        ("--state-dir", paths.state_dir),
        ("--db-status", paths.db_status),
        ("--ledger", paths.ledger),
        ("--incident-dir", paths.incident_dir),
        ("--incident-config", paths.incident_config),
        ("--inspection", paths.inspection),
    ):
        argv += [option, value]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "console.html")
    page = (tmp_path / "console.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "当前没有未关闭的故障" in page


def test_refresh_too_fast_refused(capsys) -> None:
    assert cli.main(["console", "--refresh", "1"]) == 2
    assert "--refresh" in capsys.readouterr().err


def test_a_failing_page_is_a_500_and_the_server_stays(state_paths) -> None:
    def broken(paths):
        raise RuntimeError("the disk is gone")

    httpd = console_server.make_server(state_paths["normal"], port=0, quiet=True, gather_fn=broken)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        where = (httpd.server_address[0], httpd.server_address[1])
        status, _, body = request(where, "GET", "/")
        assert status == 500 and b"RuntimeError: the disk is gone" in body
        assert request(where, "GET", "/healthz")[0] == 200
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_ipv6_loopback() -> None:
    import socket

    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        httpd = console_server.make_server(console_server.Paths(), bind="::1", port=0, quiet=True)
    except OSError as exc:
        pytest.skip(f"::1 cannot be bound here: {exc}")
    try:
        assert httpd.server_address[0] == "::1"
    finally:
        httpd.server_close()
