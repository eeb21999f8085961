#!/usr/bin/env python3
"""Run a notebook's code cells in order in one namespace, from the notebook's folder, the way `nbdev_test --flags`
does, where nbdev and Jupyter are not installed (the GPU machine). Cells carrying a flag that is not named with
--flags are skipped, as are `notest` cells; the run stops at the first failing cell.

    python3 scripts/run_notebook_cells.py nbs/16_train_step.ipynb --flags cuda
"""
import argparse
import json
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
    args = p.parse_args(argv)
    cells = [c for c in json.loads(args.notebook.read_text())["cells"] if c["cell_type"] == "code"]
    os.chdir(args.notebook.resolve().parent)
    sys.path.insert(0, str(Path.cwd().parent))
    namespace = {"__name__": "__main__"}
    for k, cell in enumerate(cells):
        source = "".join(cell["source"])
        directives = re.findall(r"^#\|\s*(\S+)", source, flags=re.M)
        if any(d in FLAGS and d not in args.flags for d in directives):
            print(f"cell {k}: skipped ({', '.join(d for d in directives if d in FLAGS)})", flush=True)
            continue
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        t0 = time.time()
        exec(compile(code, f"{args.notebook.name} cell {k}", "exec"), namespace)
        print(f"cell {k}: ran in {time.time() - t0:.1f} s", flush=True)
        last = code.strip().splitlines()[-1] if code.strip() else ""
        if re.fullmatch(r"[A-Za-z_]\w*", last):  # a cell ending on a name shows its value
            print("   ->", repr(namespace.get(last))[:500], flush=True)
    print(f"{args.notebook}: {len(cells)} code cells, all passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
