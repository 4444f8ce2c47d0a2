"""The fake OpenSearch cluster behind the Flow steps: ML Commons resources, indices and pipelines (reference §8, §9).

One `Cluster` per tenant is shared by every workflow, so a model registered by one workflow can
keep another workflow's connector alive (§8 "connector used by a model" -> 409).
"""
from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from emulator.opensearch_flow.errors import FlowError


class ClusterError(FlowError):
    """An error answered by ML Commons or core.

    `safe`: `WorkflowStepException.getSafeException` (flow-framework WorkflowStepException.java:75-83)
    passes on only IllegalArgumentException, OpenSearchStatusException and 400s; any other exception
    (e.g. ml-commons' MLResourceNotFoundException) becomes the step's generic failure text with 500.
    """

    def __init__(self, status: int, message: str, *, safe: bool = True) -> None:
        super().__init__(status, message, exception="OpenSearchStatusException")
        self.safe = safe


@dataclass
class Model:
    model_id: str
    name: str
    kind: str  # remote | local
    connector_id: str | None
    model_group_id: str | None
    state: str = "REGISTERED"  # REGISTERED | DEPLOYED


@dataclass
class Cluster:
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    # ml-commons creates .plugins-ml-connector with the first connector and never drops it; a lookup
    # before that answers the "index missing" message (MLModelManager.getConnector, ml-commons
    # plugin/.../model/MLModelManager.java:2222-2225 vs :2247)
    connector_index: bool = False
    model_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)
    # before 3.0 core still took a mapping nested under the `_doc` type (releases.FEATURES "typeless_mappings")
    mapping_types: bool = False
    ingest_pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)
    search_pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)

    # --- connectors ----------------------------------------------------------------------
    def create_connector(self, connector_id: str, body: dict[str, Any]) -> str:
        self.connectors[connector_id] = body
        self.connector_index = True
        return connector_id

    def delete_connector(self, connector_id: str) -> None:
        users = [m.model_id for m in self.models.values() if m.connector_id == connector_id]
        if users:
            # ML Commons refuses while any model (of any workflow) still points at the connector (§8)
            raise ClusterError(409, f"{len(users)} models are still using this connector, please delete or "
                                    f"update the models first: [{', '.join(users)}]")
        # a missing connector answers a normal `not_found` delete result: success (§8)
        self.connectors.pop(connector_id, None)

    # --- model groups and models ---------------------------------------------------------
    def register_model_group(self, group_id: str, name: str, body: dict[str, Any]) -> str:
        for gid, g in self.model_groups.items():
            if g.get("name") == name:
                raise ClusterError(400, f"The name you provided is already being used by a model group with ID: {gid}.")
        self.model_groups[group_id] = {"name": name, **body}
        return group_id

    def register_model(self, model_id: str, name: str, kind: str, connector_id: str | None,
                       model_group_id: str | None, *, has_interface: bool = False) -> str:
        """TransportRegisterModelAction as it runs with security off (ml-commons plugin/.../register/
        TransportRegisterModelAction.java:185-350): access checks pass without reading anything."""
        if model_group_id is None:
            # :185-203 no group given: the group named like the model is reused, else one is created
            # under the model's name (createModelGroup :352-362) and outlives the model
            model_group_id = next((gid for gid, g in self.model_groups.items() if g.get("name") == name), None)
            if model_group_id is None:
                model_group_id = f"{model_id}-group"
                self.model_groups[model_group_id] = {"name": name}
        # :283-307 the connector is read only to fill a missing model interface
        if kind == "remote" and connector_id is not None and not has_interface and connector_id not in self.connectors:
            raise ClusterError(404, f"Failed to find connector:{connector_id}" if self.connector_index
                               else "Failed to find connector")
        if model_group_id not in self.model_groups:
            # MLModelManager.java:523-531: MLResourceNotFoundException, which the step does not pass on
            raise ClusterError(404, f"Model Group Response is empty for {model_group_id}", safe=False)
        self.models[model_id] = Model(model_id, name, kind, connector_id, model_group_id)
        return model_id

    def deploy_model(self, model_id: str) -> None:
        model = self.models.get(model_id)
        if model is None:
            raise ClusterError(404, "Failed to find model")
        model.state = "DEPLOYED"

    def undeploy_model(self, model_id: str) -> None:
        model = self.models.get(model_id)
        if model is not None:
            model.state = "UNDEPLOYED"

    def delete_model(self, model_id: str) -> None:
        model = self.models.get(model_id)
        if model is None:
            return  # delete_model treats 404 as success (§8)
        if model.state == "DEPLOYED":
            raise ClusterError(400, "Model cannot be deleted in deploying or deployed state. Try undeploy model "
                                    "first then delete")
        # the model group stays: DeleteModelTransportAction never touches it (ml-commons plugin/.../models/
        # DeleteModelTransportAction.java only validates access to it, :215), and deprovision undoes
        # register_model_group with a noop (flow-framework common/WorkflowResources.java REGISTER_MODEL_GROUP)
        del self.models[model_id]

    # --- agents --------------------------------------------------------------------------
    def register_agent(self, agent_id: str, body: dict[str, Any]) -> str:
        # TransportRegisterAgentAction (ml-commons plugin/.../agents/TransportRegisterAgentAction.java) indexes
        # the agent without reading `llm.model_id` or any tool's model: a dangling id registers fine
        self.agents[agent_id] = body
        return agent_id

    def delete_agent(self, agent_id: str) -> None:
        self.agents.pop(agent_id, None)  # 404 is success (§8)

    # --- indices -------------------------------------------------------------------------
    def create_index(self, name: str, body: dict[str, Any]) -> str:
        if name != name.lower():
            raise ClusterError(400, f"Invalid index name [{name}], must be lowercase")
        if not name or name.startswith(("_", "-", "+")) or re.search(r'[\\/*?"<>| ,#:]', name):
            raise ClusterError(400, f"Invalid index name [{name}]")
        if name in self.indices:
            uuid = base64.urlsafe_b64encode(zlib.crc32(name.encode()).to_bytes(4, "big") * 4).decode()[:22]
            raise ClusterError(400, f"index [{name}/{uuid}] already exists")
        mappings = body.get("mappings")
        if isinstance(mappings, dict) and "_doc" in mappings:
            if not self.mapping_types:
                raise ClusterError(400, "The mapping definition cannot be nested under a type")
            mappings = mappings["_doc"] if len(mappings) == 1 else mappings
        self.indices[name] = {"settings": body.get("settings") or {}, "mappings": mappings or {}, "docs": 0}
        return name

    def update_index_settings(self, name: str, settings: dict[str, Any]) -> bool:
        index = self.indices.get(name)
        if index is None:
            raise ClusterError(404, f"no such index [{name}]")
        flat = _flatten(settings.get("index", settings))
        current = _flatten(index["settings"].get("index", index["settings"]))
        changed = {k: v for k, v in flat.items() if current.get(k) != v}
        index["settings"] = {"index": {**current, **changed}}
        return bool(changed)

    def delete_index(self, name: str) -> None:
        if self.indices.pop(name, None) is None:
            raise ClusterError(404, f"no such index [{name}]")

    def reindex(self, source: str, dest: str) -> None:
        if source not in self.indices:
            raise ClusterError(404, f"no such index [{source}]")
        self.indices.setdefault(dest, {"settings": {}, "mappings": {}, "docs": 0})

    # --- pipelines -----------------------------------------------------------------------
    def put_pipeline(self, kind: str, pipeline_id: str, body: dict[str, Any]) -> str:
        self._pipelines(kind)[pipeline_id] = body  # PUT _ingest/pipeline is an upsert
        return pipeline_id

    def update_pipeline(self, kind: str, pipeline_id: str, body: dict[str, Any]) -> str:
        store = self._pipelines(kind)
        if pipeline_id not in store:
            raise ClusterError(404, f"pipeline [{pipeline_id}] is missing")
        store[pipeline_id] = body
        return pipeline_id

    def delete_pipeline(self, kind: str, pipeline_id: str) -> None:
        if self._pipelines(kind).pop(pipeline_id, None) is None:
            # missing index/pipeline deletes are failures: 202 until the state is cleared (§8)
            raise ClusterError(404, f"pipeline [{pipeline_id}] is missing")

    def _pipelines(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.ingest_pipelines if kind == "ingest" else self.search_pipelines

    def dump(self) -> dict[str, Any]:
        return {
            "connectors": sorted(self.connectors),
            "model_groups": sorted(self.model_groups),
            "models": {m.model_id: {"name": m.name, "state": m.state, "connector_id": m.connector_id,
                                    "model_group_id": m.model_group_id} for m in self.models.values()},
            "agents": sorted(self.agents),
            "indices": sorted(self.indices),
            "ingest_pipelines": sorted(self.ingest_pipelines),
            "search_pipelines": sorted(self.search_pipelines),
        }


def _flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in settings.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = str(v).lower() if isinstance(v, bool) else str(v)
    return out
