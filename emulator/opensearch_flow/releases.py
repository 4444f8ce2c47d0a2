"""What each OpenSearch release's Flow Framework plugin had: ONE table of features by first release.

`Settings.opensearch_version` picks a release; the backend and the routes read `release_for()`
once and ask it (`release.reprovision`), never compare version strings themselves. The built-in
use cases per release are data (`use_case_files/releases.json`, vendored from the plugin's tags).
Every row cites the first tag whose source has the feature (flow-framework repository, `ff:` =
src/main/java/org/opensearch/flowframework/).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from emulator.opensearch_flow.java_collections import hash_order

Version = tuple[int, int, int]

# feature -> first release that has it
FEATURES: dict[str, Version] = {
    # 2.13.0.0 ff:rest/RestCreateWorkflowAction.java reads `use_case` (ff:common/DefaultUseCases.java appears);
    # 2.12 reads only workflow_id, validation and provision
    "use_cases": (2, 13, 0),
    # 2.16.0.0 ff:rest/RestDeprovisionWorkflowAction.java:63 reads `allow_delete`; before it the param is
    # unrecognized and WorkflowResources (2.15.0.0:57-61) never deletes indices or pipelines
    "allow_delete": (2, 16, 0),
    # 2.16.0.0 ff:rest/RestCreateWorkflowAction.java:87 reads `update_fields`
    "update_fields": (2, 16, 0),
    # 2.17.0.0 ff:rest/RestCreateWorkflowAction.java:88 reads `reprovision`; ff:workflow/WorkflowStepFactory.java
    # 2.17.0.0:264-282 adds update_ingest_pipeline, update_search_pipeline, update_index
    "reprovision": (2, 17, 0),
    # 2.19.0.0 ff:rest/RestCreateWorkflowAction.java:94 and RestProvisionWorkflowAction.java:80
    "wait_for_completion_timeout": (2, 19, 0),
    # OpenSearch 3.0 removed mapping types: a mapping nested under `_doc` fails create_index, which is why
    # flow-framework 3.5.0.0 (commit cb619669, #1301) dropped `_doc` from its use-case templates
    "typeless_mappings": (3, 0, 0),
    # 3.0.0.0 (PR #1083): provision answers 202 ACCEPTED, create/update with provision or reprovision too
    "accepted_202": (3, 0, 0),
    # 3.7.0.0 ff:workflow/WorkflowProcessSorter.java:461 validateFieldValues (PR #1368)
    "field_validation": (3, 7, 0),
    # 2.19.0.0 (PR #980, multi-tenancy): ff:transport/handler/SearchHandler.java:127-148 searches through the
    # remote-metadata SDK client and re-parses its response (serialised without typed keys), so a search
    # with aggregations fails with "Failed to parse search response"; before it the node client's response
    # (aggregations included) went straight back
    "search_response_reparsed": (2, 19, 0),
}
# Step types newer than 2.13 (the WorkflowSteps enum of ff:workflow/WorkflowStepFactory.java at each tag);
# a release without one answers 501 "not implemented" for it, and before 2.16 had no deny list either
STEPS_SINCE: dict[str, Version] = {
    "reindex": (2, 15, 0),
    "delete_index": (2, 16, 0),
    "delete_ingest_pipeline": (2, 16, 0),
    "delete_search_pipeline": (2, 16, 0),
    "update_ingest_pipeline": FEATURES["reprovision"],
    "update_search_pipeline": FEATURES["reprovision"],
    "update_index": FEATURES["reprovision"],
}
RESPONSE_PARAMS = ("format", "filter_path", "pretty", "human", "error_trace")


def parse_version(text: str) -> Version:
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    parts += [0] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Release:
    version: Version
    use_cases: bool
    allow_delete: bool
    update_fields: bool
    reprovision: bool
    wait_for_completion_timeout: bool
    typeless_mappings: bool
    accepted_202: bool
    field_validation: bool
    search_response_reparsed: bool

    @property
    def text(self) -> str:
        return ".".join(str(p) for p in self.version)

    def has_step(self, step_type: str) -> bool:
        return self.version >= STEPS_SINCE.get(step_type, (0, 0, 0))

    def create_consumed_list(self) -> str:
        """`request.consumedParams()` in "Only the parameters [...]": a HashSet of what the REST channel
        (format, filter_path, pretty, human, error_trace) and the handler read, printed in hash order."""
        return "[" + ", ".join(hash_order(RESPONSE_PARAMS + self.create_params())) + "]"

    def create_params(self) -> tuple[str, ...]:
        """What `RestCreateWorkflowAction.prepareRequest` reads, in reading order, at this release."""
        names = ["workflow_id", "validation", "provision"]
        if self.reprovision:
            names.append("reprovision")
        if self.update_fields:
            names.append("update_fields")
        if self.use_cases:
            names.append("use_case")
        if self.wait_for_completion_timeout:
            names.append("wait_for_completion_timeout")
        return tuple(names)


@lru_cache(maxsize=32)
def release_for(opensearch_version: str) -> Release:
    v = parse_version(opensearch_version)
    flags = {name: v >= since for name, since in FEATURES.items()}
    return Release(version=v, **flags)
