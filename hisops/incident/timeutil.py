"""Times: stored as UTC ISO strings (``2026-12-06T08:30:00Z``); typed by people in the
site's time zone (``08:30``, ``2026-12-06 08:30``) or with an offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from .errors import IncidentError

SKEW = timedelta(seconds=5)  # a controller clock read twice may differ a little


def now() -> datetime:
    """The one clock every incident computation reads (time-machine moves it in tests)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def parse(text: str, tz: tzinfo, field: str, current: datetime | None = None) -> datetime:
    """``HH:MM`` (today, site time), ``YYYY-MM-DD HH:MM``, ISO with an offset, or ``15m``
    / ``-15m`` / ``15m ago`` (that long ago). Refuses the future."""
    current = current or now()
    value = text.strip()
    rel = re.match(r"^-?(\d+)\s*([smhd])(?:\s+ago)?$", value)
    moment: datetime | None = None
    if rel:
        seconds = int(rel.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[rel.group(2)]
        moment = current - timedelta(seconds=seconds)
    elif re.match(r"^\d{1,2}:\d\d$", value):
        hours, minutes = (int(x) for x in value.split(":"))
        local = current.astimezone(tz)
        if hours > 23 or minutes > 59:
            raise IncidentError(field, f"{text!r} is not a time of day")
        moment = local.replace(hour=hours, minute=minutes, second=0)
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise IncidentError(
                field, f"{text!r} is not a time: write HH:MM, 'YYYY-MM-DD HH:MM' or -15m"
            ) from None
        moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if moment > current + SKEW:
        raise IncidentError(field, f"{text} is in the future (now {local_text(current, tz)})")
    return moment


def local_text(moment: datetime | str, tz: tzinfo) -> str:
    if isinstance(moment, str):
        if not moment:
            return "-"
        moment = parse_iso(moment)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
