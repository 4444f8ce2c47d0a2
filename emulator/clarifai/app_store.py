"""Clarifai apps (resources.proto App): who owns them, their visibility and default workflow.

Workflows, models and keys live inside apps; deleting an app deletes them (apps.py). The public
app `clarifai/main` is created from the catalogue data file in every tenant.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from emulator.clarifai import errors, wire
from emulator.clarifai.model_defs import PRIVATE, PUBLIC

# resources.proto App.id: "the app id" with the same charset as other user-chosen ids; ids such as
# the docs' literal "{YOUR_APP_ID}" can never name an app
APP_ID = re.compile(r"^[0-9A-Za-z]+([-_][0-9A-Za-z]+)*$")
MAX_APP_ID = 48

_seq = itertools.count()


@dataclass
class App:
    id: str
    user_id: str
    created_at: float
    modified_at: float
    name: str = ""
    description: str = ""
    notes: str = ""
    default_language: str = "en"
    default_workflow_id: str = ""
    # the base workflow it was created from (user, app, id): predict without an id uses it
    default_workflow: tuple[str, str, str] | None = None
    visibility: int = PRIVATE
    metadata: dict[str, Any] = field(default_factory=dict)
    sample_ms: int = 500
    image: dict[str, Any] | None = None
    implicit: bool = False  # created by first use, not by PostApps (settings.clarifai_implicit_apps)
    seq: int = field(default_factory=lambda: next(_seq))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "name": self.name or self.id, "default_language": self.default_language,
            "default_workflow_id": self.default_workflow_id, "user_id": self.user_id,
            "created_at": wire.timestamp(self.created_at), "modified_at": wire.timestamp(self.modified_at),
            "metadata": self.metadata, "description": self.description, "sample_ms": self.sample_ms,
            "visibility": {"gettable": self.visibility}, "data_tier_id": "", "is_template": False}
        if self.default_workflow is not None:
            u, a, w = self.default_workflow
            out["default_workflow"] = {"id": w, "user_id": u, "app_id": a}
        if self.notes:
            out["notes"] = self.notes
        if self.image:
            out["image"] = self.image
        return out

    @property
    def public(self) -> bool:
        return self.visibility == PUBLIC


GETTABLE = (10, 30, 50)  # Visibility.Gettable: PRIVATE, ORG, PUBLIC


def gettable(item: dict[str, Any], default: int) -> int:
    """`visibility.gettable` of a request item (0 = unset), one of the Gettable values."""
    value = int((item.get("visibility") or {}).get("gettable") or 0)
    if not value:
        return default
    if value not in GETTABLE:
        raise errors.bad_request_format(f"Invalid visibility.gettable {value}: expected one of {list(GETTABLE)}")
    return value


def valid_app_id(app_id: str) -> bool:
    return bool(app_id) and len(app_id) <= MAX_APP_ID and APP_ID.match(app_id) is not None


class AppStore:
    """One tenant's apps by (user_id, app_id), in creation order."""

    def __init__(self) -> None:
        self.apps: dict[tuple[str, str], App] = {}

    def get(self, user_id: str, app_id: str) -> App | None:
        return self.apps.get((user_id, app_id))

    def add(self, app: App) -> App:
        self.apps[(app.user_id, app.id)] = app
        return app

    def of_user(self, user_id: str) -> list[App]:
        return [a for (u, _), a in self.apps.items() if u == user_id]

    def remove(self, user_id: str, app_id: str) -> App | None:
        return self.apps.pop((user_id, app_id), None)

    def dump(self) -> list[str]:
        return [f"{u}/{a}" for (u, a) in self.apps]
