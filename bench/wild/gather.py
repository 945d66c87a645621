"""Write ``manifest.tsv``: the real configs of the wild set, one per line, with the tool each is for.

Reads the fetched mirrors (bare git directories, ``<owner>+<name>/repo``) and lists their YAML
files and the JSON files named like configs. The expected tool comes from the rules below, written
after reading the files and the scripts that load them; files are never copied into the project.

    python bench/wild/gather.py --mirrors /work/.mirror > bench/wild/manifest.tsv
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

#: repo -> [(path pattern, expected)]; the first pattern that matches wins. ``skip`` means the file
#: is not a config of a supported tool (another tool's, a launcher's, CI's ...).
RULES: dict[str, list[tuple[str, str]]] = {
    # TRL scripts (TrlParser: ScriptArguments + SFT/DPO/ORPOConfig + ModelConfig)
    "huggingface/alignment-handbook": [(r"^recipes/.*/(sft|dpo|orpo)/", "trl"), (r"^tests/fixtures/", "trl")],
    # (recipes/dataset_filtering/ parse GRPOConfig to compute pass rates with vLLM: no training)
    "huggingface/open-r1": [(r"^recipes/.*/(sft|grpo)/", "trl")],
    "philschmid/deep-learning-pytorch-huggingface": [(r"^training/receipes/", "trl")],
    # axolotl configs shipped by other projects
    "modal-labs/llm-finetuning": [(r"^config/", "axolotl")],
    "axolotl-ai-cloud/axolotl-cookbook": [(r".*", "axolotl")],
    # LLaMA-Factory configs shipped by model vendors
    "OpenBMB/MiniCPM": [(r"llama_factory.*/minicpm_\w+\.yaml$", "llamafactory")],
    "QwenLM/Qwen2.5": [(r"^examples/llama-factory/.*merge", "skip"), (r"^examples/llama-factory/", "llamafactory")],
    # tools sftlint does not lint: torchtune, litgpt, llm-foundry, verl, EasyR1, nanotron,
    # open-instruct's and PEFT's own scripts, lm-eval, CI
    "pytorch/torchtune": [],
    "Lightning-AI/litgpt": [],
    "mosaicml/llm-foundry": [],
    "volcengine/verl": [],
    "hiyouga/EasyR1": [],
    "allenai/open-instruct": [],
    "huggingface/smollm": [],
    "huggingface/peft": [],
    "meta-llama/llama-cookbook": [],
}

JSON_NAMES = re.compile(r"(config|param|args|zero|ds_)", re.I)
JSON_SKIP = re.compile(r"(package(-lock)?\.json|tokenizer|dataset_info|/data/|downloads/|_demo\.json)", re.I)


def listed(git_dir: Path) -> tuple[str, list[str]]:
    commit = subprocess.run(["git", "-C", str(git_dir), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    names = subprocess.run(["git", "-C", str(git_dir), "ls-tree", "-r", "--name-only", commit],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    out = []
    for name in names:
        if name.endswith((".yaml", ".yml")):
            out.append(name)
        elif name.endswith(".json") and JSON_NAMES.search(name.rsplit("/", 1)[-1]) and not JSON_SKIP.search(name):
            out.append(name)
    return commit, out


def expected(repo: str, path: str) -> str:
    for pattern, tool in RULES[repo]:
        if re.search(pattern, path):
            return tool
    return "skip"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True)
    args = parser.parse_args(argv)
    print("repo\tcommit\tpath\texpected")
    for repo in RULES:
        git_dir = args.mirrors / repo.replace("/", "+") / "repo"
        if not git_dir.is_dir():
            print(f"missing mirror: {git_dir}", file=sys.stderr)
            continue
        commit, paths = listed(git_dir)
        for path in paths:
            print(f"{repo}\t{commit}\t{path}\t{expected(repo, path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
