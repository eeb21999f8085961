"""The documentation site as a reader sees it: `_docs/` served on loopback and read in headless Chromium.

The site is what `bash scripts/docs.sh` builds (rebuilt here when it is missing or older than the notebooks).
The home page must show the two set-up commands and the pipeline figure; every notebook's page must be reachable
from the home page's navigation, show its title, show its committed plots, and have no broken image or link.
Pages are found by their titles, not by file names, so the checks hold for nbdev's Quarto site as well.
The search box and the cross-links are checked on the static site (`scripts/docs.sh` without Quarto): typing finds
sections of every page and opens them at an anchor that exists; a backticked name of the package in a markdown cell
(`Backbone`) links to the cell that defines it; and no local link of the site, cross-links included, is broken.
Screenshots land in `tests/browser/screenshots/docs_*.png` (or `$SEIS_SCREENSHOTS`).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import REPO, free_port

DOCS = REPO / "_docs"
NOTEBOOKS = sorted((REPO / "nbs").glob("*.ipynb"))
COMPONENTS = [p for p in NOTEBOOKS if p.stem != "index"]
SCREENSHOT_PAGES = {"10_masking", "12_xlstm_unet", "30_benchmark"}


def notebook_cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def notebook_title(path: Path) -> str:
    "The text of the first `# ` heading: the page title nbdev gives the notebook."
    for cell in notebook_cells(path):
        m = re.search(r"^#\s+(.+?)\s*$", "".join(cell["source"]), re.M) if cell["cell_type"] == "markdown" else None
        if m: return m.group(1)
    raise AssertionError(f"{path.name} has no `# Title` markdown cell")


def committed_plots(path: Path) -> int:
    "Image outputs committed in cells the docs show (not `#| hide`)."
    count = 0
    for cell in notebook_cells(path):
        if cell["cell_type"] != "code" or re.search(r"^#\|\s*(hide|include:\s*false)\s*$", "".join(cell["source"]), re.M):
            continue
        count += sum(any(k.startswith("image/") for k in out.get("data", {})) for out in cell.get("outputs", []))
    return count


def setup_commands() -> list[str]:
    "The lines of the first bash block on the home page: the two set-up commands."
    for cell in notebook_cells(REPO / "nbs" / "index.ipynb"):
        m = re.search(r"```bash\n(.*?)```", "".join(cell["source"]), re.S) if cell["cell_type"] == "markdown" else None
        if m: return [line for line in m.group(1).splitlines() if line.strip()]
    raise AssertionError("nbs/index.ipynb has no bash block")


def _stale() -> bool:
    index = DOCS / "index.html"
    if not index.is_file(): return True
    inputs = [*NOTEBOOKS, *(REPO / "nbs" / "images").glob("*"), REPO / "scripts" / "docs.sh"]
    return index.stat().st_mtime < max(p.stat().st_mtime for p in inputs)


@pytest.fixture(scope="session")
def docs_site(tmp_path_factory):
    "Base URL of `_docs/` served by `python -m http.server` on 127.0.0.1; builds the site first when it is stale."
    if _stale():
        subprocess.run(["bash", str(REPO / "scripts" / "docs.sh")], cwd=REPO, check=True, timeout=300)
    port = free_port()
    log = open(tmp_path_factory.mktemp("docs-server") / "http.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(DOCS)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/index.html", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the docs server did not start; see {log.name}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture
def broken(page, docs_site) -> list[str]:
    """Keeps `page` on the local site: requests elsewhere (MathJax's CDN) are refused, as on a closed network.
    Returns the list that collects every local request that fails or answers >= 400."""
    failures = []
    local = lambda url: url.startswith(docs_site)
    page.route("**/*", lambda route: route.continue_() if local(route.request.url) else route.abort())
    page.on("requestfailed", lambda r: failures.append(f"{r.url} ({r.failure})") if local(r.url) else None)
    page.on("response", lambda r: failures.append(f"{r.url} ({r.status})") if local(r.url) and r.status >= 400 else None)
    return failures


BROKEN_IMAGES_JS = "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 120))"


def nav_link(page, title: str):
    "The navigation's link to the page titled `title`."
    link = page.locator("nav").get_by_role("link", name=title, exact=True).first
    expect(link).to_be_visible()
    return link


def test_home_page(page, broken, docs_site, screenshots):
    page.goto(f"{docs_site}/index.html")
    title = notebook_title(REPO / "nbs" / "index.ipynb")
    expect(page.locator("h1", has_text=title).first).to_be_visible()
    expect(page).to_have_title(re.compile(re.escape(title)))

    commands = setup_commands()
    assert [c.split("#")[0].split()[:2] for c in commands] == [["bash", "scripts/pretrain.sh"], ["bash", "scripts/test.sh"]]
    block = page.locator("pre", has_text="scripts/pretrain.sh").first
    expect(block).to_be_visible()
    shown = block.inner_text()
    for command in commands: assert command in shown, f"{command!r} not on the home page"

    figure = page.locator("img[src$='pipeline.png']")
    expect(figure).to_have_count(1)
    figure.scroll_into_view_if_needed()
    assert figure.evaluate("i => i.complete && i.naturalWidth") > 0, "the pipeline figure did not load"
    assert page.evaluate(BROKEN_IMAGES_JS) == []
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshots / "docs_home.png")

    # every notebook is one click away, and clicking goes there
    for nb in COMPONENTS: nav_link(page, notebook_title(nb))
    masking = notebook_title(REPO / "nbs" / "10_masking.ipynb")
    nav_link(page, masking).click()
    expect(page).to_have_url(re.compile(r"masking"))
    expect(page.locator("h1", has_text=masking).first).to_be_visible()
    nav_link(page, title).click()  # and back home through the navigation
    expect(page.locator("pre", has_text="scripts/test.sh").first).to_be_visible()
    assert broken == []


@pytest.mark.parametrize("notebook", COMPONENTS, ids=lambda p: p.stem)
def test_component_page(page, broken, docs_site, screenshots, notebook):
    page.goto(f"{docs_site}/index.html")
    title = notebook_title(notebook)
    href = nav_link(page, title).get_attribute("href")
    page.goto(urllib.request.urljoin(f"{docs_site}/index.html", href))  # the link's target, loaded with its images
    heading = page.locator("h1", has_text=title).first
    expect(heading).to_be_visible()

    plots = committed_plots(notebook)
    if plots:
        expect(page.locator("img").first).to_be_visible()
        assert page.locator("img").count() >= plots, f"{notebook.name} commits {plots} plots"
    assert page.evaluate(BROKEN_IMAGES_JS) == [], "images that did not load"
    assert broken == []
    if notebook.stem in SCREENSHOT_PAGES:
        (page.locator("img").first if plots else heading).scroll_into_view_if_needed()
        page.screenshot(path=screenshots / f"docs_{notebook.stem}.png")


# ---- search, cross-links and internal links ----

def search_box(page):
    box = page.get_by_role("searchbox", name="Search the docs")
    expect(box).to_be_visible()
    return box


def search_results(page):
    return page.get_by_role("list", name="Search results").get_by_role("link")


# the element the URL's fragment names (the raw fragment first, then decoded, as browsers look), and the cell at it
TARGET_JS = """() => { const id = location.hash.slice(1);
  const el = document.getElementById(id) || document.getElementById(decodeURIComponent(id));
  let cell = el;
  while (cell && !cell.classList.contains("jp-Cell")) cell = cell.nextElementSibling;
  return el && {tag: el.tagName, cell: cell ? cell.textContent.slice(0, 400) : el.textContent}; }"""


def test_search(page, broken, docs_site, screenshots):
    page.goto(f"{docs_site}/index.html")
    masking = notebook_title(REPO / "nbs" / "10_masking.ipynb")
    box = search_box(page)
    box.fill("span mask")
    results = search_results(page)
    expect(results.first).to_be_visible()
    assert 1 <= results.count() <= 20
    expect(results.first).to_contain_text(masking)  # a heading hit comes first: the masking page's title
    page.screenshot(path=screenshots / "docs_search.png")

    box.press("Enter")  # opens the first result, at its anchor
    expect(page).to_have_url(re.compile(r"masking.*#"))
    expect(page.locator("h1", has_text=masking).first).to_be_visible()
    assert page.evaluate(TARGET_JS) is not None, f"no element for the anchor of {page.url}"

    box = search_box(page)  # on every page: from the masking page to a symbol of another one
    box.fill("backbone")
    first = search_results(page).first
    expect(first).to_contain_text("Backbone")
    assert first.get_attribute("href").endswith("#backbone"), "the exported class ranks first for its own name"
    first.click()
    expect(page.locator("h1", has_text=notebook_title(REPO / "nbs" / "12b_backbone.ipynb")).first).to_be_visible()
    target = page.evaluate(TARGET_JS)
    assert target and "class Backbone" in target["cell"], "the anchor sits on the cell that defines Backbone"

    box = search_box(page)
    box.fill("backbone")
    expect(search_results(page).first).to_be_visible()
    box.fill("backbone qqzzxq")  # every word must match: no section has the second
    expect(search_results(page)).to_have_count(0)
    box.fill("Quantizer")
    expect(search_results(page).first).to_be_visible()
    box.press("Escape")  # clears the box and the list
    expect(box).to_have_value("")
    expect(search_results(page)).to_have_count(0)
    assert broken == []


def test_search_from_file(page):
    "Opened from disk, no server: the index comes as a script, which file:// allows (fetch would not)."
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto((DOCS / "index.html").as_uri())
    search_box(page).fill("TrainingStep")
    first = search_results(page).first
    expect(first).to_contain_text("TrainingStep")
    assert first.get_attribute("href").endswith("#trainingstep")


def backticked_elsewhere(symbol: str, defined_in: str) -> Path:
    "A notebook other than the defining one whose markdown has `symbol` in backticks."
    for nb in NOTEBOOKS:
        if nb.stem != defined_in and any(c["cell_type"] == "markdown" and f"`{symbol}`" in "".join(c["source"])
                                         for c in notebook_cells(nb)):
            return nb
    raise AssertionError(f"no markdown cell outside {defined_in} names `{symbol}`")


def test_cross_link(page, broken, docs_site):
    source = backticked_elsewhere("Backbone", "12b_backbone")
    page.goto(f"{docs_site}/index.html")
    nav_link(page, notebook_title(source)).click()
    link = page.locator(".jp-RenderedMarkdown a", has=page.locator("code", has_text=re.compile(r"^Backbone$"))).first
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"backbone\.html#backbone$"))
    expect(page.locator("h1", has_text=notebook_title(REPO / "nbs" / "12b_backbone.ipynb")).first).to_be_visible()
    target = page.evaluate(TARGET_JS)
    assert target and "class Backbone" in target["cell"], "the link lands on the cell that defines Backbone"
    assert page.locator(".jp-CodeCell .jp-InputArea a").count() == 0, "code cells keep their source as written"
    assert broken == []


CRAWL_JS = """async start => {  // every page reachable from `start`, fetched and parsed; every local link checked
  const pages = new Map(), queue = [start], links = [], broken = [], selfLinkedHeadings = [];
  while (queue.length) {
    const url = queue.shift();
    if (pages.has(url)) continue;
    const response = await fetch(url);
    if (!response.ok) { pages.set(url, null); continue; }
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    pages.set(url, new Set(Array.from(doc.querySelectorAll("[id]"), e => e.id)));
    for (const a of doc.querySelectorAll("a[href]")) {
      const to = new URL(a.getAttribute("href"), url);
      if (to.origin !== location.origin) continue;
      const file = to.href.split("#")[0], id = to.hash.slice(1);
      const cross = !!(a.querySelector("code") && a.closest(".jp-RenderedMarkdown"));
      links.push({from: url, href: a.getAttribute("href"), file, id, cross});
      if (cross && a.closest("h1, h2, h3") && file === url) selfLinkedHeadings.push(`${url}: ${a.textContent}`);
      if (file.endsWith(".html")) queue.push(file);
      else if (!pages.has(file)) pages.set(file, (await fetch(file)).ok ? new Set() : null);
    }
  }
  for (const l of links) {
    const ids = pages.get(l.file);
    if (!ids) broken.push(`${l.from}: ${l.href} (no such file)`);
    else if (l.id && !ids.has(l.id) && !ids.has(decodeURIComponent(l.id))) broken.push(`${l.from}: ${l.href} (no id)`);
  }
  return {pages: Array.from(pages.keys()).filter(u => u.endsWith(".html")).length, links: links.length,
          cross: links.filter(l => l.cross).length, broken, selfLinkedHeadings};
}"""


def test_internal_links(page, broken, docs_site):
    "A link checker: every local link of every page reachable from home leads to a file and to an id that exists there."
    page.goto(f"{docs_site}/index.html")
    report = page.evaluate(CRAWL_JS, f"{docs_site}/index.html")
    print(f"link check: {report['pages']} pages, {report['links']} local links, {report['cross']} cross-links")
    assert report["pages"] >= len(NOTEBOOKS), "every notebook's page is reachable from home"
    assert report["broken"] == []
    assert report["cross"] >= 50, "backticked names of the package link to their definitions"
    assert report["selfLinkedHeadings"] == [], "a page's own headings do not link to the page"
    assert broken == []
