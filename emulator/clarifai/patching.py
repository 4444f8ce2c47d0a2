"""Clarifai PATCH `merge` / `remove` semantics (reference §5, docs advanced-topics/patching.md).

merge: scalars overwrite; lists of objects with `id` merge by id (deep-merge a match, append a new
id); other lists append; dicts deep-merge; `{}` replaces. remove: scalars overwrite; id-list
entries with a matching id are deleted; dict keys given as `true` are deleted.
Each function returns (workflow fields to set, new node list or None when nodes are untouched).
"""
from __future__ import annotations

import copy
from typing import Any, Literal

from emulator.clarifai.models import NodeSpec, Workflow, WorkflowEdit

# the WorkflowEdit fields a patch may carry as they are (visibility is read from its message)
AsGiven = Literal["description", "notes", "metadata", "image", "use_cases", "check_consents"]


def given(item: dict[str, Any], keys: tuple[AsGiven, ...]) -> WorkflowEdit:
    """The fields among `keys` a patch item gives, taken as given."""
    e = WorkflowEdit()
    for k in keys:
        if k in item:
            e[k] = item[k]
    return e


def _scalars(item: dict[str, Any]) -> WorkflowEdit:
    return given(item, ("description", "notes"))


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    if patch == {}:
        return {}
    out = copy.deepcopy(base)
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and v:
            out[k] = deep_merge(out[k], v)
        elif isinstance(v, list) and isinstance(out.get(k), list) and v:
            out[k] = merge_list(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def merge_list(base: list[Any], patch: list[Any]) -> list[Any]:
    out = copy.deepcopy(base)
    index = {item.get("id"): i for i, item in enumerate(out) if isinstance(item, dict) and item.get("id")}
    for item in patch:
        if isinstance(item, dict) and item.get("id") in index:
            out[index[item["id"]]] = deep_merge(out[index[item["id"]]], item)
        elif item not in out:
            out.append(copy.deepcopy(item))
    return out


def merge_workflow(wf: Workflow, item: dict[str, Any]) -> tuple[WorkflowEdit, list[NodeSpec] | None]:
    fields = _scalars(item)
    if "metadata" in item:
        fields["metadata"] = deep_merge(wf.metadata, item["metadata"])
    if "visibility" in item and item["visibility"].get("gettable"):
        fields["visibility"] = item["visibility"]["gettable"]
    if "image" in item:
        fields["image"] = deep_merge(wf.image or {}, item["image"])
    if "use_cases" in item:
        fields["use_cases"] = wf.use_cases + [x for x in item["use_cases"] if x not in wf.use_cases]
    if "check_consents" in item:
        fields["check_consents"] = wf.check_consents + [x for x in item["check_consents"] if x not in wf.check_consents]
    nodes = None
    if item.get("nodes"):
        current = [n.to_patch() for n in wf.nodes]
        index = {n["id"]: i for i, n in enumerate(current)}
        for pn in item["nodes"]:
            if pn.get("id") in index:
                cur = current[index[pn["id"]]]
                new_model = pn.get("model") or {}
                if new_model.get("id") and new_model["id"] != cur["model"]["id"]:
                    # a different model replaces the node's model instead of mixing versions
                    cur = {**cur, "model": copy.deepcopy(new_model)}
                    pn = {k: v for k, v in pn.items() if k != "model"}
                current[index[pn["id"]]] = deep_merge(cur, pn)
            else:
                current.append(copy.deepcopy(pn))
                index[pn.get("id", "")] = len(current) - 1
        nodes = [NodeSpec.from_json(n) for n in current]
    return fields, nodes


def remove_from_workflow(wf: Workflow,
                         item: dict[str, Any]) -> tuple[WorkflowEdit, list[NodeSpec] | None]:
    fields = _scalars(item)
    if "metadata" in item:
        meta = copy.deepcopy(wf.metadata)
        for k, v in item["metadata"].items():
            if v is True:
                meta.pop(k, None)
        fields["metadata"] = meta
    if "image" in item and wf.image and item["image"].get("url") == wf.image.get("url"):
        # proto note: remove clears the image when image.url equals the current one
        fields["image"] = None
    if "use_cases" in item:
        fields["use_cases"] = [x for x in wf.use_cases if x not in item["use_cases"]]
    if "check_consents" in item:
        fields["check_consents"] = [x for x in wf.check_consents if x not in item["check_consents"]]
    nodes = None
    if item.get("nodes"):
        gone = {n.get("id") for n in item["nodes"]}
        # a node still feeding from a removed node fails validation (node_inputs, §6)
        nodes = [NodeSpec.from_json(n.to_patch()) for n in wf.nodes if n.id not in gone]
    return fields, nodes
