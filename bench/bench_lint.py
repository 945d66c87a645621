"""Time sftlint against yamllint and a bare ruamel.yaml compose, side by side, on the same files.

    .venv/bin/python bench/bench_lint.py [CORPUS] [--repeat N]

Every figure is the median of N whole-process runs (cold starts included), measured in one
run of this script, in rounds that run every command once, so that the ratios compare like with
like on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

COMPOSE_SNIPPET = """
import sys
from pathlib import Path
from ruamel.yaml import YAML
y = YAML(typ="safe", pure=False)
for p in sys.argv[1:]:
    try:
        list(y.compose_all(Path(p).read_text(encoding="utf-8")))
    except Exception:
        pass
"""


def seconds(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def medians(rows: list[tuple[str, list[str]]], repeat: int) -> dict[str, float]:
    """Median wall time of each command over ``repeat`` rounds; each round runs every command once,
    so a slow spell of a shared machine lands on all of them instead of on one row."""
    times: dict[str, list[float]] = {name: [] for name, _ in rows}
    for _ in range(repeat):
        for name, cmd in rows:
            times[name].append(seconds(cmd))
    return {name: statistics.median(values) for name, values in times.items()}


def yaml_files(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    files = yaml_files(args.corpus)
    one = next(f for f in files if f.endswith("example_config.yaml")) if any(
        f.endswith("example_config.yaml") for f in files) else files[0]
    sftlint = [str(BIN / "sftlint"), "check", "--exit-zero", "--quiet", "--output-format", "concise"]
    yamllint = [str(BIN / "yamllint"), "-f", "parsable"]
    compose = [sys.executable, "-c", COMPOSE_SNIPPET]
    rows = [
        ("sftlint check, corpus", sftlint + [str(args.corpus)]),
        ("yamllint, corpus", yamllint + [str(args.corpus)]),
        ("ruamel.yaml compose (C), corpus", compose + files),
        ("sftlint check, one file", sftlint + [one]),
        ("yamllint, one file", yamllint + [one]),
        ("ruamel.yaml compose (C), one file", compose + [one]),
        ("python -c pass", [sys.executable, "-c", "pass"]),
    ]
    for _, cmd in rows:  # warm the page cache and sftlint's entry-point cache
        seconds(cmd)
    results = medians(rows, args.repeat)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{len(files)} YAML files, median of {args.repeat} runs\n")
    print("| what | median |")
    print("| --- | --- |")
    for name, median in results.items():
        print(f"| {name} | {median * 1000:.0f} ms |")
    corpus_ratio = results["sftlint check, corpus"] / results["yamllint, corpus"]
    one_ratio = results["sftlint check, one file"] / results["yamllint, one file"]
    print(f"\ncorpus: sftlint / yamllint = {corpus_ratio:.2f}x (target <= 0.25x)")
    print(f"one file cold: sftlint / yamllint = {one_ratio:.2f}x (target <= 1.0x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
