"""Clarifai status codes (reference §7): the one table of codes, names, descriptions and HTTP statuses.

Application errors are data: backend code raises `ClarifaiError` built by a named constructor
below; the backend renders it into the `status` envelope. Codes whose HTTP status or choice is
unverified (tagged [I] in §7/§11) can be changed with `settings.clarifai_status_overrides`,
keyed either by the situation name of a constructor (e.g. "workflow_duplicate") or by the code's
name (e.g. "MODEL_DEPLOYING"), with values {"code"?, "http_status"?, "description"?}.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StatusSpec:
    code: int
    name: str
    description: str
    http_status: int


_TABLE: tuple[StatusSpec, ...] = (
    StatusSpec(10000, "SUCCESS", "Ok", 200),
    StatusSpec(10010, "MIXED_STATUS", "Mixed Success", 207),
    StatusSpec(10020, "FAILURE", "Failure", 400),
    StatusSpec(10030, "TRY_AGAIN", "Try the request again", 503),
    StatusSpec(10040, "NOT_IMPLEMENTED", "Not implemented", 501),
    StatusSpec(11001, "CONN_TOKEN_INVALID", "Invalid token", 401),
    StatusSpec(11002, "CONN_CREDENTIALS_INVALID", "Invalid credentials", 401),
    StatusSpec(11003, "CONN_EXCEED_HOURLY_LIMIT", "Hourly request limit exceeded", 429),
    StatusSpec(11005, "CONN_THROTTLED", "Making too many requests", 429),
    StatusSpec(11007, "CONN_INSUFFICIENT_SCOPES", "API key has insufficient scopes", 403),
    StatusSpec(11008, "CONN_KEY_INVALID", "Invalid API key or Invalid API key/application pair", 401),
    StatusSpec(11009, "CONN_KEY_NOT_FOUND", "API key not found", 401),
    StatusSpec(11100, "CONN_BAD_REQUEST_FORMAT", "Bad request format", 400),
    StatusSpec(11101, "CONN_DOES_NOT_EXIST", "Resource does not exist", 404),
    # §8: HTTP status for a missing/malformed header is unverified; 401 recommended
    StatusSpec(11102, "CONN_INVALID_REQUEST", "Invalid request", 401),
    StatusSpec(11103, "CONN_METHOD_NOT_ALLOWED", "Method not allowed", 400),
    StatusSpec(21100, "MODEL_TRAINED", "Model is trained and ready", 200),
    StatusSpec(21200, "MODEL_DOES_NOT_EXIST", "Model does not exist", 404),
    StatusSpec(21201, "MODEL_PERMISSION_DENIED", "Model permission denied", 403),
    StatusSpec(21202, "MODEL_INVALID_ARGUMENT", "Invalid model argument", 400),
    StatusSpec(21203, "MODEL_INVALID_REQUEST", "Model invalid request", 400),
    StatusSpec(21313, "MODEL_PREDICTION_FAILED", "Model prediction failed", 500),
    StatusSpec(21351, "MODEL_DEPLOYING", "Model is deploying", 503),
    StatusSpec(21353, "MODEL_NOT_DEPLOYED", "Model is not deployed", 503),
    StatusSpec(21354, "MODEL_BUSY_PLEASE_RETRY", "Model is busy, please retry", 503),
    StatusSpec(21355, "MODEL_LOADING", "Model is loading", 503),
    StatusSpec(22002, "WORKFLOW_REQUIRE_TRAINED_MODEL", "New model in workflow needs to be trained", 400),
    StatusSpec(22100, "WORKFLOW_DUPLICATE", "Workflow with this ID already exists", 400),
    StatusSpec(22102, "WORKFLOW_DOES_NOT_EXIST", "Workflow does not exist", 404),
    StatusSpec(22104, "WORKFLOW_INVALID_ARGUMENT", "Workflow invalid argument", 400),
    StatusSpec(22107, "WORKFLOW_INVALID_GRAPH", "Workflow graph is invalid", 400),
    StatusSpec(22999, "WORKFLOW_INVALID_REQUEST", "Invalid request", 400),
    StatusSpec(30101, "INPUT_UNSUPPORTED_FORMAT", "Input image format unsupported", 400),
    StatusSpec(30104, "INPUT_INVALID_ARGUMENT", "Input invalid argument", 400),
    StatusSpec(30105, "INPUT_OVER_LIMIT", "Input image is larger than the allowed limit", 400),
    StatusSpec(30106, "INPUT_INVALID_URL", "Input image URL invalid", 400),
    StatusSpec(30300, "ALL_INPUT_INVALID_BYTES", "Input image decoding failed", 400),
    StatusSpec(40001, "PREDICT_INVALID_REQUEST", "Invalid request", 400),
    StatusSpec(40033, "RPC_MAX_MESSAGE_SIZE_EXCEEDED", "Request too large", 413),
    StatusSpec(40010, "DATABASE_DUPLICATE_KEY",
               "Object has a duplicate ID; another object with same ID already exist", 400),
    StatusSpec(99009, "INTERNAL_UNCATEGORIZED", "Internal error", 500),
)

BY_CODE: dict[int, StatusSpec] = {s.code: s for s in _TABLE}
BY_NAME: dict[str, StatusSpec] = {s.name: s for s in _TABLE}

SUCCESS = BY_NAME["SUCCESS"]
MIXED_STATUS = BY_NAME["MIXED_STATUS"]
FAILURE = BY_NAME["FAILURE"]
MODEL_TRAINED = BY_NAME["MODEL_TRAINED"]


def spec(code: int) -> StatusSpec:
    return BY_CODE.get(code) or StatusSpec(code, str(code), "", 400)


class ClarifaiError(Exception):
    """An application error: travels in the `status` envelope (in-band over gRPC too, §7)."""

    def __init__(self, code: int, details: str = "", situation: str | None = None,
                 description: str | None = None) -> None:
        super().__init__(details or spec(code).description)
        self.code = code
        self.details = details
        self.situation = situation
        self.description = description if description is not None else spec(code).description

    def resolved(self, overrides: dict[str, Any]) -> tuple[int, str, str, int]:
        """(code, description, details, http_status) after applying settings overrides."""
        code, description = self.code, self.description
        sit = overrides.get(self.situation or "") if self.situation else None
        if isinstance(sit, int):
            sit = {"code": sit}
        if isinstance(sit, dict) and "code" in sit:
            code = int(sit["code"])
            description = spec(code).description
        by_code = overrides.get(spec(code).name) or overrides.get(str(code))
        http = spec(code).http_status
        for o in (by_code, sit):
            if isinstance(o, dict):
                http = int(o.get("http_status", http))
                description = str(o.get("description", description))
        return code, description, self.details, http


# --- named constructors: the real service's wording where known (§7, §8, §9) -------------------

def missing_authorization() -> ClarifaiError:
    return ClarifaiError(11102, "Empty or malformed authorization header. Please provide an API key "
                                "or session token.", "missing_authorization")


def key_not_found(token: str | None) -> ClarifaiError:
    return ClarifaiError(11009, f"invalid key({token or None})", "key_not_found")


def key_invalid(details: str = "Invalid format of key.") -> ClarifaiError:
    return ClarifaiError(11008, details, "key_invalid")


def insufficient_scopes(missing: list[str]) -> ClarifaiError:
    return ClarifaiError(11007, "Missing scopes: " + ", ".join(missing), "insufficient_scopes")


def throttled(rps: float) -> ClarifaiError:
    limit = int(rps) if float(rps).is_integer() else rps
    return ClarifaiError(11005, f"exceeded limit of {limit} requests per second", "throttled")


def bad_request_format(details: str) -> ClarifaiError:
    return ClarifaiError(11100, details, "bad_request_format")


def path_not_found(path: str) -> ClarifaiError:
    return ClarifaiError(11101, f"Path {path} does not exist", "path_not_found")


def method_not_allowed() -> ClarifaiError:
    return ClarifaiError(11103, "Method Not Allowed", "method_not_allowed")


def not_implemented(rpc: str) -> ClarifaiError:
    return ClarifaiError(10040, f"{rpc} is not implemented by the emulator", "not_implemented")


def workflow_not_found(workflow_id: str) -> ClarifaiError:
    # §5 GetWorkflow: the generic not-found 11101/404 is the recommended default
    return ClarifaiError(11101, f"Workflow '{workflow_id}' does not exist", "workflow_not_found")


def workflow_version_not_found(workflow_id: str, version_id: str) -> ClarifaiError:
    return ClarifaiError(11101, f"Workflow version '{version_id}' of workflow '{workflow_id}' does not exist",
                         "workflow_version_not_found")


def workflow_duplicate(workflow_id: str) -> ClarifaiError:
    # §5 PostWorkflows: 40010 vs 22100 unverified; the SDK only looks for "already exists"
    return ClarifaiError(40010, f"Workflow with ID '{workflow_id}' already exists in this app",
                         "workflow_duplicate")


def invalid_argument(details: str) -> ClarifaiError:
    return ClarifaiError(22104, details, "workflow_invalid_argument")


def invalid_graph(details: str) -> ClarifaiError:
    return ClarifaiError(22107, details, "workflow_invalid_graph")


def invalid_request(details: str) -> ClarifaiError:
    return ClarifaiError(22999, details, "workflow_invalid_request")


def model_not_found(model_id: str, version_id: str | None = None) -> ClarifaiError:
    what = f"Model '{model_id}'" + (f" version '{version_id}'" if version_id else "")
    return ClarifaiError(21200, f"{what} does not exist", "model_not_found")


def app_not_found(user_id: str, app_id: str) -> ClarifaiError:
    # unverified wording; the generic not-found code as for other missing resources (§7)
    return ClarifaiError(11101, f"app identified by path /users/{user_id}/apps/{app_id} not found", "app_not_found")


def not_app_owner(user_id: str, app_id: str) -> ClarifaiError:
    # unverified: a PAT reaches other users' public resources read-only (§8); a write is refused as a
    # missing scope on that app. Override with the situation name "not_app_owner".
    return ClarifaiError(11007, f"Insufficient scopes to modify app '{app_id}' of user '{user_id}'",
                         "not_app_owner")


def app_duplicate(app_id: str) -> ClarifaiError:
    return ClarifaiError(40010, f"App with ID '{app_id}' already exists", "app_duplicate")


def invalid_app_id(app_id: str) -> ClarifaiError:
    return ClarifaiError(11100, f"Invalid app ID '{app_id}': use letters, digits and single '-' or '_' "
                                "separators, at most 48 characters", "invalid_app_id")


def model_duplicate(model_id: str) -> ClarifaiError:
    return ClarifaiError(40010, f"Model with ID '{model_id}' already exists in this app", "model_duplicate")


def model_untrained(model_id: str) -> ClarifaiError:
    # §5 PostWorkflows: a node's model must have a trained version (22002)
    return ClarifaiError(22002, f"Model '{model_id}' has no model version", "model_untrained")


def too_many_inputs(count: int, limit: int) -> ClarifaiError:
    # §5: the code for more than 32 inputs is unverified; 22104 / 400 recommended
    return ClarifaiError(22104, f"Too many inputs: {count} inputs were sent, the limit is {limit} "
                                "inputs per workflow predict request", "too_many_inputs")


def model_invalid_argument(details: str) -> ClarifaiError:
    # the docs' "invalid model argument error" (Prediction Parameters: select_concepts), MODEL_INVALID_ARGUMENT
    return ClarifaiError(21202, details, "model_invalid_argument")


def too_many_model_inputs(count: int, limit: int) -> ClarifaiError:
    # the docs: "You can send up to 128 images in one API call"; the code beyond it is unverified
    return ClarifaiError(40001, f"Too many inputs: {count} inputs were sent, the limit is {limit} "
                                "inputs per model predict request", "too_many_model_inputs")


def model_not_ready(code: int, model_id: str) -> ClarifaiError:
    return ClarifaiError(code, f"Model '{model_id}' is not ready yet, please retry", "model_not_ready")


def request_too_large(size: int, limit: int) -> ClarifaiError:
    return ClarifaiError(40033, f"Request body of {size} bytes exceeds the limit of {limit} bytes",
                         "request_too_large")


# An injected HTTP `error` fault without an explicit Clarifai code gets the code that HTTP status
# stands for, the same over REST and gRPC (a fault rule looks the same through both doors).
_CODE_FOR_HTTP_STATUS: dict[int, int] = {401: 11009, 404: 11101, 429: 11005, 503: 10030}


def code_for_http_status(status: int) -> int:
    return _CODE_FOR_HTTP_STATUS.get(status, 11100 if status < 500 else 99009)
