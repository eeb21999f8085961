#!/usr/bin/env bash
# The documentation site in _docs/: one page per notebook in nbs/, nbs/index.ipynb as the home page.
# With Quarto on PATH this is nbdev's own site (`nbdev_docs`). Without Quarto it is
# a static site built by nbconvert from the committed notebooks, which are NOT executed: the pages show the
# outputs and plots as committed. `--static` builds the static site even where Quarto is installed.
# Quarto does not come from the package registries: PyPI's quarto-cli is a source package whose build downloads
# Quarto's release archive from GitHub (no wheel carries the binary), and neither Debian nor npm packages Quarto.
# Serve it with `python -m http.server -d _docs` (or open _docs/index.html); tests/browser/test_docs.py checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s%N)
[ -x .venv/bin/python ] || bash scripts/setup.sh
if command -v quarto >/dev/null && [ "${1:-}" != "--static" ]; then
  .venv/bin/nbdev_docs  # also writes nbs/{_quarto,nbdev,sidebar}.yml (git-ignored) and may rewrite README.md:
  .venv/bin/python scripts/readme.py  # README.md is ours, generated from nbs/index.ipynb
  echo "docs: nbdev_docs (Quarto $(quarto --version)) built _docs/ in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  exit 0
fi
if [ "${1:-}" = "--static" ]; then echo "docs: building the static site (--static)"
else echo "docs: Quarto is not installed, so this is the static site (no search box); with Quarto, nbdev's own site"; fi
.venv/bin/python - <<'PY'
"""Static site: nbconvert's `lab` HTML template, a sidebar of every page, nbdev's directives honoured."""
import html, re, shutil
from pathlib import Path

import jinja2, nbformat
from nbconvert import HTMLExporter

nbs, out = Path("nbs"), Path("_docs")
notebooks = sorted(nbs.glob("*.ipynb"), key=lambda p: (p.stem != "index", p.name))  # home page first

def directives(src: str) -> dict[str, str]:
    "nbdev's `#| name value` lines at the top of a cell: {'export': '', 'echo:': 'false', ...}."
    found = {}
    for line in src.splitlines():
        m = re.match(r"#\|\s*([\w-]+:?)\s*(.*)", line)
        if not m: break
        found[m.group(1)] = m.group(2).strip()
    return found

def for_docs(nb):
    "Hide what nbdev hides (`hide`, `default_exp`, `include: false`), drop the directive lines, apply `echo:`/`output:`."
    cells = []
    for cell in nb.cells:
        d = directives(cell.source) if cell.cell_type == "code" else {}
        if "hide" in d or "default_exp" in d or d.get("include:") == "false": continue
        if d: cell.source = "\n".join(l for l in cell.source.splitlines() if not l.startswith("#|")).strip("\n")
        if d.get("output:") == "false": cell.outputs = []
        if d.get("echo:") == "false" or (cell.cell_type == "code" and not cell.source.strip()):
            cell.metadata.setdefault("transient", {})["remove_source"] = True
        cells.append(cell)
    nb.cells = cells
    return nb

def title(nb, fallback: str) -> str:
    "The text of the notebook's first `# ` heading (nbdev's page title)."
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            if m: return m.group(1)
    return fallback

def has_math(nb) -> bool:
    return any(c.cell_type == "markdown" and re.search(r"\$[^$\s][^$\n]*\$|\$\$", c.source) for c in nb.cells)

TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{% if resources.has_math %}{{ super() }}{% endif %}{%- endblock html_head_js_mathjax -%}
{% block extra_css %}
<meta name="generator" content="seis_wav2vec scripts/docs.sh (nbconvert, static)">
<style type="text/css">
  body.jp-Notebook { margin: 0 0 0 15rem; padding: 1rem 2rem; max-width: 72rem; }
  nav.site-nav { position: fixed; top: 0; bottom: 0; left: 0; width: 14rem; overflow-y: auto; box-sizing: border-box;
                 padding: 1rem 0.75rem; border-right: 1px solid #ddd; background: #f7f7f7;
                 font: 14px/1.45 var(--jp-ui-font-family, sans-serif); }
  nav.site-nav .site-title { display: block; font-weight: 600; font-size: 16px; margin-bottom: 0.75rem; }
  nav.site-nav ol { list-style: none; margin: 0; padding: 0; }
  nav.site-nav li a { display: block; padding: 0.2rem 0.4rem; border-radius: 3px; color: #333; text-decoration: none; }
  nav.site-nav li a:hover { background: #e8e8e8; }
  nav.site-nav a[aria-current="page"] { background: #dde7f5; font-weight: 600; }
  @media (max-width: 50rem) { body.jp-Notebook { margin-left: 0; } nav.site-nav { position: static; width: auto; } }
</style>
{% endblock extra_css %}
{% block input %}{# as lab's, without its html sanitiser pass over Pygments' (already escaped) output: half the build time #}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
{{ resources.nav }}
<main>
{%- endblock body_header -%}
"""

exporter = HTMLExporter(template_name="lab", extra_loaders=[jinja2.DictLoader({"seis_docs.html.j2": TEMPLATE})],
                        template_file="seis_docs.html.j2", exclude_input_prompt=True, exclude_output_prompt=True,
                        embed_images=False)  # output plots are inlined by the template; markdown images stay files
pages = [(p, nbformat.read(p, as_version=4)) for p in notebooks]
titles = {p: title(nb, p.stem) for p, nb in pages}
home = next(p for p, _ in pages if p.stem == "index")

def nav(current: Path) -> str:
    mark = lambda p: ' aria-current="page"' if p == current else ""
    items = "".join(f'<li><a href="{p.stem}.html" title="nbs/{p.name}"{mark(p)}>{html.escape(titles[p])}</a></li>'
                    for p in notebooks if p != home)
    return (f'<nav class="site-nav" aria-label="Pages"><a class="site-title" href="index.html"{mark(home)}>'
            f"{html.escape(titles[home])}</a><ol>{items}</ol></nav>")

if out.exists(): shutil.rmtree(out)
out.mkdir()
if (nbs / "images").is_dir(): shutil.copytree(nbs / "images", out / "images")
images = 0
for path, nb in pages:
    nb = for_docs(nb)
    nb.metadata["title"] = titles[path] if path == home else f"{titles[path]} – {titles[home]}"
    page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}, "nav": nav(path),
                                                         "has_math": has_math(nb)})
    images += page.count("<img")
    (out / f"{path.stem}.html").write_text(page, encoding="utf-8")
size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
print(f"docs: {len(pages)} pages ({', '.join(p.stem for p, _ in pages)}), {images} images, "
      f"{size / 2**20:.1f} MiB in {out}/ (static nbconvert build, notebooks not executed)")
PY
echo "docs: built in $(( ($(date +%s%N) - start) / 1000000 )) ms; open _docs/index.html or serve it: .venv/bin/python -m http.server -d _docs"
