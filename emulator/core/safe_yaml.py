"""YAML request bodies read the way OpenSearch's Jackson YAML parser reads them: aliases are not expanded.

jackson-dataformat-yaml's `YAMLParser.nextToken` turns an alias event into a string token holding
the anchor's name (`case Alias: _textValue = alias.getAnchor()...; return VALUE_STRING`), so
`b: *a` reads as `b: "a"`. PyYAML would expand aliases into shared nodes, which lets a few hundred
bytes ("billion laughs") become gigabytes once copied or serialised; reading aliases like Jackson
keeps every document as small as its text; a budget of values bounds the time one body takes.
Nesting is limited like OpenSearch's XContent
(`opensearch.xcontent.depth.max`, default 1000; JSON past it is refused too) instead of hitting
Python's recursion limit, which answered 500.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import Node, ScalarNode
from yaml.resolver import Resolver

MAX_DEPTH = 1000
# Composing and constructing run in Python at ~5 µs a node; a budget keeps one body from holding
# the event loop (a Flow template of 50 workflow nodes is about 1,000 YAML nodes)
MAX_NODES = 20_000


class YamlDepthError(yaml.YAMLError):
    pass


class YamlSizeError(yaml.YAMLError):
    pass


class _Composing(Composer):
    """The composer part: aliases read as anchor-name strings, nesting counted."""

    _depth = 0
    _nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            event = self.get_event()  # type: ignore[attr-defined]
            return ScalarNode("tag:yaml.org,2002:str", event.anchor, event.start_mark, event.end_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlSizeError(f"the document has more than {MAX_NODES} values")
        nests = self.check_event(MappingStartEvent, SequenceStartEvent)  # type: ignore[attr-defined]
        if nests:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise YamlDepthError(f"the document is nested deeper than {MAX_DEPTH} levels")
        try:
            node: Node | None = Composer.compose_node(self, parent, index)
        finally:
            if nests:
                self._depth -= 1
        assert node is not None
        return node


try:  # libyaml's event parser: the pure-Python scanner takes seconds per megabyte
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]


class _Loader(_Composing, _Parser, SafeConstructor, Resolver):
    def __init__(self, stream: bytes | str) -> None:
        _Parser.__init__(self, stream)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        _Composing.__init__(self)


def load(raw: bytes | str) -> Any:
    """One YAML document (raises `yaml.YAMLError` when it is not one)."""
    loader = _Loader(raw)
    try:
        return loader.get_single_data()
    except RecursionError:
        # the composer recurses about three frames per level: the interpreter's limit can come first
        raise YamlDepthError("the document is nested too deeply") from None
    finally:
        loader.dispose()
