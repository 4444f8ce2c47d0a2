"""Dates in `range` queries over the plugin's date fields: `strict_date_optional_time||epoch_millis`
values and OpenSearch date math (`now-1d/d`, `2026-11-01||+1M`).

Bounds resolve to epoch milliseconds. As in OpenSearch, `gt` and `lte` round up (a date without a
time, or a `/d` rounding, means the last millisecond of that day) and `gte` and `lt` round down.
`now` is the tenant's clock, so manual-clock tests get deterministic results.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re

_UTC = dt.UTC
_DATE = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})(?:T(?P<h>\d{2})(?::(?P<mi>\d{2})(?::(?P<s>\d{2})"
    r"(?:[.,](?P<f>\d{1,9}))?)?)?)?)?)?(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?")
_OP = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")
_UNIT_MS = {"w": 7 * 86_400_000, "d": 86_400_000, "h": 3_600_000, "H": 3_600_000, "m": 60_000, "s": 1000}


class DateError(ValueError):
    pass


def resolve(value: object, now_ms: int, round_up: bool) -> float:
    """Epoch milliseconds of a range bound."""
    if isinstance(value, bool):
        raise DateError(str(value))
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value:
        raise DateError(str(value))
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text) and not re.fullmatch(r"\d{4}", text):
        return float(text)  # epoch_millis (a bare 4-digit number is a year, as in OpenSearch)
    try:
        if text.startswith("now"):
            anchor, math = dt.datetime.fromtimestamp(now_ms / 1000, _UTC), text[3:]
        else:
            date_part, sep, math = text.partition("||")
            if not sep:
                math = ""
            anchor = _parse(date_part, round_up and not math)
        return _apply(anchor, math, round_up, text)
    except (ValueError, OverflowError) as exc:  # e.g. arithmetic past year 9999
        raise DateError(text) from exc


def _parse(text: str, round_up: bool) -> dt.datetime:
    m = _DATE.fullmatch(text)
    if m is None:
        raise DateError(text)
    g = m.groupdict()
    try:
        year, month, day = int(g["y"]), int(g["mo"] or 1), int(g["d"] or 1)
        when = dt.datetime(year, month, day, int(g["h"] or 0), int(g["mi"] or 0), int(g["s"] or 0),
                           int((g["f"] or "0").ljust(6, "0")[:6]), tzinfo=_zone(g["z"]))
    except ValueError as exc:
        raise DateError(text) from exc
    if round_up:  # the last millisecond of the least significant unit given
        unit = next(u for u, key in (("s", "s"), ("m", "mi"), ("h", "h"), ("d", "d"), ("M", "mo"), ("y", "y"))
                    if g[key] is not None)
        if g["f"] is None:
            when = _round(when, unit, up=True)
    return when


def _zone(z: str | None) -> dt.tzinfo:
    if not z or z == "Z":
        return _UTC
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return dt.timezone(sign * dt.timedelta(minutes=minutes))


def _apply(when: dt.datetime, math: str, round_up: bool, original: str) -> float:
    pos = 0
    while pos < len(math):
        m = _OP.match(math, pos)
        if m is None:
            raise DateError(original)
        if m.group(4):
            when = _round(when, m.group(4), up=round_up)
        else:
            n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
            when = _add(when, n, m.group(3))
        pos = m.end()
    return when.timestamp() * 1000


def _add(when: dt.datetime, n: int, unit: str) -> dt.datetime:
    if unit in ("y", "M"):
        months = when.month - 1 + n * (12 if unit == "y" else 1)
        year, month = when.year + months // 12, months % 12 + 1
        return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))
    return when + dt.timedelta(milliseconds=n * _UNIT_MS[unit])


def _round(when: dt.datetime, unit: str, up: bool) -> dt.datetime:
    if unit == "y":
        start = when.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        end = _add(start, 1, "y")
    elif unit == "M":
        start = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = _add(start, 1, "M")
    elif unit == "w":
        day = when.replace(hour=0, minute=0, second=0, microsecond=0)
        start = day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
        end = start + dt.timedelta(days=7)
    else:
        if unit == "d":
            start = when.replace(hour=0, minute=0, second=0, microsecond=0)
        elif unit in ("h", "H"):
            start = when.replace(minute=0, second=0, microsecond=0)
        elif unit == "m":
            start = when.replace(second=0, microsecond=0)
        else:
            start = when.replace(microsecond=0)
        end = start + dt.timedelta(milliseconds=_UNIT_MS[unit])
    return end - dt.timedelta(milliseconds=1) if up else start
