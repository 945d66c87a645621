#!/usr/bin/env bash
# The whole GPU check, on a bare GPU machine, from the repository root (with .carry/ copied along):
#
#   bash bench/gpu/run.sh            results in $OUT (or /tmp/gpu-out without OUT)
#
# 1. environment report: nvidia-smi, Python, torch, CUDA, package versions      -> env.txt
# 2. sftlint installed from the working tree into /tmp/sfl-site (a real install, so that the
#    `sftlint` and `pytest11` entry points exist; a symlink tree if pip cannot build it)
# 3. the synthetic:1b model built once, shared by every later step
# 4. the runner's gpu-marked tests                                             -> gpu-tests.xml/.log
# 5. the runner benchmark: bare Unsloth vs runner unsloth vs runner hf          -> bench-runner.*
# and a per-step status table (summary.txt) and the run folders' small files (runs.tgz).
#
# Dry run on a CPU: RUN_MODEL=synthetic:tiny RUN_DEVICE=cpu RUN_BENCH_ARGS="--steps 3 --skip 1 --seq-len 64"
#
# Each step runs under `timeout`, within an overall deadline (RUN_DEADLINE_S, default 480 s), and a
# failing step does not stop the next one. At most 8 flat files are written to $OUT.
set -uo pipefail

START=$(date +%s)
DEADLINE_S=${RUN_DEADLINE_S:-480}
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
SITE=/tmp/sfl-site
WORK=/tmp/sfl-work
rm -rf "$WORK" && mkdir -p "$WORK"

if [ ! -f bench/gpu/run.sh ] || [ ! -d .carry/site ]; then
    echo "run.sh: run from the repository root, with .carry/ carried along (bench/gpu/build_carry.sh)" >&2
    exit 2
fi

export PY=${PY:-$(command -v python3)} OUT SITE WORK
export RUN_MODEL=${RUN_MODEL:-synthetic:1b} RUN_DEVICE=${RUN_DEVICE:-cuda}
export RUN_BENCH_ARGS=${RUN_BENCH_ARGS:---steps 30 --skip 5 --batch 4 --seq-len 1024}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export UNSLOTH_DISABLE_STATISTICS=1 TOKENIZERS_PARALLELISM=false
export SFTLINT_CACHE_DIR=$WORK/cache          # synthetic models and Unsloth's compiled cache
export MPLCONFIGDIR=$WORK/mpl
# Without this, `python -m ...` run from the repository root would import ./sftlint, the source
# folder, in which sftlint.rules and sftlint.runner do not exist (setup.py maps them there).
export PYTHONSAFEPATH=1
export PYTHONPATH=$SITE:$PWD/.carry/site${PYTHONPATH:+:$PYTHONPATH}

: > "$OUT/summary.txt"

# step NAME CAP_S RESERVE_S COMMAND...: run COMMAND for at most CAP_S seconds, and never past the
# deadline less RESERVE_S (time kept for the steps after it); record its status and duration.
step() {
    local name=$1 cap=$2 reserve=$3; shift 3
    local left=$(( DEADLINE_S - ($(date +%s) - START) - reserve ))
    local limit=$(( cap < left ? cap : left ))
    if [ "$limit" -lt 10 ]; then
        printf '%-14s skipped (no time left before the deadline)\n' "$name" | tee -a "$OUT/summary.txt"
        return 0
    fi
    echo "=== $name (limit ${limit}s) $(date -u +%H:%M:%S)"
    local t0=$(date +%s) rc
    STEP_LIMIT=$limit timeout -k 10 "$limit" bash -c '"$@"' "$name" "$@"
    rc=$?
    local verdict="ok"; [ $rc -ne 0 ] && verdict="FAILED rc=$rc"; [ $rc -eq 124 ] && verdict="TIMED OUT"
    printf '%-14s %-16s %4ss\n' "$name" "$verdict" "$(( $(date +%s) - t0 ))" | tee -a "$OUT/summary.txt"
    return 0
}

env_report() {
    nvidia-smi || true
    "$PY" - <<'PY'
import platform, sys
print("python", sys.version.replace("\n", " "), sys.executable)
print("platform", platform.platform())
try:
    import torch
    print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        print("device", p.name, f"{p.total_memory / 2**30:.1f} GiB", f"sm_{p.major}{p.minor}")
except Exception as exc:
    print("torch import failed:", exc)
PY
    "$PY" -m pip show pyarrow pandas httpx setuptools wheel transformers accelerate triton 2>/dev/null \
        | grep -E '^(Name|Version):' | paste - - || true
    "$PY" - <<'PY'
import importlib.metadata as md
for name in ("unsloth", "unsloth_zoo", "trl", "peft", "bitsandbytes", "datasets", "torchao", "ruamel.yaml"):
    try:
        print(f"carried {name} {md.version(name)}")
    except Exception as exc:
        print(f"carried {name}: {exc}")
PY
}

# A real install: entry points (rule families, dialects, the pytest plugin) exist only for an
# installed distribution. --no-build-isolation uses the image's setuptools and wheel (no network).
install_sftlint() {
    rm -rf "$SITE"
    if "$PY" -m pip install --no-deps --no-build-isolation --no-index --no-compile --no-cache-dir \
            --disable-pip-version-check -q --target "$SITE" .; then
        echo "installed with pip into $SITE"
    else
        echo "pip could not build sftlint here; making a symlink tree with hand-written metadata instead"
        rm -rf "$SITE" && mkdir -p "$SITE"
        cp -r sftlint "$SITE/sftlint"
        rm -rf "$SITE/sftlint/rules" "$SITE/sftlint/runner"
        ln -s "$PWD/rules" "$SITE/sftlint/rules"
        ln -s "$PWD/runner" "$SITE/sftlint/runner"
        "$PY" - "$SITE" <<'PY' || return 1
import sys, tomllib
from pathlib import Path
meta = tomllib.loads(Path("pyproject.toml").read_text())["project"]
info = Path(sys.argv[1]) / f"sftlint-{meta['version']}.dist-info"
info.mkdir()
(info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: sftlint\nVersion: {meta['version']}\n")
lines = []
for group, entries in {"console_scripts": meta.get("scripts", {}), **meta.get("entry-points", {})}.items():
    lines.append(f"[{group}]")
    lines += [f"{k} = {v}" for k, v in entries.items()] + [""]
(info / "entry_points.txt").write_text("\n".join(lines))
PY
    fi
    "$PY" - <<'PY'
import importlib.metadata as md, sftlint, sftlint.runner, sftlint.rules
print("sftlint from", sftlint.__file__)
print("entry points:", sorted(e.name for e in md.entry_points(group="sftlint")))
print("pytest11:", [e.value for e in md.entry_points(group="pytest11") if e.name == "sftlint"])
PY
}

build_model() {
    "$PY" - <<'PY'
import os, time
t = time.perf_counter()
from sftlint.runner.synthetic_model import ensure_model, parameter_count, spec_for
name = os.environ["RUN_MODEL"]
path = ensure_model(name)
print(f"{name} ({parameter_count(spec_for(name)) / 1e9:.3f}B parameters) at {path} in {time.perf_counter() - t:.1f}s")
PY
}

gpu_tests() {
    # Only the files that hold gpu-marked tests: -m gpu would still import every test module, and a
    # module needing a package this image lacks would stop the whole collection.
    local files
    files=$(grep -lE 'pytest\.mark\.gpu' tests/test_*.py 2>/dev/null | tr '\n' ' ')
    [ -n "$files" ] || files=tests/test_runner_gpu.py
    echo "test files: $files"
    # shellcheck disable=SC2086
    # RUN_GPU_TESTS_K narrows the run (pytest -k), e.g. to rerun one backend's test.
    "$PY" -m pytest -m gpu -p sftlint $files -v -rA --continue-on-collection-errors ${RUN_GPU_TESTS_K:+-k "$RUN_GPU_TESTS_K"} \
        -p no:cacheprovider --basetemp="$WORK/pytest" --junitxml="$OUT/gpu-tests.xml"
}

bench() {
    # Paths run in turn; each may use what the step has left (less a margin for the report).
    # shellcheck disable=SC2086
    "$PY" bench/bench_runner.py --model "$RUN_MODEL" --device "$RUN_DEVICE" $RUN_BENCH_ARGS \
        --budget $(( ${STEP_LIMIT:-300} - 15 )) --out "$WORK/bench"
}

export -f env_report install_sftlint build_model gpu_tests bench

{
    step env 40 0 env_report
    step install 90 0 install_sftlint
} 2>&1 | tee "$OUT/env.txt"
{
    step build-1b 150 0 build_model
} 2>&1 | tee -a "$OUT/env.txt"
step gpu-tests 240 160 gpu_tests 2>&1 | tee "$OUT/gpu-tests.log"
step bench 300 5 bench 2>&1 | tee "$OUT/bench-runner.log"
cp "$WORK/bench/bench-runner.json" "$WORK/bench/bench-runner.md" "$OUT/" 2>/dev/null || true

# Small files of every run folder (plans, recipes, metrics, worker reports and logs; no weights).
(cd "$WORK" && find pytest bench -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.log' \
    -o -name 'command.txt' -o -name '*.md' \) -size -4M ! -path '*/adapter/*' ! -name 'bench-data.jsonl' \
    -print0 2>/dev/null | tar -czf "$OUT/runs.tgz" --null -T - ) 2>/dev/null || true

echo "=== total $(( $(date +%s) - START ))s" | tee -a "$OUT/summary.txt"
cat "$OUT/summary.txt"
[ -f "$OUT/bench-runner.md" ] && cat "$OUT/bench-runner.md"
exit 0
