"""A Python handle on one emulator tenant, over the admin API (stdlib HTTP only, so it also works
against a remote `EMULATOR_URL`), plus factories for the official clients pointed at that tenant."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

TENANT_HEADER = "x-emulator-tenant"
TOKEN_ENV = "EMULATOR_ADMIN_TOKEN"
DEFAULT_PAT = "emulator-test-pat"


class EmulatorAdminError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class AdminClient:
    """`token`: the server's admin token (default: EMULATOR_ADMIN_TOKEN), needed off loopback."""

    def __init__(self, url: str, tenant: str | None = None, timeout: float = 30.0, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.tenant = tenant
        self.timeout = timeout
        self.token = token if token is not None else os.environ.get(TOKEN_ENV) or None

    def request(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        url = self.url + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("content-type", "application/json")
        if self.token:
            req.add_header("authorization", f"Bearer {self.token}")
        if self.tenant is not None:
            req.add_header(TENANT_HEADER, self.tenant)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                parsed: Any = json.loads(raw)
            except ValueError:
                parsed = raw.decode("utf-8", "replace")
            raise EmulatorAdminError(exc.code, parsed) from None
        return json.loads(raw) if raw else None


class Faults:
    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def add(self, rule: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Add one rule: `add({"effect": {...}, "match": {...}, "count": 1})` or the same as keywords."""
        spec = {**(rule or {}), **fields}
        out: dict[str, Any] = self._admin.request("POST", "/_emulator/faults", spec)["faults"][0]
        return out

    def list(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._admin.request("GET", "/_emulator/faults")["faults"]
        return out

    def get(self, rule_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._admin.request("GET", f"/_emulator/faults/{urllib.parse.quote(rule_id)}")
        return out

    def delete(self, rule_id: str) -> None:
        self._admin.request("DELETE", f"/_emulator/faults/{urllib.parse.quote(rule_id)}")

    def clear(self) -> int:
        n: int = self._admin.request("DELETE", "/_emulator/faults")["deleted"]
        return n


class Clock:
    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def get(self) -> dict[str, Any]:
        out: dict[str, Any] = self._admin.request("GET", "/_emulator/clock")
        return out

    def now_ms(self) -> int:
        return int(self.get()["now_ms"])

    def set(self, mode: str, scale: float | None = None, now_ms: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"mode": mode}
        if scale is not None:
            body["scale"] = scale
        if now_ms is not None:
            body["now_ms"] = now_ms
        out: dict[str, Any] = self._admin.request("PUT", "/_emulator/clock", body)
        return out

    def manual(self, now_ms: int | None = None) -> dict[str, Any]:
        return self.set("manual", now_ms=now_ms)

    def real(self) -> dict[str, Any]:
        return self.set("real")

    def scaled(self, scale: float) -> dict[str, Any]:
        return self.set("scaled", scale=scale)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Advance a manual clock; returns after every sleeper due by then has run."""
        out: dict[str, Any] = self._admin.request("POST", "/_emulator/clock/advance", {"seconds": seconds})
        return out


class EmulatorTenant:
    """Everything a test needs about its own tenant of an emulator."""

    def __init__(self, url: str, name: str, grpc_port: int = 0, pat: str = DEFAULT_PAT,
                 admin_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.name = name
        self.grpc_port = grpc_port
        self.pat = pat
        self.admin = AdminClient(self.url, name, token=admin_token)
        self.faults = Faults(self.admin)
        self.clock = Clock(self.admin)

    @property
    def headers(self) -> dict[str, str]:
        return {TENANT_HEADER: self.name}

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """gRPC / clarifai-grpc call metadata: the PAT and this tenant."""
        return (("authorization", f"Key {self.pat}"), (TENANT_HEADER, self.name))

    def journal(self, **query: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first; filters: operation, status ("5xx" ok), api, method, path,
        error, fault, since_ms, until_ms, after_seq, limit."""
        out: list[dict[str, Any]] = self.admin.request("GET", "/_emulator/journal", query=query or None)["entries"]
        return out

    def clear_journal(self) -> int:
        n: int = self.admin.request("DELETE", "/_emulator/journal")["deleted"]
        return n

    def coverage(self) -> dict[str, Any]:
        out: dict[str, Any] = self.admin.request("GET", "/_emulator/coverage")
        return out

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = self.admin.request("GET", "/_emulator/state")
        return out

    def seed(self, doc: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = self.admin.request("POST", "/_emulator/seed", doc)
        return out

    def reset(self) -> dict[str, Any]:
        out: dict[str, Any] = self.admin.request("POST", "/_emulator/reset")
        return out

    def register_model(self, model: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = self.admin.request("POST", "/_emulator/clarifai/models", model)
        return out

    def set_model_state(self, model_id: str, state: str, seconds: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = self.admin.request(
            "PUT", f"/_emulator/clarifai/models/{urllib.parse.quote(model_id)}/state",
            {"state": state, "seconds": seconds})
        return out

    # --- official clients pointed at this tenant ------------------------------------------------

    def opensearch(self, **kwargs: Any) -> Any:
        """An opensearch-py client whose every request carries this tenant's header."""
        from opensearchpy import OpenSearch

        parsed = urllib.parse.urlsplit(self.url)
        return OpenSearch(hosts=[{"host": parsed.hostname, "port": parsed.port or 80}],
                          headers=self.headers, **{"max_retries": 0, "timeout": 30, **kwargs})

    def clarifai_json_stub(self) -> Any:
        """clarifai-grpc's V2Stub over its HTTP/JSON channel; call it with `metadata=t.metadata`."""
        from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel
        from clarifai_grpc.grpc.api import service_pb2_grpc

        channel = ClarifaiChannel.get_json_channel(base_url=self.url)
        # the JSON channel only forwards `authorization` from metadata; the tenant rides on the session
        channel.session.headers.update(self.headers)
        return service_pb2_grpc.V2Stub(channel)

    def clarifai_grpc_channel(self) -> Any:
        from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel

        host = urllib.parse.urlsplit(self.url).hostname or "127.0.0.1"
        return ClarifaiChannel.get_insecure_grpc_channel(base=host, port=self.grpc_port)

    def clarifai_grpc_stub(self) -> Any:
        """clarifai-grpc's V2Stub over real gRPC; call it with `metadata=t.metadata`."""
        from clarifai_grpc.grpc.api import service_pb2_grpc

        return service_pb2_grpc.V2Stub(self.clarifai_grpc_channel())

    def clarifai_sdk_kwargs(self) -> dict[str, str]:
        """`base_url` and `pat` for the clarifai SDK (gRPC only; it cannot send the tenant header,
        so SDK calls land in the default tenant)."""
        host = urllib.parse.urlsplit(self.url).hostname or "127.0.0.1"
        return {"base_url": f"http://{host}:{self.grpc_port}", "pat": self.pat}
