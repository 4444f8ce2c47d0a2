"""The 3.7 name/description check of ML steps, as `WorkflowProcessSorter.validateFieldValues` runs it.

Source: ff:workflow/WorkflowProcessSorter.java:541-572 (3.7.0.0, PR #1368) and ml-commons
`StringUtils.validateFields` / `SAFE_INPUT_PATTERN` (common/.../utils/StringUtils.java:84-86, 696-731).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from emulator.opensearch_flow import errors
from emulator.opensearch_flow.domain import Node
from emulator.opensearch_flow.java_collections import hash_order
from emulator.opensearch_flow.steps import SAFE_NAME_LABELS

_SAFE_PUNCT = frozenset(".,!?():@-_/'\"")
# Java regex `\s` without UNICODE_CHARACTER_CLASS is ASCII: [ \t\n\x0B\f\r]
_JAVA_SPACE = frozenset(" \t\n\x0b\f\r")
# Character.isWhitespace (String.isBlank): space separators except the no-break ones, and these controls
_NO_BREAK = frozenset("\u00a0\u2007\u202f")
_WHITESPACE_CONTROLS = frozenset("\t\n\x0b\f\r\x1c\x1d\x1e\x1f")


def _safe_char(c: str) -> bool:
    # \p{L} and \p{N} are the Unicode general categories L* and N*
    return unicodedata.category(c)[0] in "LN" or c in _JAVA_SPACE or c in _SAFE_PUNCT


def _java_blank(text: str) -> bool:
    return all(c in _WHITESPACE_CONTROLS or (unicodedata.category(c) in ("Zs", "Zl", "Zp") and c not in _NO_BREAK)
               for c in text)


def validate_field_values(sorted_nodes: Sequence[Node]) -> None:
    """Only string `name`/`description` inputs are checked (a number or an absent name is skipped).

    The plugin fills a HashMap in topological node order and ml-commons walks it, so the numbered
    messages come in Java HashMap order, not node order.
    """
    fields: dict[str, tuple[str, str, str, str]] = {}  # HashMap key -> (label, field, node id, value)
    for n in sorted_nodes:
        label = SAFE_NAME_LABELS.get(n.type)
        if label is None:
            continue
        for field in ("name", "description"):
            value = n.user_inputs.get(field)
            if isinstance(value, str):
                fields[f"{label} {field} [node {n.id}]"] = (label, field, n.id, value)
    failures: list[str] = []
    for key in hash_order(fields):
        label, field, node_id, value = fields[key]
        blank = _java_blank(value)
        if field == "name" and blank:  # FieldDescriptor(name, required=true)
            failures.append(errors.unsafe_field_text(label, field, node_id, True))
        elif not blank and not all(_safe_char(c) for c in value):
            failures.append(errors.unsafe_field_text(label, field, node_id, False))
    if failures:
        raise errors.unsafe_names(failures)
