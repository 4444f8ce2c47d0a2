"""Record the facts the use-case comparison test checks, straight from a flow-framework git mirror (run by hand).

Independent of the emulator: reads the plugin's DefaultUseCases.java and resource files at a tag,
substitutes the defaults with plain string replacement, and writes per use case the template as
the plugin would hand it to Template.parse (credentials dropped), its required params and its
defaults map. The 3.7 validation messages were checked with jshell (Java HashMap order).

    python tools/record_use_case_facts.py /work/.mirror/opensearch-project+flow-framework/repo 3.7.0.0
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "opensearch_flow" / "use_case_facts.json"
ENTRY = re.compile(r'\b[A-Z_]+\(\s*"([^"]+)",\s*"([^"]+)",\s*"([^"]+)"\s*(?:,\s*(List\.of\(([^)]*)\)|Collections\.emptyList\(\)))?\s*\)')
CONST = re.compile(r'public static final String ([A-Z_]+) = "([^"]*)";')


def show(repo: str, tag: str, path: str) -> str:
    return subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def main(repo: str, tag: str) -> None:
    java = "src/main/java/org/opensearch/flowframework/common/"
    consts = dict(CONST.findall(show(repo, tag, java + "CommonValue.java")))
    facts = {"tag": tag, "use_cases": {}}
    for name, defaults_file, template_file, _l, required in ENTRY.findall(show(repo, tag, java + "DefaultUseCases.java")):
        defaults = json.loads(show(repo, tag, "src/main/resources/" + defaults_file))
        text = show(repo, tag, "src/main/resources/" + template_file)
        for key, value in defaults.items():
            text = text.replace("${{" + key + "}}", json.dumps(value)[1:-1])
        template = json.loads(text)
        for wf in template.get("workflows", {}).values():
            for node in wf.get("nodes", []):
                node.get("user_inputs", {}).pop("credential", None)
        facts["use_cases"][name] = {
            "required": [consts[c.strip()] for c in required.split(",") if c.strip()] if required else [],
            "defaults": defaults, "template": template}
    OUT.write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
