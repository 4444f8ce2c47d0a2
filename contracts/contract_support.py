"""Shared set-up of the contract tests: the app under test (in-process by default) and knobs.

CONTRACT_MAX_EXAMPLES bounds the examples per operation and phase (CI default keeps the whole
directory to about a minute on 2 cores; `make fuzz` raises it). CONTRACT_SEED fixes generation.
Never import locust here: its gevent monkey-patching breaks schemathesis' ssl/requests.
"""
from __future__ import annotations

import os
from typing import Any

from emulator.app import create_app
from emulator.settings import Settings

MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "20"))
STATEFUL_EXAMPLES = int(os.environ.get("CONTRACT_STATEFUL_EXAMPLES", "25"))
SEED = int(os.environ.get("CONTRACT_SEED", "20261123"))
AUTH = {"Authorization": "Key contract-test-pat"}


def contract_app() -> Any:
    # real clock with instant steps: provisioning started by a scenario finishes in the background
    return create_app(Settings(grpc_enabled=False, clock="real", seed=SEED, step_latency_scale=0.0))



def state_machine(schema: Any) -> Any:
    """schemathesis' state machine over the contract's OpenAPI links only.

    Its root heuristics consult a dependency analysis that reads e.g. Flow's `tenant_id` as a foreign
    key and then refuses creates as scenario roots; the tests choose their roots themselves, so the
    analysis is replaced by an empty graph.
    """
    from schemathesis.specs.openapi.stateful.dependencies.models import DependencyGraph

    schema.analysis._dependency_graph = DependencyGraph(operations={}, resources={})
    return schema.as_state_machine()
