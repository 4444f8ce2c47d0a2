"""The plugin's built-in `?use_case=` templates, rendered from its own resource files as the plugin renders them.

`use_case_files/` holds the plugin's `defaults/*.json` and `substitutionTemplates/*.json` byte for
byte, every version the releases shipped (Apache-2.0, see its NOTICE), and `releases.json`, the
`DefaultUseCases` enum of each release. Rendering follows `RestCreateWorkflowAction.prepareRequest`
(ff:rest/RestCreateWorkflowAction.java:168-228 at 3.7.0.0): find the substitution file, read the
defaults map, check the required parameters, overlay the body's values on keys the defaults define,
substitute `${{key}}` text in the defaults map's HashMap order (`ParseUtils.conditionallySubstitute`,
ff:util/ParseUtils.java:700-737), then parse the text as a template.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from emulator.opensearch_flow import errors
from emulator.opensearch_flow.java_collections import hash_order
from emulator.opensearch_flow.releases import Version, parse_version

FILES = Path(__file__).resolve().parent / "use_case_files"


@dataclass(frozen=True)
class UseCase:
    name: str
    defaults_file: str
    template_file: str
    required: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    """The `DefaultUseCases` enum and resource files of one release (and the releases up to the next entry)."""

    since: Version
    use_cases: dict[str, UseCase]
    files: dict[str, str]

    def resource(self, path: str) -> str:
        return _resource(self.files[path])

    def defaults(self, use_case: UseCase) -> dict[str, str]:
        """`ParseUtils.parseJsonFileToStringToStringMap`: a HashMap filled in file order."""
        loaded = json.loads(self.resource(use_case.defaults_file))
        return {str(k): str(v) for k, v in loaded.items()}


@lru_cache(maxsize=128)
def _resource(vendored: str) -> str:
    # ParseUtils.resourceToString (ParseUtils.java:114-124) appends the lines without their line breaks
    return "".join((FILES / vendored).read_text(encoding="utf-8").splitlines())


@lru_cache(maxsize=1)
def _catalogs() -> tuple[Catalog, ...]:
    out = []
    for entry in json.loads((FILES / "releases.json").read_text(encoding="utf-8")):
        cases = {u["name"]: UseCase(u["name"], u["defaults"], u["template"], tuple(u["required"]))
                 for u in entry["use_cases"]}
        out.append(Catalog(parse_version(entry["since"]), cases, dict(entry["files"])))
    return tuple(out)


def catalog_for(version: Version) -> Catalog | None:
    """The use cases a release shipped; None before 2.13, which had none."""
    found = None
    for catalog in _catalogs():
        if catalog.since <= version:
            found = catalog
    return found


# --- the request body (ParseUtils.parseStringToObjectMap, ParseUtils.java:199-226) ---------------

def _scalar_text(v: Any) -> str:
    """`XContentParser.text()` of a scalar token; objects and nulls have no text (IllegalStateException)."""
    if isinstance(v, _NumberText):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return json.dumps(v)
    # the plugin answers 500 here (ExceptionsHelper.status of IllegalStateException, RestCreateWorkflowAction
    # .java:212); the emulator keeps its 4xx-for-bad-input rule and answers the same message with 400
    raise errors.use_case_bad_body()


class _NumberText(str):
    """A JSON number kept as its source text, as Jackson's `getText()` returns it."""


def _array_element(v: Any) -> str:
    if isinstance(v, _NumberText):
        # String.valueOf(parser.numberValue()): Integer/Long print as is, Double in Java's form
        return _java_number(str(v))
    return '"' + _scalar_text(v) + '"'


def _java_number(text: str) -> str:
    """`String.valueOf(Number)`: Integer/Long/BigInteger digits, or `Double.toString` (shortest repr, JDK 19+)."""
    if re.fullmatch(r"-?\d+", text):
        return str(int(text))
    value = float(text)
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        plain = repr(value)
        return plain if "e" not in plain else f"{value:.1f}"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    shown = "".join(str(d) for d in digits)
    exp = exponent + len(shown) - 1
    return ("-" if sign else "") + shown[0] + "." + (shown[1:] or "0") + f"E{exp}"


def _body_value(v: Any) -> str:
    """One top-level body value as `userDefaultsEntry.getValue().toString()` prints it."""
    if isinstance(v, dict):
        # parseStringToStringMap -> HashMap<String,String>; AbstractMap.toString() is `{k=v, k2=v2}`
        inner = {str(k): _scalar_text(x) for k, x in v.items()}
        return "{" + ", ".join(f"{k}={inner[k]}" for k in hash_order(inner)) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_array_element(x) for x in v) + "]"
    return _scalar_text(v)


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # Jackson rejects NaN/Infinity literals


def parse_overrides(raw: bytes, parsed: Any = None) -> dict[str, str]:
    """The request body of a use case as strings; any failure is the plugin's one parse message (:208-217).

    JSON is read from `raw` (numbers keep their source text); a YAML body arrives already `parsed`.
    """
    if parsed is not None:
        if not isinstance(parsed, dict):
            raise errors.use_case_bad_body()
        return {str(k): _body_value(v) for k, v in parsed.items()}
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:  # JsonXContent's strict duplicate detection
                raise ValueError(k)
            out[k] = v
        return out
    try:
        body = json.loads(raw, object_pairs_hook=pairs, parse_int=_NumberText, parse_float=_NumberText,
                          parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise errors.use_case_bad_body() from None
    if not isinstance(body, dict):
        raise errors.use_case_bad_body()
    return {k: _body_value(v) for k, v in body.items()}


# --- rendering ----------------------------------------------------------------------------------

def substitute(text: str, values: dict[str, str]) -> str:
    """`ParseUtils.conditionallySubstitute(text, null, params)`: one pass per key, in HashMap order."""
    for key in hash_order(values):
        pattern = re.compile(r"\$\{\{\s*" + re.escape(key) + r"\s*\}\}")
        replacement = values[key].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        text = pattern.sub(_literal(replacement), text)
    return text


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement taken as is (no backslash or group processing, as Matcher.quoteReplacement)."""
    return lambda _m: text


def _strict_object(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in items:
        if k in out:
            raise ValueError(f"Duplicate field '{k}'")
        out[k] = v
    return out


def find_use_case(name: str, version: Version) -> tuple[Catalog, UseCase]:
    """`DefaultUseCases.getSubstitutionReadyFileByUseCaseName` (DefaultUseCases.java:251-261): the first check."""
    catalog = catalog_for(version)
    use_case = catalog.use_cases.get(name) if catalog is not None else None
    if catalog is None or use_case is None:
        raise errors.use_case_not_found(name)
    return catalog, use_case


def render_use_case(name: str, overrides: dict[str, str] | None, version: Version) -> dict[str, Any]:
    """The template JSON the plugin hands to `Template.parse` for `?use_case=<name>` (before parsing).

    `overrides` is None when the request had no body (`request.hasContent()` false).
    """
    catalog, use_case = find_use_case(name, version)
    values = catalog.defaults(use_case)
    given = overrides or {}
    missing = [p for p in use_case.required if p not in given]
    if missing:
        raise errors.use_case_missing_params(name, missing)
    for key, value in given.items():
        if key in values:  # only keys the defaults file defines are substitutable
            values[key] = value
    text = substitute(catalog.resource(use_case.template_file), values)
    try:
        result = json.loads(text, object_pairs_hook=_strict_object)
    except ValueError:
        # a JsonParseException out of jsonToParser reaches the outer catch (RestCreateWorkflowAction.java:276)
        raise errors.template_content_invalid() from None
    if not isinstance(result, dict):
        raise errors.template_content_invalid()
    return result


def use_case_names(version: Version) -> list[str]:
    catalog = catalog_for(version)
    return list(catalog.use_cases) if catalog is not None else []
