#!/usr/bin/env python3
"""Writes a fixture directory: the shipped fixtures with N extra agents (all in Acme).

Usage: gen_fixtures.py FIXTURES_SRC OUT_DIR N
"""
import json
import shutil
import sys
from pathlib import Path


def main() -> None:
    src, out, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    for file in src.glob("*.json"):
        shutil.copy(file, out / file.name)
    agents = json.loads((src / "agents.json").read_text())
    template = dict(agents[0])
    template.pop("integrations", None)
    template.pop("output_template", None)
    extra = count - len(agents)
    for n in range(max(extra, 0)):
        agent = dict(template)
        agent["id"] = f"b0000000-0000-4000-8000-{n:012d}"
        agent["name"] = f"Bench agent {n}"
        agents.append(agent)
    (out / "agents.json").write_text(json.dumps(agents))


if __name__ == "__main__":
    main()
