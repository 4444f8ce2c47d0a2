"""Vendor the Flow Framework plugin's use-case resource files, release by release (run by hand, not shipped).

Reads a local git mirror of opensearch-project/flow-framework (Apache-2.0) and writes
emulator/opensearch_flow/use_case_files/: every distinct version of defaults/*.json and
substitutionTemplates/*.json (named <stem>@<blob sha8>.json, bytes unchanged) and releases.json,
which lists, for the first release of each distinct set, the DefaultUseCases enum (name, defaults
file, substitution file, required params resolved from CommonValue) and the file each path had.

    python tools/vendor_flow_use_cases.py /work/.mirror/opensearch-project+flow-framework/repo
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "emulator" / "opensearch_flow" / "use_case_files"
JAVA = "src/main/java/org/opensearch/flowframework/common/"
RES = "src/main/resources/"
ENTRY = re.compile(r'\b[A-Z_]+\(\s*"([^"]+)",\s*"([^"]+)",\s*"([^"]+)"\s*(?:,\s*(List\.of\(([^)]*)\)|Collections\.emptyList\(\)))?\s*\)')
CONST = re.compile(r'public static final String ([A-Z_]+) = "([^"]*)";')


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def release_of(tag: str) -> str:
    return ".".join(tag.split(".")[:3])


def main(repo: str) -> None:
    tags = [t for t in git(repo, "tag").split() if re.fullmatch(r"\d+\.\d+\.\d+\.0", t)]
    tags.sort(key=lambda t: tuple(int(p) for p in t.split(".")))
    (OUT / "files").mkdir(parents=True, exist_ok=True)
    releases: list[dict[str, object]] = []
    last_key = None
    for tag in tags:
        try:
            enum_src = git(repo, "show", f"{tag}:{JAVA}DefaultUseCases.java")
        except subprocess.CalledProcessError:
            continue  # releases before 2.13 had no use cases
        consts = dict(CONST.findall(git(repo, "show", f"{tag}:{JAVA}CommonValue.java")))
        use_cases = []
        for name, defaults, template, _lst, required in ENTRY.findall(enum_src):
            params = [consts[c.strip()] for c in required.split(",") if c.strip()] if required else []
            use_cases.append({"name": name, "defaults": defaults, "template": template, "required": params})
        files: dict[str, str] = {}
        for line in git(repo, "ls-tree", "-r", tag, "--", RES + "defaults", RES + "substitutionTemplates").splitlines():
            _mode, _kind, sha, path = line.split(None, 3)
            rel = path[len(RES):]
            vendored = f"files/{Path(rel).stem}@{sha[:8]}.json"
            files[rel] = vendored
            target = OUT / vendored
            if not target.exists():
                target.write_bytes(subprocess.run(["git", "-C", repo, "cat-file", "blob", sha], check=True,
                                                  capture_output=True).stdout)
        key = json.dumps([use_cases, files], sort_keys=True)
        if key == last_key:
            continue
        last_key = key
        releases.append({"since": release_of(tag), "tag": tag, "use_cases": use_cases, "files": files})
    (OUT / "releases.json").write_text(json.dumps(releases, indent=1) + "\n")
    print(f"{len(releases)} distinct releases, {len(list((OUT / 'files').iterdir()))} files")


if __name__ == "__main__":
    main(sys.argv[1])
