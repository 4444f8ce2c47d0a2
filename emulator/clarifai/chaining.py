"""Which models can feed which in a workflow (resources.proto ModelType: input_fields / output_fields
"are used to validate which models can be chained before and after each other inside a workflow").

A node with `node_inputs` must take some kind of data its upstream gives; a root node must take a
kind a request input carries (image, video, audio, text). A detector's regions are areas of the
image, so they feed image models region by region (§5: detector then classifier), and a cropper's
crops are images. The real service's code for a refused chain is unverified: WORKFLOW_INVALID_GRAPH
22107 (the graph family), with details naming both nodes, their types and the data kinds.
"""
from __future__ import annotations

from emulator.clarifai import errors
from emulator.clarifai.catalog import MODEL_TYPES

REQUEST_KINDS = frozenset({"image", "video", "audio", "text"})
# what an output field hands to the next model
_GIVES = {"regions": frozenset({"regions", "image"}), "image": frozenset({"image", "regions"})}


def _fields(model_type_id: str, output: bool) -> frozenset[str]:
    mt = MODEL_TYPES.get(model_type_id)
    if mt is None:
        return frozenset()
    # an entry may list several fields separated by commas (resources.proto ModelType.input_fields)
    raw = mt.output_fields if output else mt.input_fields
    return frozenset(f.strip().split("[")[0].split(".")[0] for entry in raw for f in entry.split(","))


def gives(model_type_id: str) -> frozenset[str]:
    out: set[str] = set()
    for f in _fields(model_type_id, True):
        out |= _GIVES.get(f, frozenset({f}))
    return frozenset(out)


def check(order: list[str], edges: list[tuple[str, str]], types: dict[str, str]) -> None:
    """Raises WORKFLOW_INVALID_GRAPH for the first node (in execution order) fed what it cannot take."""
    sources: dict[str, list[str]] = {}
    for src, dst in edges:
        sources.setdefault(dst, []).append(src)
    for node in order:
        takes = _fields(types[node], False)
        if not takes:
            continue
        ups = sources.get(node)
        if not ups:
            if not takes & REQUEST_KINDS:
                raise errors.invalid_graph(
                    f"Node '{node}' ({types[node]}) takes {', '.join(sorted(takes))}, which no request input "
                    "carries: it needs node_inputs from a model that gives it")
            continue
        for src in ups:
            given = gives(types[src])
            if not takes & given:
                raise errors.invalid_graph(
                    f"Node '{node}' ({types[node]}) takes {', '.join(sorted(takes))} but its input node '{src}' "
                    f"({types[src]}) gives {', '.join(sorted(given)) or 'nothing'}")
