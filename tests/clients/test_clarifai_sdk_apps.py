"""The `clarifai` SDK, unmodified, driving apps, workflows from YAML and the public General workflow
through the emulator (issue #14); pointed at it only by CLARIFAI_API_BASE and a PAT.

The SDK reads CLARIFAI_API_BASE when imported and builds some clients without `base_url` (§10), so
each flow runs in a subprocess with its environment set first. The workflow YAML files are written
here in the shape of the SDK's own test fixtures (a single public node, two public branches, a public
detector feeding a public cropper by slug with and without a version, a detector feeding a custom
cropper defined inline whose params change).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import httpx
import yaml

from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import TENANT_HEADER
from emulator.testing import LiveServer

PAT = "emulator-sdk-pat"
USER = "emulator-user"  # an unregistered key is the default user's PAT

MAIN = {"user_id": "clarifai", "app_id": "main"}
FACE = {"model_id": "face-detection", "model_version_id": "fe995da8cb73490f8556416ecf25cea3"}


def _wf(wf_id: str, *nodes: dict[str, object]) -> dict[str, object]:
    return {"workflow": {"id": wf_id, "nodes": list(nodes)}}


def _node(node_id: str, model: dict[str, object], after: str = "") -> dict[str, object]:
    return {"id": node_id, "model": model, **({"node_inputs": [{"node_id": after}]} if after else {})}


def _cropper(margin: float) -> dict[str, object]:
    return {"model_id": "margin-100-image-crop-custom", "model_type_id": "image-crop",
            "description": "Custom crop model", "output_info": {"params": {"margin": margin}}}


FIXTURES: dict[str, dict[str, object]] = {
    "general.yml": _wf(
        "General",
        _node("general-v1.5-concept", {"model_id": "general-image-recognition",
                                       "model_version_id": "aa7f35c01e0642fda5cf400f543e7c40", **MAIN}),
        _node("general-v1.5-embed", {"model_id": "general-image-embedding",
                                     "model_version_id": "bb186755eda04f9cbb6fe32e816be104", **MAIN}),
        _node("general-v1.5-cluster", {"model_id": "general-clusterering",
                                       "model_version_id": "cc2074cff6dc4c02b6f4e1b8606dcb54", **MAIN},
              "general-v1.5-embed")),
    "single_node.yml": _wf("test-sn", _node("detector", FACE)),
    "multi_branch.yml": _wf(
        "test-mb", _node("detector", {**FACE, **MAIN}),
        _node("moderation", {"model_id": "moderation-recognition",
                             "model_version_id": "aa8be956dbaa4b7a858826a84253cab9", **MAIN})),
    "public_cropper.yml": _wf(
        "test-sb", _node("detector", {**FACE, **MAIN}),
        _node("cropper", {"model_id": "margin-110-image-crop", "model_version_id": "b9987421b40a46649566826ef9325303",
                          **MAIN}, "detector")),
    "public_cropper_latest.yml": _wf(
        "test-sb", _node("detector", {**FACE, **MAIN}),
        _node("cropper", {"model_id": "margin-110-image-crop", **MAIN}, "detector")),
    "custom_cropper.yml": _wf("test-sb", _node("detector", {**FACE, **MAIN}), _node("cropper", _cropper(1.3), "detector")),
    "custom_cropper_new_version.yml": _wf("test-sb", _node("detector", {**FACE, **MAIN}),
                                          _node("cropper", _cropper(1.5), "detector")),
}

_FLOW = textwrap.dedent("""
    import json, os, sys, yaml
    from clarifai.client.app import App
    from clarifai.client.user import User
    from clarifai.client.workflow import Workflow

    user_id, app_id, folder, url = sys.argv[1:5]
    out = {}
    user = User(user_id=user_id)
    app = user.create_app(app_id=app_id, base_workflow="Empty")
    out["app"] = user.app(app_id).app_info.default_workflow_id
    names = ["general.yml", "single_node.yml", "multi_branch.yml", "public_cropper.yml",
             "public_cropper_latest.yml", "custom_cropper.yml", "custom_cropper_new_version.yml"]
    made = {}
    for name in names:
        wf = app.create_workflow(os.path.join(folder, name), generate_new_id=name != "general.yml", display=False)
        got = app.workflow(wf.id)
        made[name] = [[n.id, n.model.id, n.model.model_version.id, n.model.user_id, n.model.app_id]
                      for n in got.workflow_info.nodes]
    out["made"] = made
    crop = app.model("margin-100-image-crop-custom")
    out["crop_versions"] = [v.model_info.model_version.output_info.params["margin"] for v in crop.list_versions()]
    out["listed"] = sorted(w.id for w in app.list_workflows())
    app.patch_workflow(workflow_id="General", config_filepath=os.path.join(folder, "single_node.yml"),
                       visibility=10, description="Workflow Patching Test", notes="patched",
                       image_url="https://samples.clarifai.com/metro-north.jpg")
    patched = app.workflow("General").workflow_info
    out["patched"] = [patched.description, [n.id for n in patched.nodes]]
    app.patch_workflow(workflow_id="General", action="overwrite",
                       config_filepath=os.path.join(folder, "general.yml"))
    Workflow(workflow_id="General", user_id=user_id, app_id=app_id).export(os.path.join(folder, "exported.yml"))
    with open(os.path.join(folder, "exported.yml")) as fh:
        exported = yaml.safe_load(fh)
    with open(os.path.join(folder, "general.yml")) as fh:
        out["round_trip"] = exported.get("workflow", exported) == yaml.safe_load(fh)["workflow"]
    out["exported"] = exported
    app.delete_workflow("General")
    out["after_delete"] = sorted(w.id for w in app.list_workflows())
    general = Workflow(url="https://clarifai.com/clarifai/main/workflows/General",
                       output_config={"max_concepts": 3})
    with open(os.path.join(folder, "img.png"), "wb") as fh:
        fh.write(bytes.fromhex("89504e470d0a1a0a0000000d49484452"))
    answers = [general.predict_by_url(url, input_type="image"),
               general.predict_by_bytes(b"\\x89PNG\\r\\n\\x1a\\n-bytes", input_type="image"),
               general.predict_by_filepath(os.path.join(folder, "img.png"))]
    out["predict"] = [[o.model.id for o in r.results[0].outputs] + [len(r.results[0].outputs[0].data.concepts)]
                      for r in answers]
    refused = []
    try:
        App(user_id="clarifai", app_id="main").create_workflow(os.path.join(folder, "single_node.yml"))
    except Exception as exc:
        refused.append(str(exc))
    try:
        User(user_id="clarifai").delete_app("main")
    except Exception as exc:
        refused.append(str(exc))
    out["refused"] = refused
    user.delete_app(app_id)
    out["apps_left"] = [a.id for a in user.list_apps()]
    print(json.dumps(out))
""")


def _run_sdk(script: str, args: list[str], base: str, pat: str, home: Path) -> dict[str, object]:
    # HOME points away from any `clarifai login` config so only these variables count (§10)
    env = {**os.environ, "CLARIFAI_API_BASE": base, "CLARIFAI_PAT": pat, "HOME": str(home)}
    env.pop("CLARIFAI_SESSION_TOKEN", None)
    done = subprocess.run([sys.executable, "-c", script, *args], check=False, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_sdk_app_and_workflow_flows_end_to_end(live_emulator: LiveServer, tmp_path: Path) -> None:
    for name, doc in FIXTURES.items():
        (tmp_path / name).write_text(yaml.safe_dump(doc, sort_keys=False))
    app_id = "sdk-flow-" + uuid.uuid4().hex[:8]
    seen = _run_sdk(_FLOW, [USER, app_id, str(tmp_path), "https://samples.clarifai.com/metro-north.jpg"],
                    f"http://127.0.0.1:{live_emulator.grpc_port}", PAT, tmp_path)
    assert seen["app"] == "Empty"
    made = seen["made"]
    assert isinstance(made, dict)
    assert [n[0] for n in made["general.yml"]] == ["general-v1.5-concept", "general-v1.5-embed",
                                                   "general-v1.5-cluster"]
    assert made["single_node.yml"] == [["detector", "face-detection", "fe995da8cb73490f8556416ecf25cea3",
                                        "clarifai", "main"]]
    assert [n[1] for n in made["multi_branch.yml"]] == ["face-detection", "moderation-recognition"]
    assert made["public_cropper.yml"][1][1:3] == ["margin-110-image-crop", "b9987421b40a46649566826ef9325303"]
    assert made["public_cropper_latest.yml"][1][1:3] == ["margin-110-image-crop", "b9987421b40a46649566826ef9325303"]
    custom, newer = made["custom_cropper.yml"][1], made["custom_cropper_new_version.yml"][1]
    assert custom[1] == newer[1] == "margin-100-image-crop-custom" and custom[3:] == [USER, app_id]
    assert custom[2] != newer[2], "changed params make a new model version"
    assert seen["crop_versions"] == [1.5, 1.3]
    listed = seen["listed"]
    assert isinstance(listed, list) and len(listed) == 7 and "General" in listed
    # the SDK's default action is merge: the config's node joins the existing ones (reference §5 patching)
    assert seen["patched"] == ["Workflow Patching Test", ["general-v1.5-concept", "general-v1.5-embed",
                                                          "general-v1.5-cluster", "detector"]]
    assert seen["round_trip"] is True, seen["exported"]
    assert "General" not in seen["after_delete"] and len(seen["after_delete"]) == 6  # type: ignore[arg-type]
    assert seen["predict"] == [["general-image-recognition", "general-image-embedding", "general-clusterering", 3]] * 3
    refused = seen["refused"]
    assert isinstance(refused, list) and len(refused) == 2
    assert all("11007" in r or "CONN_INSUFFICIENT_SCOPES" in r for r in refused), refused
    assert app_id not in seen["apps_left"]  # type: ignore[operator]


_TENANT_FLOW = textwrap.dedent("""
    import json, sys
    from clarifai.client.user import User

    user_id, app_id, marker = sys.argv[1:4]
    user = User(user_id=user_id)
    user.create_app(app_id=app_id, base_workflow="Empty", description=marker)
    print(json.dumps({"apps": [[a.id, user.app(a.id).app_info.description] for a in user.list_apps()]}))
""")


def test_sdk_keys_bound_to_tenants_run_in_parallel_without_seeing_each_other(live_emulator: LiveServer,
                                                                             tmp_path: Path) -> None:
    """Two SDK runs at once (as two pytest-xdist workers would), same user and app ids, each with a key
    bound to its own tenant through the control plane: each sees only its own app."""
    base = f"http://127.0.0.1:{live_emulator.grpc_port}"
    runs = []
    for marker in ("one", "two"):
        key = uuid.uuid4().hex
        tenant = f"sdk-{marker}-{uuid.uuid4().hex[:6]}"
        r = httpx.post(f"{live_emulator.url}/_emulator/clarifai/keys", headers={TENANT_HEADER: tenant},
                       json={"key": key, "type": "pat", "user_id": "sdk-user", "bind_tenant": True})
        assert r.status_code == 201 and key not in r.text and r.json()["tenant"] == tenant
        home = tmp_path / marker
        home.mkdir()
        env = {**os.environ, "CLARIFAI_API_BASE": base, "CLARIFAI_PAT": key, "HOME": str(home)}
        runs.append((marker, tenant, subprocess.Popen(
            [sys.executable, "-c", _TENANT_FLOW, "sdk-user", "shared-app", marker], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for marker, tenant, proc in runs:
        stdout, stderr = proc.communicate(timeout=240)
        assert proc.returncode == 0, stderr[-4000:]
        assert json.loads(stdout.strip().splitlines()[-1])["apps"] == [["shared-app", marker]]
        # the apps landed in the bound tenants, not in the default one
        assert live_emulator.emulator.tenant(tenant).backend(ClarifaiState).apps.get("sdk-user", "shared-app")
    assert live_emulator.emulator.tenant("default").backend(ClarifaiState).apps.get("sdk-user", "shared-app") is None
