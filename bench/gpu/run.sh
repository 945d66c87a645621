#!/usr/bin/env bash
# The whole GPU check, in order of value, each step in its own time budget (bench/gpu/README.md):
#
#   1. gpu-tests  pytest -m gpu: both backends through every runner check, the adapter reload included
#   2. memory     the plan's memory estimate against torch.cuda.max_memory_allocated, 4-bit QLoRA:
#                 3 sizes x 2 sequence lengths x checkpointing on/off x 2 backends, within 15% each
#   3. overhead   the runner against a bare Unsloth script: 300 timed steps, alternating, 3 runs each
#   4. speed      unsloth against hf on the largest model: tokens/s and peak memory, median of 3
#   then the gate, which judges every figure and sets the exit status:
#   0 every figure within its target, 1 a figure missed its target or a check failed,
#   3 nothing failed but something was not measured (a step cut off), 2 the script could not start.
#
#   bash bench/gpu/run.sh                  on the GPU machine, from the repository root, with .carry/
#   RUN_DEVICE=cpu bash bench/gpu/run.sh   the dry run on a CPU: synthetic:tiny, tiny shapes, the same code
#
# Results go to $OUT (default bench/gpu/results/<device>-<time>), at most 8 flat files, each JSON
# rewritten as its runs finish: summary.txt, run.log, gpu-tests.xml, memory.json, overhead.json,
# speed.json, report.md, runs.tgz. Settings (environment): RUN_DEADLINE_S (default 480; 4x on a CPU, RUN_CAP_SCALE),
# RUN_STEPS (default gpu-tests,memory,overhead,speed), RUN_MEMORY_ARGS, RUN_OVERHEAD_ARGS,
# RUN_SPEED_ARGS (extra options of bench/gpu/steps.py), RUN_FAULT=one-step-short (self-test: the
# first runner run of each step trains one step fewer than its plan, so the gate must fail),
# RUN_INSTALL (1: install sftlint from the tree into a private folder, default on a GPU; 0: use the
# environment as it is), PY (the Python), RUN_WORK and RUN_CACHE (working and model folders).
set -uo pipefail

START=$(date +%s)
export RUN_DEVICE=${RUN_DEVICE:-cuda}
# A CPU dry run trains the same way, only slower per step on a shared CPU: its limits are scaled up.
CAP_SCALE=${RUN_CAP_SCALE:-$([ "$RUN_DEVICE" = cuda ] && echo 1 || echo 4)}
DEADLINE_S=${RUN_DEADLINE_S:-$(( 480 * CAP_SCALE ))}
STEPS=",${RUN_STEPS:-gpu-tests,memory,overhead,speed},"
OUT=${OUT:-bench/gpu/results/$RUN_DEVICE-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
WORK=${RUN_WORK:-/tmp/sfl-work}
SITE=$WORK/site
rm -rf "$WORK/steps" "$WORK/pytest" && mkdir -p "$WORK/steps"

if [ ! -f bench/gpu/run.sh ]; then
    echo "run.sh: run it from the repository root" >&2
    exit 2
fi
if [ "$RUN_DEVICE" = cuda ] && [ ! -d .carry/site ]; then
    echo "run.sh: .carry/site is missing: build it with bash bench/gpu/build_carry.sh and carry .carry along" >&2
    exit 2
fi

export PY=${PY:-$(command -v python3)} OUT SITE WORK
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export UNSLOTH_DISABLE_STATISTICS=1 TOKENIZERS_PARALLELISM=false
export SFTLINT_CACHE_DIR=${RUN_CACHE:-/tmp/sfl-cache}   # synthetic models and Unsloth's compiled cache, kept between runs
export MPLCONFIGDIR=$WORK/mpl
# Keep ./ off sys.path: the installed copy (RUN_INSTALL=1) is the one under test.
export PYTHONSAFEPATH=1
if [ "${RUN_INSTALL:-$([ "$RUN_DEVICE" = cuda ] && echo 1 || echo 0)}" = 1 ]; then
    export RUN_INSTALL=1
    export PYTHONPATH=$SITE${PYTHONPATH:+:$PYTHONPATH}
else
    export RUN_INSTALL=0
    export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
[ -d .carry/site ] && [ "$RUN_DEVICE" = cuda ] && export PYTHONPATH=$PYTHONPATH:$PWD/.carry/site

# What each step measures. The GPU shapes are sized so that steps 1 and 2 fit in the default deadline;
# the CPU ones only show that every step runs and judges (thresholds there are reported as N/A).
if [ "$RUN_DEVICE" = cuda ]; then
    MEMORY_ARGS="--sizes 0.5b,1b,3b --seq-lens 512,2048 --batch 4 --steps 6 --parallel 12"
    OVERHEAD_ARGS="--sizes 0.5b --seq-lens 256 --batch 2 --steps 300 --skip 10 --runs 3"
    SPEED_ARGS="--sizes 3b --seq-lens 2048 --batch 4 --steps 10 --skip 3 --runs 3"
    BUILD_FIRST=1b BUILD_LATER="0.5b 3b"
else
    MEMORY_ARGS="--sizes tiny --seq-lens 32,64 --batch 2 --steps 6 --lr 1e-2 --parallel 2"
    OVERHEAD_ARGS="--sizes tiny --seq-lens 32 --batch 2 --steps 10 --skip 1 --runs 3 --lr 1e-2"
    SPEED_ARGS="--sizes tiny --seq-lens 32 --batch 2 --steps 3 --skip 1 --runs 3 --lr 1e-2"
    BUILD_FIRST=tiny BUILD_LATER=""
fi
export MEMORY_ARGS="$MEMORY_ARGS ${RUN_MEMORY_ARGS:-}" OVERHEAD_ARGS="$OVERHEAD_ARGS ${RUN_OVERHEAD_ARGS:-}"
export SPEED_ARGS="$SPEED_ARGS ${RUN_SPEED_ARGS:-}" FAULT_ARGS="${RUN_FAULT:+--fault $RUN_FAULT}"

exec > >(tee -a "$OUT/run.log") 2>&1
: > "$OUT/summary.txt"
echo "run.sh: device $RUN_DEVICE, steps ${STEPS//,/ }, deadline ${DEADLINE_S}s, results in $OUT"

# step NAME CAP_S RESERVE_S COMMAND...: run COMMAND for at most CAP_S seconds, and never past the
# deadline less RESERVE_S (time kept for the steps after it); record its status and duration.
step() {
    local name=$1 cap=$(( $2 * CAP_SCALE )) reserve=$(( $3 * CAP_SCALE )); shift 3
    local left=$(( DEADLINE_S - ($(date +%s) - START) - reserve ))
    local limit=$(( cap < left ? cap : left ))
    if [ "$limit" -lt 20 ]; then
        printf '%-10s skipped (no time left before the deadline)\n' "$name" | tee -a "$OUT/summary.txt"
        return 0
    fi
    echo "=== $name (limit ${limit}s) $(date -u +%H:%M:%S)"
    local t0=$(date +%s) rc
    STEP_LIMIT=$limit timeout -k 10 "$limit" bash -c '"$@"' "$name" "$@"
    rc=$?
    local verdict="ok"
    case $rc in 0) ;; 1) verdict="FAILED (a figure or check)";; 3) verdict="INCOMPLETE";; 124) verdict="TIMED OUT";;
        *) verdict="FAILED rc=$rc";; esac
    printf '%-10s %-27s %4ss\n' "$name" "$verdict" "$(( $(date +%s) - t0 ))" | tee -a "$OUT/summary.txt"
    return 0
}
wants() { [[ $STEPS == *",$1,"* ]]; }

env_report() {
    command -v nvidia-smi >/dev/null && nvidia-smi
    "$PY" - <<'PY'
import importlib.metadata as md, platform, sys
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
for name in ("transformers", "accelerate", "triton", "unsloth", "unsloth_zoo", "trl", "peft", "bitsandbytes",
             "datasets", "torchao", "ruamel.yaml"):
    try:
        print(f"{name} {md.version(name)}")
    except Exception as exc:
        print(f"{name}: {exc}")
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
        echo "pip could not build sftlint here; copying the package with hand-written metadata instead"
        rm -rf "$SITE" && mkdir -p "$SITE"
        cp -rL sftlint "$SITE/sftlint"
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
    "$PY" -c "import sftlint, sftlint.runner, sftlint.rules; print('sftlint from', sftlint.__file__)"
}

build_models() {
    "$PY" bench/gpu/shapes.py "$@"
}

gpu_tests() {
    # Only the files that hold gpu-marked tests: -m gpu would still import every test module.
    local files
    files=$(grep -lE 'pytest\.mark\.gpu' tests/test_*.py 2>/dev/null | tr '\n' ' ')
    [ -n "$files" ] || files=tests/test_runner_gpu.py
    echo "test files: $files"
    # The two backends' runs side by side where pytest-xdist is there (each is its own process and
    # the GPU has room for both): about half a minute saved for the later steps.
    local parallel=""
    "$PY" -c "import xdist" 2>/dev/null && parallel="-n 2"
    # shellcheck disable=SC2086
    "$PY" -m pytest -m gpu -p sftlint $files $parallel -v -rA -p no:cacheprovider --basetemp="$WORK/pytest" \
        --junitxml="$OUT/gpu-tests.xml"
}

measure() {  # measure STEP ARGS...: one measuring step of steps.py, its report in $OUT/STEP.json
    local name=$1; shift
    # shellcheck disable=SC2086
    "$PY" bench/gpu/steps.py "$name" --device "$RUN_DEVICE" --out "$WORK/steps/$name" --report "$OUT/$name.json" \
        --budget $(( ${STEP_LIMIT:-300} - 25 )) $FAULT_ARGS "$@"
}

export -f env_report install_sftlint build_models gpu_tests measure

step env 40 0 env_report
[ "$RUN_INSTALL" = 1 ] && step install 90 0 install_sftlint
step build 120 0 build_models $BUILD_FIRST
BUILD_PID=
if [ -n "$BUILD_LATER" ] && { wants memory || wants overhead || wants speed; }; then
    # the other sizes build while the tests run (the GPU has room for both)
    timeout -k 10 $(( 240 * CAP_SCALE )) "$PY" bench/gpu/shapes.py $BUILD_LATER > "$WORK/build-later.log" 2>&1 &
    BUILD_PID=$!
fi
wants gpu-tests && step gpu-tests 200 200 gpu_tests
if [ -n "$BUILD_PID" ]; then
    wait "$BUILD_PID"; echo "build of $BUILD_LATER: exit $?"; cat "$WORK/build-later.log"
fi
# shellcheck disable=SC2086
wants memory && step memory 230 0 measure memory $MEMORY_ARGS
# shellcheck disable=SC2086
wants overhead && step overhead 260 0 measure overhead $OVERHEAD_ARGS
# shellcheck disable=SC2086
wants speed && step speed 200 0 measure speed $SPEED_ARGS

# Small files of every run folder and lane (plans, recipes, metrics, worker reports, logs; no weights).
(cd "$WORK" && find pytest steps -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.log' -o -name '*.yaml' \) \
    -size -4M ! -path '*/adapter/*' ! -path '*unsloth_compiled_cache*' ! -name 'rows-*' -print0 2>/dev/null \
    | tar -czf "$OUT/runs.tgz" --null -T - ) 2>/dev/null || true

echo "=== gate $(date -u +%H:%M:%S)"
"$PY" bench/gpu/steps.py gate "$OUT" --device "$RUN_DEVICE" --steps-run "${STEPS:1:${#STEPS}-2}"
CODE=$?
echo "=== total $(( $(date +%s) - START ))s" | tee -a "$OUT/summary.txt"
printf 'gate exit %s\n' "$CODE" >> "$OUT/summary.txt"
cat "$OUT/summary.txt"
exit $CODE
