"""The insurance interface check against the lab's gateway (the same stdlib server the
lab runs in a host, here in a thread): ok, slow, HTTP 500, refused, infcode -1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import insurance

from hisops.lab import insurance_gateway


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    state = tmp_path_factory.mktemp("fsi") / "state.json"
    server = ThreadingHTTPServer(("127.0.0.1", 0), insurance_gateway.make_handler(str(state)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}{insurance_gateway.PATH}"
    try:
        yield url, state
    finally:
        server.shutdown()
        server.server_close()


def test_sign_in_ok_slow_broken(gateway: tuple[str, Path]) -> None:
    url, state = gateway
    state.write_text(json.dumps({"mode": "ok", "delay_ms": 0}))
    ok = insurance.check_gateway(url, "H44010600001", warn_ms=2000)
    assert ok.severity == "ok" and ok.area == "insurance" and ok.plan_item == "P7.5"
    assert ok.params["infcode"] == 0 and len(ok.params["sign_no"]) == 18
    assert ok.unit == "ms" and ok.value is not None and ok.value < 2000

    state.write_text(json.dumps({"mode": "ok", "delay_ms": 250}))
    slow = insurance.check_gateway(url, "H44010600001", warn_ms=100)
    assert slow.severity == "warning" and slow.value is not None and slow.value >= 250
    assert "slow" in slow.message

    state.write_text(json.dumps({"mode": "error", "delay_ms": 0}))
    broken = insurance.check_gateway(url, "H44010600001")
    assert broken.severity == "critical" and broken.params["status"] == 500

    state.write_text(json.dumps({"mode": "ok", "delay_ms": 0}))
    refused = insurance.check_gateway(url, "")  # no institution code: the platform refuses
    assert refused.severity == "critical" and refused.params["infcode"] == -1
    assert "fixmedins_code" in refused.message


def test_a_gateway_that_does_not_answer_is_critical() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = insurance.check_gateway(f"http://127.0.0.1:{port}/fsi/api", "H1", timeout=2)
    assert down.severity == "critical" and "did not answer" in down.message
    assert down.suggested_class == 2


def test_the_request_is_the_platforms_sign_in() -> None:
    body = insurance.sign_in_request("H44010600001", "op01")
    assert body["infno"] == "9001" and body["infver"] == "V1.0"
    assert body["msgid"].startswith("H44010600001") and len(body["msgid"]) == 12 + 14 + 4
    assert body["input"] == {"signIn": {"opter_no": "op01", "mac": "", "ip": ""}}
    answer = insurance_gateway.answer(body)
    assert answer["infcode"] == 0 and answer["output"]["signinoutb"]["sign_no"]
    assert insurance_gateway.answer({**body, "infno": "1101"})["infcode"] == -1
