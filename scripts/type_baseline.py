"""Type-check the package with mypy against a baseline that may only shrink.

mypy's errors are counted per file and compared with ``.ci/mypy-baseline.json``: a file with more
errors than its baseline (or a file that had none) fails the check and its errors are printed; a
file with fewer is reported so that the baseline can be lowered with ``--update``. The baseline
records counts, not lines, so that moving code does not break it.

    python scripts/type_baseline.py            # check
    python scripts/type_baseline.py --update   # write the current counts as the new baseline
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / ".ci" / "mypy-baseline.json"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: ")


def run_mypy() -> tuple[Counter, dict[str, list[str]]]:
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"mypy could not run (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    counts: Counter = Counter()
    lines: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            counts[match["path"]] += 1
            lines.setdefault(match["path"], []).append(line)
    return counts, lines


def main(argv: list[str]) -> int:
    counts, lines = run_mypy()
    if "--update" in argv:
        BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=1) + "\n", encoding="utf-8")
        print(f"baseline written: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    baseline: dict[str, int] = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    worse = {path: n for path, n in counts.items() if n > baseline.get(path, 0)}
    better = {path: n for path, n in baseline.items() if counts.get(path, 0) < n}
    for path, n in sorted(worse.items()):
        print(f"{path}: {n} type errors, the baseline allows {baseline.get(path, 0)}:")
        print("\n".join(f"  {line}" for line in lines[path]))
    if better:
        print(f"{len(better)} files have fewer type errors than the baseline: lower it with "
              f"python scripts/type_baseline.py --update")
    total, allowed = sum(counts.values()), sum(baseline.values())
    print(f"mypy: {total} errors (baseline {allowed})" + ("; more than the baseline in the files above" if worse else ""))
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
