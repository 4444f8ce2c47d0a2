"""Locust scenarios against the emulator: Clarifai workflow predict, the Flow provision lifecycle, a CRUD mix.

Run headless through `make load` (loadtests/run_load.py), or by hand:
    locust -f loadtests/locustfile.py --host http://127.0.0.1:9200 --headless -u 50 -r 10 -t 30s
Every simulated user works in its own tenant (`x-emulator-tenant`), so users never see each
other's workflows and the run can share an emulator with anything else. The `quitting` hook
turns the run into a pass/fail check: failure ratio above `--max-fail-ratio` or total p95
above `--max-p95-ms` makes locust exit with code 3.
"""
from __future__ import annotations

import os
import random
import sys
import uuid
from typing import Any

import gevent
import orjson
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import WorkerRunner

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as w

THRESHOLD_EXIT_CODE = 3
WAIT = between(float(os.environ.get("LOAD_WAIT_MIN", "0.05")), float(os.environ.get("LOAD_WAIT_MAX", "0.15")))
# bodies serialised once: the generator must not spend its CPU re-encoding JSON
PREDICT_BODIES = {n: orjson.dumps(w.predict_body(n)) for n in w.INPUT_COUNTS}
FLOW_TEMPLATE = orjson.dumps(w.flow_template("load-lifecycle"))
POLL_INTERVAL_S = 0.02
MAX_POLLS = 250


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    parser.add_argument("--max-fail-ratio", type=float, env_var="LOAD_MAX_FAIL_RATIO", default=0.01,
                        help="exit non-zero when failures / requests exceeds this (default 0.01)")
    parser.add_argument("--max-p95-ms", type=float, env_var="LOAD_MAX_P95_MS", default=500.0,
                        help="exit non-zero when the aggregated p95 exceeds this many ms (default 500)")


@events.quitting.add_listener
def _check_thresholds(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return  # the master holds the aggregated statistics
    total = environment.stats.total
    opts = environment.parsed_options
    p95 = total.get_response_time_percentile(0.95) or 0.0
    problems = []
    if total.num_requests == 0:
        problems.append("no requests were made")
    if total.fail_ratio > opts.max_fail_ratio:
        problems.append(f"failure ratio {total.fail_ratio:.4f} > {opts.max_fail_ratio}")
    if p95 > opts.max_p95_ms:
        problems.append(f"p95 {p95:.0f} ms > {opts.max_p95_ms:.0f} ms")
    summary = (f"load check: {total.num_requests} requests, {total.num_failures} failures, "
               f"p95 {p95:.0f} ms, {total.total_rps:.1f} req/s")
    if problems:
        print(f"{summary} -> FAIL ({'; '.join(problems)})", file=sys.stderr)
        environment.process_exit_code = THRESHOLD_EXIT_CODE
    else:
        print(f"{summary} -> ok", file=sys.stderr)
        environment.process_exit_code = 0


class TenantUser(FastHttpUser):
    """A user owning a fresh tenant; `call` checks the HTTP status and returns the parsed body."""

    abstract = True
    wait_time = WAIT

    def on_start(self) -> None:
        self.tenant = f"load-{uuid.uuid4().hex[:16]}"
        self.headers = {**w.AUTH_HEADER, w.TENANT_HEADER: self.tenant}

    def call(self, method: str, path: str, body: bytes | None, expect: int, name: str) -> Any:
        with self.client.request(method, path, data=body, headers=self.headers, name=name,
                                 catch_response=True) as resp:
            if resp.status_code != expect:
                resp.failure(f"HTTP {resp.status_code} (expected {expect}): {(resp.text or '')[:200]}")
                return None
            try:
                doc = orjson.loads(resp.content or b"null")
            except orjson.JSONDecodeError:
                resp.failure("response body is not JSON")
                return None
            status = doc.get("status") if isinstance(doc, dict) else None
            # Clarifai answers carry the outcome in-band (§1 response envelope)
            if isinstance(status, dict) and status.get("code") not in (None, 10000):
                resp.failure(f"Clarifai status {status.get('code')} {status.get('description')}")
                return None
            return doc


class ClarifaiPredictUser(TenantUser):
    """PostWorkflowResults on 1-, 2- and 5-node workflows with 1 and 32 inputs (§5)."""

    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.call("POST", f"{w.clarifai_base()}/workflows", orjson.dumps(w.post_workflows_body()), 200,
                  "setup: post_workflows")

    def predict(self, workflow_id: str, n_inputs: int) -> None:
        doc = self.call("POST", w.predict_path(workflow_id), PREDICT_BODIES[n_inputs], 200,
                        f"post_workflow_results {workflow_id} x{n_inputs}")
        if doc is not None and len(doc.get("results") or ()) != n_inputs:
            events.request.fire(request_type="CHECK", name=f"results count {workflow_id} x{n_inputs}",
                                response_time=0, response_length=0, exception=AssertionError("result count"))

    @task(4)
    def predict_1_node_1_input(self) -> None:
        self.predict("load-1-node", 1)

    @task(6)
    def predict_2_node_1_input(self) -> None:
        self.predict("load-2-node", 1)

    @task(3)
    def predict_5_node_1_input(self) -> None:
        self.predict("load-5-node", 1)

    @task(1)
    def predict_1_node_32_inputs(self) -> None:
        self.predict("load-1-node", 32)

    @task(1)
    def predict_2_node_32_inputs(self) -> None:
        self.predict("load-2-node", 32)

    @task(1)
    def predict_5_node_32_inputs(self) -> None:
        self.predict("load-5-node", 32)


class FlowLifecycleUser(TenantUser):
    """create -> provision -> poll _status until COMPLETED -> deprovision -> delete (§3.4, §3.6, §8)."""

    weight = 1

    @task
    def lifecycle(self) -> None:
        doc = self.call("POST", w.FLOW_BASE, FLOW_TEMPLATE, 201, "flow create_workflow")
        if doc is None:
            return
        wid = doc["workflow_id"]
        base = f"{w.FLOW_BASE}/{wid}"
        if self.call("POST", f"{base}/_provision", None, 202, "flow provision_workflow") is not None:
            self.poll_completed(base)
        self.call("POST", f"{base}/_deprovision", None, 200, "flow deprovision_workflow")
        self.call("DELETE", base, None, 200, "flow delete_workflow")

    def poll_completed(self, base: str) -> None:
        for _ in range(MAX_POLLS):
            state = self.call("GET", f"{base}/_status", None, 200, "flow get_workflow_status")
            if state is None:
                return
            if state.get("state") == "COMPLETED":
                return
            if state.get("state") == "FAILED":
                events.request.fire(request_type="CHECK", name="flow provisioning outcome", response_time=0,
                                    response_length=0, exception=AssertionError(state.get("error")))
                return
            gevent.sleep(POLL_INTERVAL_S)
        events.request.fire(request_type="CHECK", name="flow provisioning outcome", response_time=0,
                            response_length=0, exception=AssertionError("provisioning did not complete"))


class CrudMixUser(TenantUser):
    """A mix of reads and writes on both APIs over a small per-user pool of workflows."""

    weight = 1
    POOL = 20

    def on_start(self) -> None:
        super().on_start()
        self.clarifai_ids: list[str] = []
        self.flow_ids: list[str] = []
        self.seq = 0

    # ---- Clarifai ----
    @task(3)
    def clarifai_create_or_delete(self) -> None:
        base = f"{w.clarifai_base()}/workflows"
        if len(self.clarifai_ids) >= self.POOL:
            wid = self.clarifai_ids.pop(random.randrange(len(self.clarifai_ids)))
            self.call("DELETE", f"{base}/{wid}", None, 200, "clarifai delete_workflow")
            return
        self.seq += 1
        wid = f"crud-{self.seq}"
        body = {"workflows": [w.workflow_json(wid, w.WORKFLOWS["load-2-node"])]}
        if self.call("POST", base, orjson.dumps(body), 200, "clarifai post_workflows") is not None:
            self.clarifai_ids.append(wid)

    @task(4)
    def clarifai_get(self) -> None:
        if self.clarifai_ids:
            wid = random.choice(self.clarifai_ids)
            self.call("GET", f"{w.clarifai_base()}/workflows/{wid}", None, 200, "clarifai get_workflow")

    @task(2)
    def clarifai_list(self) -> None:
        self.call("GET", f"{w.clarifai_base()}/workflows?page=1&per_page=10", None, 200, "clarifai list_workflows")

    @task(1)
    def clarifai_patch(self) -> None:
        if self.clarifai_ids:
            body = {"action": "merge", "workflows": [{"id": random.choice(self.clarifai_ids),
                                                      "description": f"patched {self.seq}"}]}
            self.call("PATCH", f"{w.clarifai_base()}/workflows", orjson.dumps(body), 200,
                      "clarifai patch_workflows")

    # ---- Flow Framework ----
    @task(3)
    def flow_create_or_delete(self) -> None:
        if len(self.flow_ids) >= self.POOL:
            wid = self.flow_ids.pop(random.randrange(len(self.flow_ids)))
            self.call("DELETE", f"{w.FLOW_BASE}/{wid}", None, 200, "flow delete_workflow")
            return
        self.seq += 1
        doc = self.call("POST", w.FLOW_BASE, orjson.dumps(w.flow_template(f"crud-{self.seq}")), 201,
                        "flow create_workflow")
        if doc is not None:
            self.flow_ids.append(doc["workflow_id"])

    @task(4)
    def flow_get(self) -> None:
        if self.flow_ids:
            self.call("GET", f"{w.FLOW_BASE}/{random.choice(self.flow_ids)}", None, 200, "flow get_workflow")

    @task(1)
    def flow_update(self) -> None:
        if self.flow_ids:
            self.seq += 1
            self.call("PUT", f"{w.FLOW_BASE}/{random.choice(self.flow_ids)}",
                      orjson.dumps(w.flow_template(f"crud-updated-{self.seq}")), 201, "flow update_workflow")

    @task(2)
    def flow_search(self) -> None:
        if not self.flow_ids:
            return  # a fresh tenant has no templates index yet: search answers 404 (Flow §3.8)
        body = orjson.dumps({"query": {"match_all": {}}, "size": 10})
        self.call("POST", f"{w.FLOW_BASE}/_search", body, 200, "flow search_workflows")
