# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The medical-insurance interface check (plan P7.5): one real request, its latency.

The request is the one a HIS sends first every day to the national medical-insurance
information platform's gateway: transaction ``9001`` (sign-in, 签到), a JSON envelope
POSTed to the gateway (``infno``, ``msgid``, ``inf_time``, the institution's
``fixmedins_code``, the operator, ``input.signIn``). The gateway answers an envelope
with ``infcode`` (0: success, anything else: failure, with ``err_msg``) and
``output.signinoutb.sign_no``.

* no answer (refused, timeout), an HTTP error or ``infcode != 0``: ``critical``;
* an answer slower than ``warn_ms``: ``warning``;
* else ``ok``; the latency in ms is the finding's value either way.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import uuid
from datetime import datetime
from typing import Any, Mapping, Optional

from ansible.module_utils.urls import open_url
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.findings import Finding

AREA = "insurance"
SUBJECT = "insurance-gateway"


def sign_in_request(fixmedins_code: str, opter: str, at: Optional[datetime] = None) -> dict:
    """The 9001 (sign-in) envelope."""
    at = at or datetime.now()
    stamp = at.strftime("%Y%m%d%H%M%S")
    return {
        "infno": "9001",
        "msgid": f"{fixmedins_code}{stamp}{uuid.uuid4().int % 10000:04d}",
        "mdtrt_area_admvs": "",
        "insuplc_admdvs": "",
        "recer_sys_code": "HISOPS",
        "dev_no": "",
        "dev_safe_info": "",
        "cainfo": "",
        "signtype": "",
        "infver": "V1.0",
        "opter_type": "1",
        "opter": opter,
        "opter_name": opter,
        "inf_time": at.strftime("%Y-%m-%d %H:%M:%S"),
        "fixmedins_code": fixmedins_code,
        "fixmedins_name": "",
        "sign_no": "",
        "input": {"signIn": {"opter_no": opter, "mac": "", "ip": ""}},
    }


def classify(
    url: str,
    latency_ms: float,
    warn_ms: float,
    status: Optional[int] = None,
    body: Optional[Mapping[str, Any]] = None,
    error: str = "",
) -> Finding:
    """The finding for one exchange (pure: the tests feed it real answers)."""
    params: dict[str, Any] = {
        "url": url,
        "latency_ms": round(latency_ms, 1),
        "warn_ms": warn_ms,
        "status": status,
    }
    value = round(latency_ms, 1)
    if error:
        params["error"] = error
        return Finding(
            AREA,
            "insurance_gateway",
            "critical",
            SUBJECT,
            f"insurance gateway {url} did not answer: {error}",
            params=params,
            suggested_class=2,
            value=value,
            unit="ms",
        )
    if status != 200 or body is None:
        return Finding(
            AREA,
            "insurance_gateway",
            "critical",
            SUBJECT,
            f"insurance gateway {url} answered HTTP {status}",
            params=params,
            suggested_class=2,
            value=value,
            unit="ms",
        )
    infcode = body.get("infcode")
    params["infcode"] = infcode
    if str(infcode) != "0":
        params["err_msg"] = body.get("err_msg")
        return Finding(
            AREA,
            "insurance_gateway",
            "critical",
            SUBJECT,
            f"insurance gateway {url}: sign-in refused (infcode {infcode}: "
            f"{body.get('err_msg') or 'no message'})",
            params=params,
            suggested_class=2,
            value=value,
            unit="ms",
        )
    sign_no = ((body.get("output") or {}).get("signinoutb") or {}).get("sign_no")
    params["sign_no"] = sign_no
    if latency_ms > warn_ms:
        return Finding(
            AREA,
            "insurance_gateway",
            "warning",
            SUBJECT,
            f"insurance gateway {url} slow: sign-in took {latency_ms:.0f} ms "
            f"(limit {warn_ms:.0f} ms)",
            params=params,
            suggested_class=3,
            value=value,
            unit="ms",
        )
    return Finding(
        AREA,
        "insurance_gateway",
        "ok",
        SUBJECT,
        f"insurance gateway {url}: sign-in in {latency_ms:.0f} ms",
        params=params,
        value=value,
        unit="ms",
    )


def check_gateway(
    url: str, fixmedins_code: str, opter: str = "hisops", warn_ms: float = 2000, timeout: float = 10
) -> Finding:
    """POST the sign-in, time it, classify it; never raises for a broken gateway."""
    data = json.dumps(sign_in_request(fixmedins_code, opter), ensure_ascii=False).encode()
    start = time.monotonic()
    status: Optional[int] = None
    try:
        with open_url(
            url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json;charset=utf-8",
                "Accept": "application/json",
            },
            timeout=timeout,
            follow_redirects="none",
            use_proxy=False,
        ) as response:
            status = response.status
            raw = response.read()
        latency = (time.monotonic() - start) * 1000
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return classify(
                url, latency, warn_ms, status, None, f"HTTP {status} with a body that is not JSON"
            )
        return classify(url, latency, warn_ms, status, body if isinstance(body, dict) else None)
    except urllib.error.HTTPError as exc:
        return classify(url, (time.monotonic() - start) * 1000, warn_ms, exc.code, None)
    except (urllib.error.URLError, socket.timeout, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, socket.timeout) or "timed out" in str(reason):
            reason = f"no answer in {timeout:.0f} s"
        return classify(url, (time.monotonic() - start) * 1000, warn_ms, None, None, str(reason))
