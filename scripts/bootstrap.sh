#!/usr/bin/env bash
# Set up .venv for sftlint on a fresh machine. Idempotent.
#   scripts/bootstrap.sh lint   the linter alone (pluggy + ruamel.yaml; no torch)
#   scripts/bootstrap.sh dev    everything the tests need: the runner's training stack
#                               (torch pinned to the CPU build first, then transformers, TRL,
#                               PEFT, bitsandbytes, Unsloth), the language server's pygls
#                               and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-lint}"
python="${PYTHON:-python3}"

[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${pip[@]}" install --upgrade pip

case "$what" in
  lint)
    "${pip[@]}" install -e .
    ;;
  dev)
    # torch first and pinned: an unpinned torch, asked for by any later package, would pull a
    # multi-gigabyte CUDA build. The constraint file keeps the pin through every install.
    "${pip[@]}" install -c requirements/constraints.txt "torch==2.13.0"
    "${pip[@]}" install -c requirements/constraints.txt -e ".[test,runner,unsloth,plot,server]"
    # PyPI's torchvision does not load beside the CPU torch and breaks transformers' imports;
    # nothing here needs it.
    .venv/bin/python -m pip uninstall -y -q torchvision 2>/dev/null || true
    ;;
  *)
    echo "usage: scripts/bootstrap.sh [lint|dev]" >&2
    exit 2
    ;;
esac
