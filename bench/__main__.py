"""`make bench`: run every benchmark in turn; each prints its own figures.

    python -m bench [NAME ...]      # e.g. python -m bench engine worker
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time

BENCHMARKS = ["engine", "sandbox", "worker", "inbox", "dashboard", "api", "forms", "notify"]


def main(names: list[str]) -> int:
    failed = 0
    for name in names or BENCHMARKS:
        module = f"bench.bench_{name}"
        if importlib.util.find_spec(module) is None:
            print(f"== {module}: not present, skipped")
            continue
        print(f"== python -m {module}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", module], check=False)
        print(f"== {module} finished in {time.perf_counter() - started:.0f} s (exit {done.returncode})\n",
              flush=True)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
