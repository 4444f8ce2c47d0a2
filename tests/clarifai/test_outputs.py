"""The predict hot path's shortcuts agree with the long way on every value (issue 17).

Each shortcut is compared with the obvious implementation over generated values: a concept value's
JSON written from its `.7g` text against orjson's rendering of the rounded float, and the
canonical-base64 check made without decoding against a decode and re-encode.
"""
from __future__ import annotations

import base64

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st

from emulator.clarifai import outputs, wire


@settings(max_examples=800, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0) | st.builds(lambda x: (x * 2.0**-64) ** 3, st.integers(0, 2**64 - 1))
       | st.builds(lambda x: 0.9 + 0.1 * x * 2.0**-64, st.integers(0, 2**64 - 1)))
@example(0.0)
@example(1.0)
@example(0.99999999)
@example(1.2e-05)
@example(1e-7)
@example(0.5)
@example(1e-4)
@example(0.99999989)
@example(9.99999951e-5)
def test_value_json_is_orjsons_rendering_of_the_rounded_value(v: float) -> None:
    assert outputs._value_json(v) == orjson.dumps(outputs._f32(v))
    text = "%.7g" % v  # noqa: UP031  (the operation Scorer.concepts_json uses)
    if 1e-4 <= v < 0.9999999:  # the one-format path of Scorer.concepts_json
        assert text.encode() == orjson.dumps(outputs._f32(v))


def _reference_canonical(value: str) -> bool:
    try:
        return base64.b64encode(base64.b64decode(value, validate=True)).decode() == value
    except (ValueError, TypeError):
        return False


_B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\xe9"


@settings(max_examples=800, deadline=None)
@given(st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()) | st.text(_B64_CHARS, max_size=24)
       | st.binary(min_size=1, max_size=20).map(lambda b: base64.b64encode(b).decode()[:-1] + "B="))
@example("")
@example("AA==")
@example("AB==")
@example("AAA=")
@example("AAB=")
@example("AA=A")
@example("====")
def test_canonical_base64_without_decoding_agrees_with_decode_and_reencode(value: str) -> None:
    assert wire._canonical_base64(value) == _reference_canonical(value)


def test_scorer_ties_are_ordered_by_name_like_the_reference() -> None:
    """Equal scores fall back to the sort by (score, name): with equal draws the first concept is
    lifted to the top score and the other two tie, in name order."""
    from emulator.clarifai.catalog import ModelDef

    model = ModelDef("m", "m", "visual-classifier", ("v",), ("b", "a", "c"))
    scorer = outputs.Scorer(model, "v")
    class Same:
        size = 32

        @staticmethod
        def unpack(_: bytes) -> tuple[int, ...]:
            return (2**63, 2**63, 2**63, 0)

    scorer.stream = Same  # type: ignore[assignment]
    order, values = scorer.ranked(b"seed", "", outputs.OutputConfig())
    assert [model.concepts[i] for i in order] == ["b", "a", "c"] and values == sorted(values, reverse=True)
