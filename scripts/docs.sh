#!/usr/bin/env bash
# The documentation site in _docs/: one page per notebook in nbs/, nbs/index.ipynb as the home page.
# With Quarto on PATH this is nbdev's own site (`nbdev_docs`). Without Quarto it is
# a static site built by nbconvert from the committed notebooks, which are NOT executed: the pages show the
# outputs and plots as committed. `--static` builds the static site even where Quarto is installed.
# Quarto does not come from the package registries: PyPI's quarto-cli is a source package whose build downloads
# Quarto's release archive from GitHub (no wheel carries the binary), and neither Debian nor npm packages Quarto.
# The static site has what nbdev's has besides the looks: a sidebar of every page; a search box that searches every
# page's headings, prose and exported names client-side and offline (the index, _docs/search.json, is also written as
# _docs/search.js, which a <script> tag loads under file:// too); and nbdev's doclinks: a backticked name of the
# package in a markdown cell (`Backbone`, `data.open_dataset`) links to the code cell that defines it, at nbdev's
# anchor (seis_wav2vec/_modidx.py), e.g. 12b_backbone.html#backbone.
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
else echo "docs: no Quarto, so the static site (search, sidebar, cross-links); with Quarto, nbdev's own site"; fi
.venv/bin/python - <<'PY'
"""Static site: nbconvert's `lab` HTML template, a sidebar with a search box, nbdev's directives and doclinks."""
import html, json, re, runpy, shutil
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
  nav.site-nav input[type=search] { width: 100%; box-sizing: border-box; margin-bottom: 0.75rem; padding: 0.3rem 0.5rem;
                                    border: 1px solid #bbb; border-radius: 4px; font: inherit; }
  ol.search-results:empty { display: none; }
  ol.search-results { position: fixed; top: 4.6rem; left: 14.5rem; width: 34rem; max-height: 80vh; overflow-y: auto;
                      z-index: 10; background: #fff; border: 1px solid #ccc; border-radius: 4px;
                      box-shadow: 0 4px 16px rgba(0, 0, 0, 0.15); }
  ol.search-results a { border-bottom: 1px solid #eee; border-radius: 0; padding: 0.4rem 0.6rem; }
  ol.search-results .page { float: right; color: #777; font-size: 12px; }
  ol.search-results .excerpt { display: block; color: #555; font-size: 12px; }
  @media (max-width: 50rem) { body.jp-Notebook { margin-left: 0; } nav.site-nav { position: static; width: auto; }
                              ol.search-results { position: static; width: auto; } }
</style>
{% endblock extra_css %}
{% block input %}{# as lab's, without its html sanitiser pass over Pygments' (already escaped) output: half the build time #}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
{% block codecell %}{# nbdev's anchors of the symbols the cell defines, the targets of the cross-links #}
{% for id in cell.metadata.get("anchors", []) %}<a class="symbol-anchor" id="{{ id | e }}"></a>{% endfor %}
{{ super() }}
{%- endblock codecell %}
{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
{{ resources.nav }}
<script>
(() => {  // the search box: its index, search.js (the site's search.json as a script), loads on first use
  const box = document.getElementById("site-search"), list = document.getElementById("site-search-results");
  let index;
  const load = () => index ??= new Promise((ok, fail) => document.head.append(Object.assign(
    document.createElement("script"), {src: "search.js", onload: () => ok(window.SEARCH_INDEX), onerror: fail})));
  const find = (pages, query) => {  // sections with every word; exact heading, then heading, then title hits first
    const words = query.toLowerCase().split(/\s+/).filter(Boolean), hits = [];
    const has = text => words.every(w => text.toLowerCase().includes(w));
    for (const page of pages) for (const s of page.sections) {
      if (!has(`${page.title} ${s.heading} ${s.text}`)) continue;
      const rank = s.heading.toLowerCase() === words.join(" ") ? 3 : has(s.heading) ? 2 : has(page.title) ? 1 : 0;
      hits.push({page, s, rank, at: s.text.toLowerCase().indexOf(words[0])});
    }
    return hits.sort((a, b) => b.rank - a.rank).slice(0, 20);  // a stable sort: ties keep the site's order
  };
  const element = (tag, props, ...children) => { const e = Object.assign(document.createElement(tag), props);
                                                 e.append(...children); return e; };
  const show = pages => list.replaceChildren(...find(pages, box.value).map(({page, s, at}) => {
    const from = at > 40 ? s.text.lastIndexOf(" ", at - 40) + 1 : 0;  // the excerpt: from a word before the hit
    const excerpt = (from ? "…" : "") + s.text.slice(from, from + 150);
    return element("li", {}, element("a", {href: page.url + (s.anchor ? "#" + s.anchor : "")},
      element("span", {className: "page", textContent: page.title}),
      element(s.symbol ? "code" : "strong", {textContent: s.heading}),
      element("span", {className: "excerpt", textContent: excerpt})));
  }));
  box.addEventListener("focus", load);
  box.addEventListener("input", () => load().then(show));
  box.addEventListener("keydown", e => {
    if (e.key === "Enter") load().then(pages => { show(pages); list.querySelector("a")?.click(); });
    if (e.key === "Escape") { box.value = ""; list.replaceChildren(); }
  });
})();
</script>
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
            f"{html.escape(titles[home])}</a>"
            '<input type="search" id="site-search" placeholder="Search the docs" aria-label="Search the docs" '
            'autocomplete="off"><ol id="site-search-results" class="search-results" aria-label="Search results"></ol>'
            f"<ol>{items}</ol></nav>")

# Cross-links, as nbdev's doclinks. seis_wav2vec/_modidx.py names every exported symbol with nbdev's page and anchor
# ('seis_wav2vec.backbone.Backbone.forward': 'backbone.html#backbone.forward'). The page here is the notebook whose
# `default_exp` is the symbol's module; the anchor, nbdev's own, goes on the exported code cell that defines the
# symbol (these pages have no show_doc headings to carry it).
def definer(cells, qualname: str):
    "The cell that defines `Name` (def, class or assignment at a line start) or `Class.attr` (in the class or @patch)."
    *owner, name = qualname.split(".")
    own = lambda n: next((c for c in cells if re.search(rf"^(?:(?:async )?def|class) {n}\b|^{n}\s*(?::[^=\n]+)?=",
                                                         c.source, re.M)), None)
    if not owner: return own(name)
    home = own(owner[-1])
    member = rf"^\s+(?:(?:async )?def {name}\b|{name}\s*[:=])"
    patched = rf"^(?:async )?def {name}\(\s*\w+\s*:\s*{owner[-1]}\b"
    return (home if home and re.search(member, home.source, re.M) else
            next((c for c in cells if re.search(patched, c.source, re.M)), home))

module_page = {d["default_exp"]: p for p, nb in pages for c in nb.cells if "default_exp" in (d := directives(c.source))}
targets = {}    # 'seis_wav2vec.backbone.Backbone' -> '12b_backbone.html#backbone'
symbols = {}    # page -> search sections of the names it defines: [{heading, anchor, text, symbol}]
modidx = runpy.run_path("seis_wav2vec/_modidx.py")["d"]["syms"]
for module, syms in modidx.items():
    path = module_page[module.removeprefix("seis_wav2vec.")]
    cells = [c for c in dict(pages)[path].cells if any(k.startswith("export") for k in directives(c.source))]
    for key, (url, _) in syms.items():
        qualname, anchor = key.removeprefix(module + "."), url.partition("#")[2]
        if (cell := definer(cells, qualname)) is None: continue
        cell.metadata.setdefault("anchors", []).append(anchor)
        targets[key] = f"{path.stem}.html#{anchor}"
        if any(part.startswith("_") for part in qualname.split(".")): continue  # searched: what nbdev documents
        at = m.start() if (m := re.search(rf"^.*\b{qualname.split('.')[-1]}\b", cell.source, re.M)) else 0
        symbols.setdefault(path, []).append({"heading": qualname, "anchor": anchor, "symbol": True,  # def line on
                                             "text": " ".join(cell.source[at:at + 400].split())})
names = {}  # a symbol answers to its full name, module.name and name: 'seis_wav2vec.data.open_dataset', ...
for key, href in targets.items():
    for name in {key, key.partition(".")[2], key.split(".", 2)[2]}: names.setdefault(name, []).append(href)
CODE_SPAN = re.compile(r"(?<![`\[])`([\w.]+?)(?:\(\))?`(?![`\]])")  # `name` or `name()`, not yet a link
crosslinks = 0

def crosslink(src: str, page: str) -> str:
    "Markdown whose backticked symbol names link to their definitions; not in fenced code nor a page's own headings."
    def link(m, heading: bool) -> str:
        global crosslinks
        hrefs = names.get(m[1], [])
        if len(hrefs) > 1: hrefs = [h for h in hrefs if h.startswith(page + "#")]  # ambiguous: this page's, if any
        if len(hrefs) != 1 or (heading and hrefs[0].startswith(page + "#")): return m[0]
        crosslinks += 1
        return f"[{m[0]}]({hrefs[0]})"
    lines, fenced = src.split("\n"), False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")): fenced = not fenced
        elif not fenced: lines[i] = CODE_SPAN.sub(lambda m: link(m, line.lstrip().startswith("#")), line)
    return "\n".join(lines)

def plain(fragment: str) -> str:
    "The text of an HTML fragment: block tags become spaces, inline ones (<code>, <a>) vanish."
    blocks = re.sub(r"</?(?:p|li|ul|ol|h\d|div|br|t[dhr]|pre|blockquote)\b[^>]*>", " ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", blocks)).split())

def sections(page: str, title: str) -> list[dict]:
    "The search sections of a page: per h1-h3 heading of its markdown, the heading, its id and the prose up to the next"
    found = [{"heading": title, "anchor": "", "text": []}]
    markdown = r'<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^>]*>(.*?)(?=<div class="jp-Cell |</main>)'
    for cell in re.findall(markdown, page, re.S):
        for part in re.split(r"(<h[1-3] id=.*?</h[1-3]>)", cell, flags=re.S):
            if m := re.match(r'<h[1-3] id="([^"]*)">(.*?)<a class="anchor-link"', part, re.S):
                found.append({"heading": plain(m[2]), "anchor": html.unescape(m[1]), "text": []})
            else: found[-1]["text"].append(plain(part))
    return [dict(s, text=" ".join(filter(None, s["text"]))) for s in found if s["anchor"] or any(s["text"])]

if out.exists(): shutil.rmtree(out)
out.mkdir()
if (nbs / "images").is_dir(): shutil.copytree(nbs / "images", out / "images")
images, index = 0, []
for path, nb in pages:
    nb = for_docs(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown": cell.source = crosslink(cell.source, f"{path.stem}.html")
    nb.metadata["title"] = titles[path] if path == home else f"{titles[path]} – {titles[home]}"
    page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}, "nav": nav(path),
                                                         "has_math": has_math(nb)})
    images += page.count("<img")
    (out / f"{path.stem}.html").write_text(page, encoding="utf-8")
    index.append({"title": titles[path], "url": f"{path.stem}.html",
                  "sections": sections(page, titles[path]) + symbols.get(path, [])})
search = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
(out / "search.json").write_text(search, encoding="utf-8")
(out / "search.js").write_text(f"window.SEARCH_INDEX = {search};\n", encoding="utf-8")  # loads under file:// too
size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
print(f"docs: {len(pages)} pages ({', '.join(p.stem for p, _ in pages)}), {images} images, "
      f"{size / 2**20:.1f} MiB in {out}/ (static nbconvert build, notebooks not executed)")
print(f"docs: {crosslinks} cross-links to {len(targets)} anchored symbols (of {sum(map(len, modidx.values()))}), "
      f"search index of {sum(len(p['sections']) for p in index)} sections ({len(search.encode()) / 2**10:.0f} KiB)")
PY
echo "docs: built in $(( ($(date +%s%N) - start) / 1000000 )) ms; open _docs/index.html or serve it: .venv/bin/python -m http.server -d _docs"
