"""Writes README.md from nbs/index.ipynb: what `nbdev_readme` does, without needing Quarto.

Markdown cells are copied; code cells (except those marked `#| hide`) become fenced Python blocks
with their text output; links to `images/` are pointed at `nbs/images/`. Run from the repository root:
`python scripts/readme.py` (CI checks that the committed README.md is exactly this output).
"""
import json, re
from pathlib import Path

root = Path(__file__).resolve().parent.parent


def _directives(src: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^#\|\s*([\w-]+)", src, re.M)}


def _strip_directives(src: str) -> str:
    return "\n".join(l for l in src.splitlines() if not l.startswith("#|")).strip("\n")


def cell_text(cell: dict) -> str:
    src = "".join(cell["source"])
    if cell["cell_type"] == "markdown":
        return re.sub(r"\]\(images/", "](nbs/images/", src.strip("\n"))
    if cell["cell_type"] != "code" or {"hide", "exporti"} & _directives(src):
        return ""
    parts = [f"```python\n{_strip_directives(src)}\n```"] if _strip_directives(src) else []
    for out in cell.get("outputs", []):
        text = out.get("text") or out.get("data", {}).get("text/plain")
        if text and "text/markdown" in out.get("data", {}):
            parts.append("".join(out["data"]["text/markdown"]).strip("\n"))
        elif text:
            parts.append("```\n" + "".join(text).rstrip("\n") + "\n```")
    return "\n\n".join(parts)


def main():
    nb = json.loads((root / "nbs" / "index.ipynb").read_text())
    body = [t for t in map(cell_text, nb["cells"]) if t]
    # nbdev's front matter (`# title` + `> summary`) stays as the first markdown cell.
    (root / "README.md").write_text("<!-- generated from nbs/index.ipynb by scripts/readme.py: edit the notebook -->\n\n"
                                    + "\n\n".join(body) + "\n")


if __name__ == "__main__":
    main()
