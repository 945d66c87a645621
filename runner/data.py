"""Local training data in the layouts TRL's SFTTrainer understands, whatever the file calls them.

TRL trains on ``text``, ``messages`` (conversational) or ``prompt``/``completion`` columns. Files
written for other tools often use alpaca's ``instruction``/``input``/``output`` or ShareGPT's
``conversations`` with ``from``/``value``; those are converted here so one dataset trains through
every backend. Only local files are read.
"""

from __future__ import annotations

from typing import Any

ALPACA_PROMPT = "### Instruction:\n{instruction}\n\n{input_block}### Response:\n"
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


class DataError(ValueError):
    pass


def layout(columns: list[str]) -> str:
    """Which layout a table of ``columns`` is in: messages, conversations, text, prompt_completion or alpaca."""
    cols = set(columns)
    if "messages" in cols:
        return "messages"
    if "conversations" in cols:
        return "conversations"
    if "text" in cols:
        return "text"
    if {"prompt", "completion"} <= cols:
        return "prompt_completion"
    if {"instruction", "output"} <= cols:
        return "alpaca"
    raise DataError(f"no trainable columns in {sorted(cols)}: expected text, messages, conversations, "
                    "prompt/completion or instruction/input/output")


def _alpaca(row: dict[str, Any]) -> dict[str, str]:
    extra = (row.get("input") or "").strip()
    block = f"### Input:\n{extra}\n\n" if extra else ""
    return {"prompt": ALPACA_PROMPT.format(instruction=row["instruction"], input_block=block),
            "completion": str(row["output"])}


def _sharegpt(row: dict[str, Any]) -> dict[str, list]:
    messages = []
    for turn in row["conversations"]:
        role = turn.get("role") or SHAREGPT_ROLES.get(str(turn.get("from")).lower(), "user")
        messages.append({"role": role, "content": turn.get("content", turn.get("value", ""))})
    return {"messages": messages}


def normalise(dataset):
    """The dataset reduced to the columns of one TRL layout."""
    kind = layout(dataset.column_names)
    if kind == "alpaca":
        return dataset.map(_alpaca, remove_columns=dataset.column_names)
    if kind == "conversations":
        return dataset.map(_sharegpt, remove_columns=dataset.column_names)
    keep = {"messages": ["messages"], "text": ["text"], "prompt_completion": ["prompt", "completion"]}[kind]
    return dataset.select_columns(keep)


def load_training_data(data_files, max_rows: int | None = None, *, max_rows_each: int | None = None,
                       val_size: float | None = None, seed: int = 42):
    """The training rows as the tool would train on them.

    Each dataset's files are concatenated and normalised; ``max_rows_each`` keeps the first rows of
    every dataset (LLaMA-Factory's ``max_samples``), ``max_rows`` the first rows of the whole set,
    and ``val_size`` holds rows out as ``train_test_split(test_size=val_size, seed=seed)`` does.
    """
    from datasets import concatenate_datasets, load_dataset

    groups: dict[int, list] = {}
    first = None
    for f in data_files:
        part = normalise(load_dataset(f.builder, data_files=f.path, split="train"))
        if first is not None and sorted(part.column_names) != sorted(first.column_names):
            raise DataError(f"{f.path} has columns {part.column_names}, the first dataset {first.column_names}: "
                            "mixed layouts cannot be concatenated")
        first = first if first is not None else part
        groups.setdefault(getattr(f, "group", 0), []).append(part)
    datasets = []
    for parts in groups.values():
        dataset = parts[0] if len(parts) == 1 else concatenate_datasets(parts)
        if max_rows_each is not None and len(dataset) > max_rows_each:
            dataset = dataset.select(range(max_rows_each))
        datasets.append(dataset)
    dataset = datasets[0] if len(datasets) == 1 else concatenate_datasets(datasets)
    if max_rows is not None and len(dataset) > max_rows:
        dataset = dataset.select(range(max_rows))
    if val_size:
        test_size = int(val_size) if val_size >= 1 else float(val_size)
        dataset = dataset.train_test_split(test_size=test_size, seed=seed)["train"]
    return dataset
