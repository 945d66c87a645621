#!/usr/bin/env bash
# Build .carry/site: the training packages the GPU image lacks, unpacked into a
# directory that works as a PYTHONPATH entry under the image's Python 3.12.
#
#   bash bench/gpu/build_carry.sh        (from the repository root)
#
# Idempotent: wheels are cached outside the repository (CARRY_WHEEL_CACHE,
# default ~/.cache/sftlint-carry-wheels) and .carry/site is rebuilt from them
# on every run. Fails if the result is larger than CARRY_MAX_MIB (default 45).
set -euo pipefail

PY=${PYTHON:-python3}
CARRY=.carry
SITE=$CARRY/site
WHEELS=${CARRY_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sftlint-carry-wheels}
MAX_MIB=${CARRY_MAX_MIB:-45}

if [ ! -e .git ] || [ ! -d bench/gpu ]; then
    echo "build_carry.sh: run from the repository root" >&2
    exit 2
fi

# Exact pins. The image already has torch 2.11 (cu130), transformers 5.17,
# accelerate, huggingface_hub, tokenizers, safetensors, sentencepiece, triton,
# torchvision, numpy, pandas, pyarrow, xxhash, einops, psutil, protobuf, ...
PINS=(
    unsloth==2026.10.9
    unsloth_zoo==2026.10.9
    trl==1.15.0                 # unsloth caps trl<=1.15.0
    bitsandbytes==0.50.2
    datasets==4.8.5             # unsloth needs datasets<5
    peft==0.21.2                # shadows the image's peft: the combination tested on CPU
    fsspec==2026.2.0            # datasets 4.8.5 needs fsspec<=2026.2.0; shadows the image's
    dill==0.4.1                 # datasets
    multiprocess==0.70.19       # datasets (py312 wheel)
    torchao==0.18.0             # unsloth_zoo; needs torch>=2.11 for its native ops
    cut_cross_entropy==25.1.1   # unsloth_zoo fused loss (pure Python + Triton)
    msgspec==0.22.0             # unsloth_zoo (cp312 wheel)
    ruamel.yaml==0.19.1         # sftlint itself (the image has PyYAML only)
    ruamel.yaml.clib==0.2.15    # its C parser, which sftlint's document loader asks for (cp312 wheel)
)
# Deliberately not carried (declared by unsloth, not imported for training):
# xformers (optional; PyPI build targets another torch/CUDA, unsloth then uses
# torch SDPA), hf_transfer (downloads only), diffusers, tyro, pydantic, json5,
# nest_asyncio, structlog (studio / CLI only).

PLATFORMS=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 \
         manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
    PLATFORMS+=(--platform "$p")
done

mkdir -p "$WHEELS"
echo "== downloading wheels into $WHEELS"
"$PY" -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --python-version 3.12 --implementation cp \
    "${PLATFORMS[@]}" -d "$WHEELS" "${PINS[@]}" \
    2> >(grep -v 'is neither a file nor a directory' >&2)

echo "== unpacking into $SITE"
rm -rf "$SITE.new"
mkdir -p "$SITE.new"
"$PY" - "$WHEELS" "$SITE.new" "${PINS[@]}" <<'PYEOF'
import glob, os, re, shutil, sys, zipfile

wheels, site, pins = sys.argv[1], sys.argv[2], sys.argv[3:]
ok_py = re.compile(r"^(py3|py3\d*|cp312|cp3\d+)$")
for pin in pins:
    name, ver = pin.split("==")
    norm = re.sub(r"[-_.]+", "_", name).lower()
    found = [w for w in glob.glob(os.path.join(wheels, "*.whl"))
             if re.sub(r"[-_.]+", "_", os.path.basename(w).lower().split("-")[0]) == norm
             and os.path.basename(w).split("-")[1] == ver]
    if len(found) != 1:
        sys.exit(f"expected one wheel for {pin} in {wheels}, found {found}")
    whl = found[0]
    py_tag, abi_tag, plat_tag = os.path.basename(whl)[:-4].split("-")[-3:]
    # Compiled wheels must be for CPython 3.12 (or the stable ABI); pure ones py3.
    if not any(ok_py.match(t) for t in py_tag.split(".")):
        sys.exit(f"{whl}: python tag {py_tag} not usable on 3.12")
    if abi_tag not in ("none", "abi3", "cp312"):
        sys.exit(f"{whl}: abi tag {abi_tag} not usable on cp312")
    if abi_tag == "none" and plat_tag == "any" and py_tag.startswith("py3") and py_tag not in ("py3", "py312"):
        sys.exit(f"{whl}: python tag {py_tag} is for another minor version")
    with zipfile.ZipFile(whl) as z:
        z.extractall(site)
    print(f"   {os.path.basename(whl)}")

# Wheel .data dirs: merge purelib/platlib, drop scripts/headers/data.
for d in glob.glob(os.path.join(site, "*.data")):
    for kind in ("purelib", "platlib"):
        src = os.path.join(d, kind)
        if os.path.isdir(src):
            shutil.copytree(src, site, dirs_exist_ok=True)
    shutil.rmtree(d)
PYEOF

# Strip what QLoRA training does not use.
S=$SITE.new
rm -rf "$S/studio" "$S/unsloth_cli"        # unsloth's web UI and CLI
rm -rf "$S/test"                           # torchao's test suite (shadows stdlib 'test')
rm -f  "$S"/torchao/_C*.so                 # fp8/mxfp8 CUDA ops; torchao imports without them
find "$S/bitsandbytes" -maxdepth 1 -name 'libbitsandbytes_*.so' \
    ! -name libbitsandbytes_cuda130.so ! -name libbitsandbytes_cpu.so -delete
find "$S" -depth -type d \( -name __pycache__ -o -name tests \) -exec rm -rf {} +
find "$S" -type f -name '*.pyc' -delete

test -f "$S/bitsandbytes/libbitsandbytes_cuda130.so" || { echo "missing libbitsandbytes_cuda130.so" >&2; exit 1; }

rm -rf "$SITE"
mv "$S" "$SITE"

# Ignore the folder in git.
if [ ! -f .gitignore ] || ! grep -qxF '/.carry/' .gitignore; then
    [ -s .gitignore ] && [ -n "$(tail -c1 .gitignore)" ] && echo >> .gitignore
    echo '/.carry/' >> .gitignore
fi

echo "== contents (MiB)"
"$PY" - "$SITE" <<'PYEOF' | tee "$CARRY/MANIFEST.txt"
import csv, os, sys
site = sys.argv[1]
seen, rows = set(), []
for di in sorted(x for x in os.listdir(site) if x.endswith(".dist-info")):
    name, ver = di[:-len(".dist-info")].rsplit("-", 1)
    b, tops = 0, set()
    with open(os.path.join(site, di, "RECORD"), newline="") as f:
        for row in csv.reader(f):
            path = os.path.join(site, row[0])
            if row and os.path.isfile(path):
                b += os.path.getsize(path)
                seen.add(os.path.normpath(path))
                if not row[0].startswith(di):
                    tops.add(row[0].split("/")[0].removesuffix(".py"))
    rows.append((name, ver, b, sorted(tops)))
total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(site) for f in fs)
for name, ver, b, tops in rows:
    print(f"{name:18s} {ver:11s} {b/2**20:6.2f} MiB  {' '.join(tops)}")
print(f"{'total':30s} {total/2**20:6.2f} MiB")
PYEOF

bytes=$(du -sb "$CARRY" | cut -f1)
mib=$(( (bytes + 1048575) / 1048576 ))
echo "== $CARRY: $bytes bytes (~$mib MiB), limit $MAX_MIB MiB"
if [ "$bytes" -gt $(( MAX_MIB * 1048576 )) ]; then
    echo "build_carry.sh: $CARRY is over $MAX_MIB MiB" >&2
    exit 1
fi
echo "== on the GPU machine: export PYTHONPATH=\$PWD/$SITE\${PYTHONPATH:+:\$PYTHONPATH}"
