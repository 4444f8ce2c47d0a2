"""Deterministic model outputs for workflow predict (reference §4 Output/Data, §5 output_config).

Scores come from a keyed hash of (model id, model version id, input content), so they are stable
across runs, transports and tenants; the top concept of a classifier always scores at least 0.9
and concepts named in the input's text (URL or raw text) score high, which keeps results plausible.

Predict is the path people load-test with a different input every time, so a classifier's
`data` is computed from one seed and one SHAKE-256 stream per output, and rendered straight
into JSON bytes from fragments serialised once per model version (`Scorer`); the gRPC door gets
the same values as dicts. `tests/clarifai/predict_reference.py` is the straightforward version
every answer is checked against, byte for byte (tests/clarifai/test_predict_differential.py).
"""
from __future__ import annotations

import functools
import hashlib
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

import orjson

from emulator.clarifai import documented, outputs_types, outputs_video, proto_wire
from emulator.clarifai.catalog import ModelDef
from emulator.clarifai.inputs import InputContent

DEFAULT_MAX_CONCEPTS = 20  # §3: max_concepts 0 means the server default of 20
_TWO_TO_MINUS_64 = 2.0**-64


@dataclass(frozen=True)
class OutputConfig:
    min_value: float = 0.0
    max_concepts: int = DEFAULT_MAX_CONCEPTS
    # (id, name) pairs; matching is exact and case-sensitive (docs, Prediction Parameters: "The concept
    # names and ids are case sensitive; and so, these must be exact matches"); see concept_select.py
    select: tuple[tuple[str, str], ...] = ()
    sample_ms: int = 0  # video: 1 frame per N milliseconds (0 = the default 1000)

    @classmethod
    def from_request(cls, d: dict[str, Any]) -> OutputConfig:
        select = tuple((str(c.get("id") or ""), str(c.get("name") or "")) for c in d.get("select_concepts") or ()
                       if c.get("id") or c.get("name"))
        return cls(float(d.get("min_value") or 0.0), int(d.get("max_concepts") or DEFAULT_MAX_CONCEPTS), select,
                   outputs_video.check_sample_ms(int(d.get("sample_ms") or 0)))

    @classmethod
    def of(cls, req: dict[str, Any]) -> OutputConfig:
        """A predict request's `output_config`, or the default (one shared instance: never mutated)."""
        oc = req.get("output_config")
        return cls.from_request(oc) if oc else _DEFAULT

    @functools.cached_property
    def selected(self) -> tuple[frozenset[str], frozenset[str]]:
        """(ids, names) of `select`."""
        return frozenset(i for i, _ in self.select if i), frozenset(n for _, n in self.select if n)


_DEFAULT = OutputConfig()


def _f32(v: float) -> float:
    # Concept.value is a proto float: 7 significant digits is what survives the wire
    return float(f"{v:.7g}")


def _value_json(v: float) -> bytes:
    """orjson's rendering of `_f32(v)`: a plain decimal `.7g` text is already exactly it (both are the
    shortest text that reads back as that double: tests/clarifai/test_outputs.py); others ask orjson."""
    s = f"{v:.7g}"
    if "e" in s or "." not in s:
        return orjson.dumps(float(s))
    return s.encode()


def _never(words: str) -> None:
    return None


def _prefix_tree(words: tuple[str, ...]) -> str:
    """A regex matching exactly the strings of `words`, factored by common prefixes (the `(?:...)?`
    after a word that is also the start of longer ones)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + pattern(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return pattern(tree)


def _units(seed: bytes, n: int, salt: bytes = b"") -> list[float]:
    """`n` uniform values in [0, 1) drawn from (seed, salt): one SHAKE-256 stream, not a hash each."""
    data = hashlib.shake_256(seed + salt).digest(8 * n)
    return [x * _TWO_TO_MINUS_64 for x in struct.unpack(f">{n}Q", data)]


class Scorer:
    """One model version's output generator: what every output of it shares, prepared once per plan."""

    def __init__(self, model: ModelDef, version_id: str) -> None:
        self.model = model
        self.version_id = version_id
        self.prefix = f"{model.id}|{version_id}|".encode()  # the seed key of an output of a whole input
        names = model.concepts
        self.names = names
        self.lows = tuple(n.lower() for n in names)
        # whether an input's words name any concept (`any(low in words for low in lows)`): one scan by
        # the names as a prefix tree (three times as fast as their plain alternation, which tries every
        # name at every position, and six times as fast as a `in` per name, at 40 concepts)
        self.named_in = re.compile(_prefix_tree(self.lows)).search if self.lows else _never
        self.cids = tuple(model.cid(n) for n in names)
        # each concept's JSON around its value, as orjson writes it
        self.heads = tuple('{"id":' + orjson.dumps(c).decode() + ',"name":' + orjson.dumps(n).decode() + ',"value":'
                           for n, c in zip(names, self.cids, strict=True))
        self.tail = ',"app_id":' + orjson.dumps(model.app_id).decode() + "},"  # the last comma is cut
        self.templates = tuple(h.replace("%", "%%") + "%.7g" + self.tail.replace("%", "%%") for h in self.heads)
        self.n = len(names)
        # each concept's `Data.concepts` wire entry around its value (the gRPC door, proto_wire.py)
        parts = [proto_wire.concept_parts(c, n, model.app_id) for n, c in zip(names, self.cids, strict=True)]
        self.proto_heads = tuple(h for h, _ in parts)
        self.proto_tails = tuple(t for _, t in parts)
        self.stream = struct.Struct(f">{self.n + 1}Q")
        # the docs' own answers for their example inputs (documented.py): input -> score per concept
        self.documented = {key: [values.get(n, -1.0) for n in names]
                           for key, values in documented.answers(model.real_id, version_id).items()}

    def seed(self, content: InputContent, extra: str = "") -> bytes:
        """The keyed hash every value of one output is drawn from (`extra`: the region classified)."""
        key = self.prefix + extra.encode() + b"|" + content.digest if extra else self.prefix + b"|" + content.digest
        return hashlib.blake2b(key, digest_size=16).digest()

    def ranked(self, seed: bytes, words: str, config: OutputConfig) -> tuple[list[int], list[float]]:
        """The concepts shown, best first (ties by name), and their scores: every value drawn from one
        stream."""
        raw = self.stream.unpack(hashlib.shake_256(seed + b"concepts").digest(self.stream.size))
        if not (config.select or config.min_value or (self.documented and words and words in self.documented)
                or (words and self.named_in(words))):
            plain = self._ranked_plain(raw, max(config.max_concepts, 1))
            if plain is not None:
                return plain
        return self._ranked_full(raw, words, config)

    def _ranked_plain(self, raw: tuple[int, ...], k: int) -> tuple[list[int], list[float]] | None:
        """`_ranked_full` for the common output (no concept named in the input, no filter), with only the
        shown scores cubed: a score is the cube of its uniform, and `pow` (under 1 ulp of error) keeps
        distinct uniforms in order, so the uniforms' order is the scores'. None when two of the shown
        (or the first not shown) score the same: ties order by name, which `_ranked_full` does.
        tests/clarifai/test_outputs.py compares the two on generated seeds."""
        n = self.n
        if not n:
            return None
        units = [x * _TWO_TO_MINUS_64 for x in raw[:n]]
        order = sorted(range(n), key=units.__getitem__, reverse=True)
        del order[k + 1:]
        scores = [units[i] ** 3 for i in order]
        if not all(map(float.__gt__, scores, scores[1:])):
            return None
        # the top concept of a classifier always scores at least 0.9
        scores[0] = max(scores[0], 0.9 + 0.1 * (raw[n] * _TWO_TO_MINUS_64))
        del order[k:], scores[k:]
        return order, scores

    def _ranked_full(self, raw: tuple[int, ...], words: str, config: OutputConfig) -> tuple[list[int], list[float]]:
        n = self.n
        scores = [(x * _TWO_TO_MINUS_64) ** 3 for x in raw[:n]]
        shown = self.documented.get(words) if self.documented and words else None
        if shown is not None:
            # a documented example: the docs' values, every other concept below the lowest of them
            floor = 0.5 * min(v for v in shown if v >= 0)
            scores = [v if v >= 0 else floor * x for v, x in zip(shown, scores, strict=True)]
        else:
            if words:
                for i, low in enumerate(self.lows):
                    if low in words:
                        scores[i] = 0.9 + 0.1 * (raw[i] * _TWO_TO_MINUS_64)
            # the top concept of a classifier always scores at least 0.9
            best = max(scores)
            top = scores.index(best)
            scores[top] = max(best, 0.9 + 0.1 * (raw[n] * _TWO_TO_MINUS_64))
        if len(set(scores)) == n:  # no ties (the rule): a sort on the floats alone, ten times faster
            order = sorted(range(n), key=scores.__getitem__, reverse=True)
        else:
            order = [i for _, _, i in sorted(zip([-x for x in scores], self.names, range(n), strict=False))]
        min_value, limit = config.min_value, config.max_concepts
        if config.select or min_value:
            sel = config.selected if config.select else None
            order = [i for i in order
                     if (sel is None or self.cids[i] in sel[0] or self.names[i] in sel[1])
                     and not (min_value and _f32(scores[i]) < min_value)]
        del order[max(limit, 1):]
        return order, [scores[i] for i in order]

    def concepts(self, seed: bytes, words: str, config: OutputConfig) -> list[dict[str, Any]]:
        if not self.n:
            return []
        app, names, cids = self.model.app_id, self.names, self.cids
        order, values = self.ranked(seed, words, config)
        # Concept.value is always emitted: the JSON client would read a missing value as 1.0 (§1)
        return [{"id": cids[i], "name": names[i], "value": _f32(v), "app_id": app}
                for i, v in zip(order, values, strict=True)]

    def concepts_json(self, seed: bytes, words: str, config: OutputConfig) -> bytes:
        """`orjson.dumps({"concepts": self.concepts(...)})`: the prepared concepts' JSON in rank order,
        every value formatted by one `%` (a `.7g` text is orjson's rendering of the rounded value
        when it is a plain decimal: values in [1e-4, 0.9999999) always are)."""
        order, values = self.ranked(seed, words, config) if self.n else ([], [])
        if not order:
            return b'{"concepts":[]}'
        if values[-1] >= 1e-4 and values[0] < 0.9999999:  # ranked: best first
            text = "".join(map(self.templates.__getitem__, order)) % tuple(values)
        else:
            text = "".join([self.heads[i] + _value_json(v).decode() + self.tail
                            for i, v in zip(order, values, strict=True)])
        return ('{"concepts":[' + text[:-1] + "]}").encode()

    def concepts_proto(self, seed: bytes, words: str, config: OutputConfig) -> proto_wire.ProtoData:
        """`{"concepts": self.concepts(...)}` as a serialised `Data` message (proto_render's encoding,
        tests/clarifai/test_proto_render.py)."""
        order, values = self.ranked(seed, words, config) if self.n else ([], [])
        heads, tails, pack = self.proto_heads, self.proto_tails, proto_wire.FLOAT32.pack
        # `_f32` of every value: one `%` for all of them, then one `float` each
        rounded = map(float, ("%.7g " * len(values) % tuple(values)).split())
        return proto_wire.ProtoData(b"".join([heads[i] + pack(v) + tails[i]
                                              for i, v in zip(order, rounded, strict=True)]))

    def data(self, content: InputContent, upstream: dict[str, Any] | None, config: OutputConfig,
             as_json: bool, proto: bool = False) -> tuple[dict[str, Any] | None, bytes | None]:
        """This node's output `data` for one input: (dict or None, JSON or None), the dict always
        when other nodes may read it (regions), the JSON when asked (REST); with `proto` (gRPC), a
        classifier's concepts come as a serialised `Data` message (proto_wire.ProtoData) instead."""
        if content.kind == "video":
            # one `data` per sampled frame, each frame an image of its own (outputs_video.py)
            frames = outputs_video.frames(content, config.sample_ms,
                                          lambda frame: self.data(frame, upstream, config, False)[0] or {})
            return frames, orjson.dumps(frames) if as_json else None
        kind = self.model.model_type_id
        classifier = kind.endswith("classifier")
        if upstream and upstream.get("regions") and classifier:
            # a classifier fed by a detector classifies each region (§5)
            regs = [{"id": reg["id"], "region_info": reg["region_info"],
                     "data": {"concepts": self.concepts(self.seed(content, reg["id"]), content.words, config)}}
                    for reg in upstream["regions"]]
            d: dict[str, Any] = {"regions": regs}
        elif classifier:
            seed = self.seed(content)
            if as_json:
                return None, self.concepts_json(seed, content.words, config)
            if proto:
                return None, self.concepts_proto(seed, content.words, config)
            return {"concepts": self.concepts(seed, content.words, config)}, None
        elif kind.endswith("detector"):
            d = {"regions": regions(self.model, self.seed(content), config)}
        elif kind.endswith("embedder"):
            d = {"embeddings": embedding(self.model, self.seed(content))}
        else:
            # clusters, crops, text, audio by model type (outputs_types.py); concepts otherwise
            seed = self.seed(content)
            typed = outputs_types.data(self.model, self.version_id, seed, content.words, upstream)
            d = typed if typed is not None else {"concepts": self.concepts(seed, content.words, config)}
        return d, orjson.dumps(d) if as_json else None


def regions(model: ModelDef, seed: bytes, config: OutputConfig) -> list[dict[str, Any]]:
    out = []
    n = 1 + int(_units(seed, 1, b"region-count")[0] * 3)
    u_all = _units(seed, 6 * n, b"regions")
    for r in range(n):
        u = u_all[6 * r: 6 * r + 6]
        top, left = 0.6 * u[0], 0.6 * u[1]
        box = {"top_row": _f32(top), "left_col": _f32(left), "bottom_row": _f32(top + 0.1 + 0.3 * u[2]),
               "right_col": _f32(left + 0.1 + 0.3 * u[3])}
        name = model.concepts[int(u[4] * len(model.concepts))] if model.concepts else "object"
        value = _f32(0.5 + 0.5 * u[5])
        if value < config.min_value:
            continue
        rid = hashlib.blake2b(seed + r.to_bytes(2, "big"), digest_size=16).hexdigest()
        out.append({"id": rid, "region_info": {"bounding_box": box}, "value": value,
                    "data": {"concepts": [{"id": model.cid(name), "name": name, "value": value,
                                           "app_id": model.app_id}]}})
    return out


def embedding(model: ModelDef, seed: bytes) -> list[dict[str, Any]]:
    dims = model.embedding_dims or 32
    raw = [x * 2.0 - 1.0 for x in _units(seed, dims, b"embedding")]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [{"vector": [_f32(x / norm) for x in raw], "num_dimensions": dims}]
