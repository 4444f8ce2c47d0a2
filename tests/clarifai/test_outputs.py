"""The predict hot path's shortcuts agree with the long way on every value (issue 17).

Each shortcut is compared with the obvious implementation over generated values: a concept value's
JSON written from its `.7g` text against orjson's rendering of the rounded float, and the
canonical-base64 check made without decoding against a decode and re-encode.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import random
import re

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st

from emulator.clarifai import outputs, wire
from emulator.clarifai.catalog import ModelCatalog


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
    assert wire.canonical_base64(value) == _reference_canonical(value)


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


def test_ranked_plain_is_the_full_ranking_on_generated_seeds() -> None:
    """The common output's shortcut (`Scorer._ranked_plain`) against the whole ranking it stands in
    for, on every classifier of the catalogue, inputs that name concepts or not, limits and filters."""
    catalog = ModelCatalog()
    rng = random.Random(17)
    scorers = [outputs.Scorer(m, m.version_ids[0] if m.version_ids else "v") for m in catalog.all()
               if m.model_type_id.endswith("classifier") and m.concepts]
    assert len(scorers) >= 5
    configs = [outputs.OutputConfig(), outputs.OutputConfig(max_concepts=1), outputs.OutputConfig(max_concepts=200),
               outputs.OutputConfig(max_concepts=3, min_value=0.2), outputs.OutputConfig(select=(("", "train"),))]
    checked = plain = 0
    for sc in scorers:
        words_pool = ["", "https://samples.clarifai.com/metro-north.jpg?u=1", " ".join(sc.lows[:2])]
        for _ in range(300):
            seed = rng.randbytes(16)
            for words in words_pool:
                for config in configs:
                    raw = sc.stream.unpack(hashlib.shake_256(seed + b"concepts").digest(sc.stream.size))
                    assert sc.ranked(seed, words, config) == sc._ranked_full(raw, words, config)
                    checked += 1
                    plain += sc._ranked_plain(raw, max(config.max_concepts, 1)) is not None
    assert checked > 20_000 and plain > 10_000, (checked, plain)


def test_cubes_keep_the_order_of_their_uniforms() -> None:
    """What `_ranked_plain` relies on: for 64-bit draws, u < v implies u**3 <= v**3."""
    rng = random.Random(5)
    units = sorted(rng.getrandbits(64) * 2.0**-64 for _ in range(200_000))
    cubes = [u**3 for u in units]
    assert all(a <= b for a, b in itertools.pairwise(cubes))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_named_in_is_any_concept_name_in_the_words(data: st.DataObject) -> None:
    """`Scorer.named_in` (one regex scan) against `any(name in words)` on every catalogue model, words
    made of concept names, pieces of them, regex metacharacters and other text."""
    catalog = ModelCatalog()
    scorers = [outputs.Scorer(m, m.version_ids[0] if m.version_ids else "v") for m in catalog.all()]
    sc = data.draw(st.sampled_from(scorers))
    pieces = st.sampled_from([*sc.lows, *(low[: len(low) // 2] for low in sc.lows), ".", "*", "(", "|", "\\", "-",
                              "/metro-north.jpg?u=", " ", "x"]) if sc.lows else st.text(max_size=5)
    words = "".join(data.draw(st.lists(pieces | st.text(max_size=4), max_size=6)))
    assert bool(sc.named_in(words)) is any(low in words for low in sc.lows), (sc.model.id, words)


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(alphabet="abc.*(", min_size=0, max_size=4), min_size=1, max_size=8),
       words=st.text(alphabet="abc.*( ", max_size=12))
def test_the_prefix_tree_matches_where_some_name_is_in_the_words(names: list[str], words: str) -> None:
    """Names that start other names ("cat", "cats"), repeat, are empty or are regex metacharacters."""
    found = re.compile(outputs._prefix_tree(tuple(names))).search(words)
    assert bool(found) is any(n in words for n in names), (names, words)
