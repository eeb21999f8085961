#!/usr/bin/env python3
"""Run a notebook's code cells in order in one namespace, from the notebook's folder, the way `nbdev_test --flags`
does, where nbdev and Jupyter are not installed (the GPU machine). Cells carrying a flag that is not named with
--flags are skipped, as are `notest` cells; the run stops at the first failing cell, or after the cell --until names.

    python3 scripts/run_notebook_cells.py nbs/16_train_step.ipynb --flags cuda
    python3 scripts/run_notebook_cells.py nbs/40_downstream.ipynb --flags cuda --until 74e97eec
"""
import __future__
import argparse
import ast
import json
import linecache
import os
import re
import sys
import time
from pathlib import Path

FLAGS = ("notest", "slow", "cuda", "multicuda")  # settings.ini's tst_flags


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notebook", type=Path)
    p.add_argument("--flags", nargs="*", default=[], choices=FLAGS[1:], help="flagged cells to run as well")
    p.add_argument("--until", metavar="CELL_ID", help="stop after this cell (its id in the notebook's JSON)")
    args = p.parse_args(argv)
    cells = [c for c in json.loads(args.notebook.read_text())["cells"] if c["cell_type"] == "code"]
    os.chdir(args.notebook.resolve().parent)
    sys.path.insert(0, str(Path.cwd().parent))
    namespace, future = {"__name__": "__main__"}, 0
    for k, cell in enumerate(cells):
        source = "".join(cell["source"])
        directives = re.findall(r"^#\|\s*(\S+)", source, flags=re.M)
        if any(d in FLAGS and d not in args.flags for d in directives):
            print(f"cell {k}: skipped ({', '.join(d for d in directives if d in FLAGS)})", flush=True)
            continue
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        t0 = time.time()
        if "from __future__ import annotations" in code:  # IPython keeps a cell's future import for the cells after it
            future |= __future__.annotations.compiler_flag
        tree = ast.parse(code)
        name = f"<{args.notebook.name} cell {k}>"  # in linecache, as IPython does: Triton's @jit reads a kernel's source
        linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)
        shown = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None  # a cell's last expression
        exec(compile(tree, name, "exec", flags=future), namespace)
        value = eval(compile(ast.Expression(shown.value), name, "eval", flags=future), namespace) if shown else None
        print(f"cell {k}: ran in {time.time() - t0:.1f} s", flush=True)
        if value is not None: print("   ->", repr(value)[:1000], flush=True)  # shown as the notebook shows it
        if args.until and cell.get("id") == args.until:
            print(f"{args.notebook}: stopped after cell {args.until}, all passed", flush=True)
            return 0
    print(f"{args.notebook}: {len(cells)} code cells, all passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
