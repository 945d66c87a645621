"""A small learnable task, so a smoke run shows its loss falling within a few dozen steps.

Each row asks to reverse a short string of digits. The answer is fully determined by the prompt and
the formatting tokens repeat in every row, so even a random-init model with ~100k parameters learns
something measurable in 10-30 optimizer steps, and a failing "loss falls" check means the training
path is broken rather than that the data is too hard.

Rows come out in any of the layouts the runner reads (``messages``, ``text``,
``prompt``/``completion``, alpaca), always the same for a given seed.

    python -m sftlint.runner.synthetic_data out.jsonl --rows 200 [--format messages] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Iterator

FORMATS = ("messages", "text", "prompt_completion", "alpaca")
INSTRUCTION = "Reverse the digits."


def digit_pairs(rows: int, seed: int = 0, min_len: int = 3, max_len: int = 6) -> Iterator[tuple[str, str]]:
    """Yield (digits, reversed digits) pairs, digits separated by spaces so each is its own token."""
    rng = random.Random(seed)
    for _ in range(rows):
        digits = [str(rng.randrange(10)) for _ in range(rng.randint(min_len, max_len))]
        yield " ".join(digits), " ".join(reversed(digits))


def make_row(question: str, answer: str, fmt: str) -> dict:
    if fmt == "messages":
        return {"messages": [{"role": "user", "content": f"{INSTRUCTION} {question}"},
                             {"role": "assistant", "content": answer}]}
    if fmt == "text":
        return {"text": f"{INSTRUCTION} {question} => {answer}"}
    if fmt == "prompt_completion":
        return {"prompt": f"{INSTRUCTION} {question} =>", "completion": f" {answer}"}
    if fmt == "alpaca":
        return {"instruction": INSTRUCTION, "input": question, "output": answer}
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def generate(rows: int, fmt: str = "messages", seed: int = 0) -> list[dict]:
    return [make_row(q, a, fmt) for q, a in digit_pairs(rows, seed)]


def write_jsonl(path: Path, rows: int, fmt: str = "messages", seed: int = 0) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in generate(rows, fmt, seed):
            f.write(json.dumps(row) + "\n")
    return path


def tokenizer_corpus(lines: int = 400) -> list[str]:
    """Text to train the synthetic tokenizer on: the task in every layout, plus plain prose."""
    corpus = []
    for fmt in FORMATS:
        for row in generate(lines // len(FORMATS), fmt, seed=1):
            corpus.append(json.dumps(row))
    corpus += [
        "The quick brown fox jumps over the lazy dog.",
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.",
        "### Instruction:\n### Input:\n### Response:\n",
        "system user assistant question answer summary translate explain",
    ]
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sftlint.runner.synthetic_data",
                                     description="Write a small learnable SFT dataset (reverse digit strings).")
    parser.add_argument("output", type=Path, help="jsonl file to write")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--format", choices=FORMATS, default="messages")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    write_jsonl(args.output, args.rows, args.format, args.seed)
    print(f"wrote {args.rows} rows ({args.format}) to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
