"""The masking notebook as a person uses it: opened in JupyterLab, the explorer cell run, a slider moved.

Run with `bash scripts/browser_test.sh` (installs Chromium and Playwright when missing). Screenshots of each
stage land in `tests/browser/screenshots/` (or `$SEIS_SCREENSHOTS`).
"""
from __future__ import annotations

import re
import time

from playwright.sync_api import expect

KERNEL_START_MS = 60_000  # kernel start plus `import torch` on 2 busy cores
RUN_MS = 60_000  # the definitions and one raster


def open_notebook(page, lab, name: str):
    "Open `name` in JupyterLab (a fresh workspace) and wait until its kernel is idle."
    page.goto(lab.url(f"lab/tree/{name}") + "&reset")
    expect(page.locator(".jp-NotebookPanel:visible")).to_have_count(1)
    expect(page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))).to_have_count(
        1, timeout=KERNEL_START_MS)


def code_cell(page, source_text: str):
    "The code cell whose source contains `source_text`; exactly one must match."
    cell = page.locator(".jp-NotebookPanel:visible .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=source_text))
    expect(cell).to_have_count(1)
    return cell


def run_definitions_then(page, cell):
    """Run the notebook's `#| export` cells (its definitions), then `cell`, and wait until `cell` has finished.

    Only the definitions: a person on a laptop runs what the explorer needs, not the `#| cuda` cells."""
    cells = page.locator(".jp-NotebookPanel:visible .jp-CodeCell")
    to_run = [cells.nth(i) for i in range(cells.count())
              if cells.nth(i).locator(".cm-line").first.inner_text().strip() == "#| export"] + [cell]
    for c in to_run:
        c.locator(".jp-InputArea-prompt").click()  # selects the cell in command mode
        page.keyboard.press("Control+Enter")  # the kernel runs them in order
    errors = page.locator(".jp-NotebookPanel:visible [data-mime-type='application/vnd.jupyter.stderr']")
    finished = cell.locator(".jp-InputArea-prompt", has_text=re.compile(r"^\[\d+\]:$"))
    expect(finished.or_(errors.first)).to_have_count(1, timeout=RUN_MS)
    expect(errors).to_have_count(0)
    return len(to_run)


def settled_src(image, previous: str, timeout: float = 30.0, quiet: float = 1.0) -> str:
    "The image's `src` once it differs from `previous` and has not changed for `quiet` seconds (sliders redraw per step)."
    deadline, last, since = time.monotonic() + timeout, previous, time.monotonic()
    while time.monotonic() < deadline:
        src = image.get_attribute("src")
        if src != last: last, since = src, time.monotonic()
        elif src != previous and time.monotonic() - since >= quiet: return src
        time.sleep(0.2)
    raise AssertionError(f"the explorer's image did not change and settle within {timeout:.0f} s")


def test_mask_explorer_slider_redraws(page, lab, screenshots):
    open_notebook(page, lab, "10_masking.ipynb")
    cell = code_cell(page, "explorer = mask_explorer()")
    cell.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "masking_opened.png")

    assert run_definitions_then(page, cell) > 5
    output = cell.locator(".jp-Cell-outputArea")
    sliders = output.locator(".widget-slider")
    expect(sliders).to_have_count(3)  # mask_prob, mask_length, seed
    raster = output.locator("img")
    expect(raster).to_have_count(1)
    expect(output.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    readout = sliders.nth(0).locator(".widget-readout")
    expect(readout).to_have_text("0.65")
    before = raster.get_attribute("src")
    cell.screenshot(path=screenshots / "mask_explorer_before.png")

    # keyboard on the mask_prob handle: three steps of 0.05, as a person would nudge it
    sliders.nth(0).locator(".noUi-handle").focus()
    for _ in range(3): page.keyboard.press("ArrowRight")
    expect(readout).to_have_text("0.80")
    settled_src(raster, before)
    expect(raster).to_have_count(1)
    expect(output.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    cell.screenshot(path=screenshots / "mask_explorer_after.png")


def test_unet_explorer_config_redraws(page, lab, screenshots):
    open_notebook(page, lab, "15_explorers.ipynb")
    cell = code_cell(page, "explorer = unet_explorer(seq_len=256)")
    cell.scroll_into_view_if_needed()
    assert run_definitions_then(page, cell) > 5
    output = cell.locator(".jp-Cell-outputArea")
    trace, table = output.locator("img"), output.locator("table.dataframe")
    expect(trace).to_have_count(1)
    expect(table).to_have_count(1)
    before, counts = trace.get_attribute("src"), table.inner_text()
    expect(table).to_contain_text("center")
    cell.screenshot(path=screenshots / "unet_explorer_before.png")

    output.locator("select").first.select_option("64")  # d_model 128 -> 64: every width halves
    settled_src(trace, before)
    expect(table).to_have_count(1)
    expect(table).not_to_have_text(counts)  # the parameter counts shrink with the width
    expect(output.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    cell.screenshot(path=screenshots / "unet_explorer_after.png")


GROWING_RUN = '''\
import json, threading, time
from pathlib import Path
from seis_wav2vec.monitor import watch
run = Path("growing-run")
run.mkdir(exist_ok=True)
(run / "config.yaml").write_text("trainer:\\n  max_steps: 60\\n  max_epochs: null\\n")

def trainer():  # a record every 0.8 s, each written in two parts as a busy writer might, then the end of the run
    for step in range(10, 61, 10):
        record = json.dumps({"step": step, "epoch": 0, "train/loss": 5 - step / 30, "train/perplexity": 600 - step,
                             "train/gumbel_temp": 2 - step / 60, "train/lr": 1e-3, "train/samples_per_s": 8.0,
                             "train/step_time_s": 0.5})
        with open(run / "metrics.jsonl", "a") as f:
            f.write(record[:25]); f.flush(); time.sleep(0.3); f.write(record[25:] + "\\n")
        time.sleep(0.5)
    (run / "summary.json").write_text(json.dumps({"total_steps": 60, "step": 60}))

threading.Thread(target=trainer, daemon=True).start()
monitor = watch(run, every=0.5)'''


def test_run_monitor_follows_a_growing_run(page, lab, screenshots):
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(GROWING_RUN)])
    nb.metadata["kernelspec"] = {"display_name": "python3", "language": "python", "name": "python3"}
    nbformat.write(nb, lab.root / "monitor_live.ipynb")
    open_notebook(page, lab, "monitor_live.ipynb")
    cell = code_cell(page, "monitor = watch(run, every=0.5)")
    cell.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Control+Enter")
    output = cell.locator(".jp-Cell-outputArea")
    curves = output.locator("img")
    expect(curves).to_have_count(1, timeout=30_000)
    seen = {curves.get_attribute("src")}
    deadline = time.monotonic() + 30
    while "60/60" not in output.inner_text() and time.monotonic() < deadline:  # the curves redraw as records come
        seen.add(curves.get_attribute("src"))
        time.sleep(0.2)
    expect(output).to_contain_text("60/60")  # the tqdm bar at the end of the run
    seen.add(settled_src(curves, previous="", quiet=2.0))  # the last redraw, once summary.json is there
    assert len(seen) >= 2, "the curves were never redrawn while the run grew"
    expect(output).not_to_contain_text("run monitor stopped")  # what the refresh thread says when it fails
    expect(output).not_to_contain_text("Traceback")
    cell.screenshot(path=screenshots / "run_monitor_finished.png")
