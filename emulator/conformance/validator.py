"""Checks one HTTP response against the OpenAPI contract of the operation that produced it.

Used by the in-process test client (tests/conftest.py) so every hand-written test is also a
contract check, and by `workflow-emulator contract-test`. Validators are compiled once per
(operation, status) and cached while the contract files stay the same.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import orjson
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from emulator import apis
from emulator.apis import load_document
from emulator.core.api import Contract
from emulator.core.contracts import contract_file


@dataclass(frozen=True)
class Operation:
    document: str
    operation_id: str
    method: str
    path: str
    definition: dict[str, Any]


class ContractViolation(AssertionError):
    """A response the contract does not allow (undocumented status or schema mismatch)."""


def document_for_path(path: str) -> str | None:
    """Which contract describes a request path. operationIds are unique per contract only: both
    APIs have a `get_workflow` and a `delete_workflow` (team brief's fixed names)."""
    if path.startswith("/_emulator/"):
        return "emulator-admin"
    for d in apis.descriptors():
        if d.owns(path):
            return d.contract.document
    return None


class Contracts:
    """Every operation of the emulator's contracts, indexed by (contract, operationId)."""

    def __init__(self, names: tuple[str, ...] | None = None) -> None:
        names = tuple(apis.documents()) if names is None else names
        self.documents: dict[str, dict[str, Any]] = {}
        self.operations: dict[tuple[str, str], Operation] = {}
        resources = []
        for name in names:
            try:
                doc = load_document(name)
            except FileNotFoundError:
                continue  # a contract not written yet (reported by tests/test_spec_coverage.py)
            self.documents[name] = doc
            resources.append((_uri(name), Resource.from_contents(doc, default_specification=DRAFT202012)))
            for path, item in (doc.get("paths") or {}).items():
                for method, op in item.items():
                    if method in ("get", "put", "post", "delete", "patch", "head", "options") and "operationId" in op:
                        oid = op["operationId"]
                        self.operations[(name, oid)] = Operation(name, oid, method.upper(), path, op)
        self.registry: Registry[Any] = Registry().with_resources(resources)
        self._validators: dict[tuple[str, str, str], Draft202012Validator | None] = {}

    def response_spec(self, op: Operation, status: int) -> tuple[str, dict[str, Any]] | None:
        """(pointer, response object) documented for `status`: exact code, then `4XX`, then default."""
        responses = op.definition.get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                resp = responses[key]
                pointer = f"/paths/{_escape(op.path)}/{op.method.lower()}/responses/{key}"
                while "$ref" in resp:
                    pointer = resp["$ref"][1:]
                    resp = self._resolve(op.document, pointer)
                return pointer, resp
        return None

    def _resolve(self, document: str, pointer: str) -> dict[str, Any]:
        node: Any = self.documents[document]
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        result: dict[str, Any] = node
        return result

    def validator(self, op: Operation, status: int) -> Draft202012Validator | None:
        key = (op.document, op.operation_id, str(status))
        if key not in self._validators:
            found = self.response_spec(op, status)
            v = None
            if found is not None:
                pointer, resp = found
                media = (resp.get("content") or {}).get("application/json")
                if media and "schema" in media:
                    ref = {"$ref": f"{_uri(op.document)}#{pointer}/content/application~1json/schema"}
                    v = Draft202012Validator(ref, registry=self.registry)
            self._validators[key] = v
        return self._validators[key]

    def check(self, document: str, operation_id: str, status: int, body: bytes,
              content_type: str | None = None) -> list[str]:
        """The violations of one response (empty when it conforms). A YAML answer (OpenSearch's
        `format=yaml`, `Accept` or a YAML request body) is checked against the same schema."""
        op = self.operations.get((document, operation_id))
        if op is None:
            return []
        if self.response_spec(op, status) is None:
            documented = sorted(op.definition.get("responses") or {})
            return [f"{operation_id}: status {status} is not documented (documented: {documented})"]
        v = self.validator(op, status)
        if v is None:
            return []
        if (content_type or "").split(";")[0].strip() == "application/yaml":
            try:
                data = yaml.safe_load(body)
            except yaml.YAMLError:
                return [f"{operation_id} {status}: body is not YAML: {body[:200]!r}"]
        else:
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError:
                return [f"{operation_id} {status}: body is not JSON: {body[:200]!r}"]
        errors = sorted(v.iter_errors(data), key=lambda e: list(e.absolute_path))
        return [f"{operation_id} {status}: {_describe(e)}" for e in errors[:5]]


def default_contracts() -> Contracts:
    """The contracts as the files are now. Cached by which files were found and when they last
    changed, not once per process: a run that first asks while a contract is missing (a test that
    hides the contract directory) must not leave every later client validating against nothing."""
    return _contracts(tuple((name, _stamp(contract)) for name, contract in apis.documents().items()))


def _stamp(contract: Contract) -> tuple[str, float] | None:
    found = contract_file(contract)
    try:
        return (str(found), found.stat().st_mtime) if found is not None else None
    except OSError:
        return None


@functools.lru_cache(maxsize=4)
def _contracts(files: tuple[tuple[str, tuple[str, float] | None], ...]) -> Contracts:
    return Contracts(tuple(name for name, _ in files))


def _uri(name: str) -> str:
    return f"urn:workflow-emulator:{name}"


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "<root>"
    best = error
    if error.context:
        best = min(error.context, key=lambda e: len(list(e.absolute_path)) * -1)
    return f"at {where}: {best.message[:300]}"
