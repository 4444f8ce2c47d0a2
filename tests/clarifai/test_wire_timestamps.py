"""RFC 3339 timestamps (reference §1): seconds and fraction always agree."""
from __future__ import annotations

from emulator.clarifai.wire import timestamp


def test_timestamp_nanos_fraction_rounding_up_carries_into_seconds() -> None:
    assert timestamp(1700000005.9999999999, nanos=True) == "2023-11-14T22:13:26.000000000Z"


def test_timestamp_micros_fraction_rounding_up_carries_into_seconds() -> None:
    assert timestamp(1700000005.9999996) == "2023-11-14T22:13:26.000000Z"


def test_timestamp_nanos_near_second_boundary_is_not_a_second_ahead() -> None:
    out = timestamp(1700000005.9999996, nanos=True)
    assert out.startswith(("2023-11-14T22:13:25.9999995", "2023-11-14T22:13:25.9999996"))


def test_timestamp_plain_values() -> None:
    assert timestamp(1700000005.25) == "2023-11-14T22:13:25.250000Z"
    assert timestamp(1700000005.0, nanos=True) == "2023-11-14T22:13:25.000000000Z"
