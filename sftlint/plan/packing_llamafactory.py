"""How many packed sequences LLaMA-Factory makes with ``packing`` or ``neat_packing``.

LLaMA-Factory (read at ff6d4d1, ``data/processor/``) packs while it preprocesses: a batched
``datasets`` map, ``preprocessing_batch_size`` (1,000) examples at a time, each batch packed on its
own, into ``cutoff_len - 1`` tokens when ``packing`` or ``neat_packing`` is written as true (its
argument class then lowers ``cutoff_len`` by one, and supervised packing pads each row back to
``cutoff_len``), or into ``cutoff_len`` tokens for pre-training with ``packing`` left unset (it is
switched on after that adjustment). The packed rows are the Trainer's rows: the Trainer then
counts the run from them as usual.

- ``stage: pt`` (packing is on by default there): every text gets the eos text appended
  (``<|end_of_text|>`` with ``template: llama3``; otherwise the tokenizer's eos, which a template
  with ``replace_eos`` replaces by its first stop word; the template's stop words are added to the
  tokenizer as special tokens first), is tokenized without special tokens, and
  each batch's token stream is cut into blocks, the remainder dropped: ``tokens // block`` rows.
- ``stage: sft`` (``packing`` or ``neat_packing``): each example is encoded with the template,
  cut to the length by ``infer_seqlen``, then the lengths are packed by ``greedy_knapsack``: fill
  one row at a time, always with the longest example that still fits. The plan encodes examples
  for the ``empty`` and ``default`` templates (and no template on a tokenizer without a chat
  template, which is ``empty``); every other template's count stays unknown.

Data: local JSON or JSON Lines files named in ``<dataset_dir>/dataset_info.json`` with alpaca
formatting (``instruction`` + ``input``, ``output``, optional ``history`` and ``system`` columns),
concatenated in order, ``max_samples`` taking the first rows of each. A hub dataset, ``val_size``
or ``num_samples`` (both pick random rows), ``streaming``, interleaving, ``tokenized_path`` or
added tokens leave the count unknown.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any

from ..config.canonical import TrainingConfig
from ..files.reading import ReadRefused, inside, read_bounded
from .packing import (MAX_BYTES, PackingUnknown, load_tokenizer, local_path, model_folder, raw_value, read_records,
                      special_token, tokenizer_settings)
from ..dialects.values import as_int, as_number

MAP_BATCH = 1000
CUTOFF_LEN = 2048
#: Templates whose pre-training eos text is not the tokenizer's own (read at ff6d4d1): the text each
#: example ends with, and the stop words the template adds to the tokenizer as special tokens.
PRETRAIN_EOS = {"llama3": ("<|end_of_text|>", ("<|eot_id|>", "<|eom_id|>")),
                **{name: ("<|im_end|>", ("<|im_end|>",)) for name in ("qwen", "qwen3", "qwen3_nothink",
                                                                      "qwen3_5_nothink")}}
#: Templates that keep the tokenizer's eos.
KEEP_EOS = frozenset({"empty", "default"})
#: The slots of the templates the plan encodes for supervised packing: text with ``{{content}}``, or
#: ``EOS`` for the eos token. ``system`` is used when the example has a system text.
EOS = object()
TEMPLATES: dict[str, dict[str, list[Any]]] = {
    "empty": {"user": ["{{content}}"], "assistant": ["{{content}}"], "system": ["{{content}}"]},
    "default": {"user": ["Human: {{content}}", EOS, "\nAssistant:"], "assistant": ["{{content}}", EOS, "\n"],
                "system": ["System: {{content}}", EOS, "\n"]},
}
#: Settings that change the rows or the tokenizer in ways the plan does not follow.
UNFOLLOWED = ("streaming", "tokenized_path", "add_tokens", "add_special_tokens", "new_special_tokens",
              "default_system", "tool_format")


def pretrain_rows(lengths: list[int], block: int) -> int:
    """Rows of ``PretrainDatasetProcessor`` with packing: each map batch's tokens in whole blocks."""
    return sum(sum(lengths[i:i + MAP_BATCH]) // block for i in range(0, len(lengths), MAP_BATCH))


def greedy_knapsack(lengths: list[int], capacity: int) -> int:
    """Rows ``greedy_knapsack`` fills: each takes the longest length that still fits, until none does."""
    left = sorted(lengths)
    rows = 0
    while left:
        rows += 1
        room = capacity
        while left:
            at = bisect.bisect(left, room)
            if at == 0:
                break
            room -= left.pop(at - 1)
    return rows


def supervised_rows(lengths: list[int], capacity: int) -> int:
    """Packed rows of ``PackedSupervisedDatasetProcessor``: longer examples dropped, each map batch
    packed on its own."""
    total = 0
    for start in range(0, len(lengths), MAP_BATCH):
        total += greedy_knapsack([n for n in lengths[start:start + MAP_BATCH] if n <= capacity], capacity)
    return total


def infer_seqlen(source: int, target: int, cutoff: int) -> tuple[int, int]:
    """LLaMA-Factory's split of ``cutoff`` tokens between a prompt and its response."""
    if target * 2 < cutoff:
        most_target = cutoff
    elif source * 2 < cutoff:
        most_target = cutoff - source
    else:
        most_target = int(cutoff * (target / (source + target)))
    new_target = min(most_target, target)
    new_source = min(max(cutoff - new_target, 0), source)
    return new_source, new_target


def _dataset_info(config: TrainingConfig, roots: list[Path]) -> tuple[Path, dict]:
    folder = local_path(raw_value(config, "dataset_dir") or "data", config, roots)
    info_path = folder / "dataset_info.json" if folder is not None else None
    if folder is None or info_path is None or not info_path.is_file():
        raise PackingUnknown("no local dataset_info.json names the datasets")
    try:
        info = json.loads(read_bounded(info_path, MAX_BYTES).decode("utf-8"))
    except (ReadRefused, OSError, ValueError, RecursionError) as exc:
        raise PackingUnknown(f"{info_path} cannot be read ({exc})") from None
    if not isinstance(info, dict):
        raise PackingUnknown(f"{info_path} does not map dataset names to their files")
    return folder, info


def _examples(config: TrainingConfig, roots: list[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """Alpaca examples of every training dataset, in order, each cut to ``max_samples``."""
    names = raw_value(config, "dataset")
    names = [n.strip() for n in names.split(",")] if isinstance(names, str) else names
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise PackingUnknown("the config names no training dataset")
    if len(names) > 1 and str(raw_value(config, "mix_strategy") or "concat") != "concat":
        raise PackingUnknown("interleaved datasets are mixed at random")
    folder, info = _dataset_info(config, roots)
    cap = as_int(raw_value(config, "max_samples"))
    out: list[dict[str, Any]] = []
    files = []
    for name in names:
        attrs = info.get(name)
        if not isinstance(attrs, dict) or not isinstance(attrs.get("file_name"), str):
            raise PackingUnknown(f"'{name}' is not a local file in {folder / 'dataset_info.json'}")
        if attrs.get("num_samples") is not None:
            raise PackingUnknown(f"'{name}' has num_samples, which picks rows at random")
        if str(attrs.get("formatting") or "alpaca") != "alpaca" or attrs.get("ranking") or \
                isinstance(attrs.get("columns"), dict) and attrs["columns"].get("kto_tag"):
            raise PackingUnknown(f"'{name}' is not in alpaca formatting; the plan converts alpaca examples only")
        data = folder / attrs["file_name"]
        if not data.is_file() or data.suffix not in (".json", ".jsonl") or not inside(data, roots):
            raise PackingUnknown(f"the dataset file {data} is not a local JSON or JSON Lines file")
        written = attrs.get("columns")
        columns: dict[str, Any] = {"prompt": "instruction", "query": "input", "response": "output", "history": None,
                                   "system": None, **(written if isinstance(written, dict) else {})}
        rows = read_records(data)
        if cap is not None and cap > 0:
            rows = rows[:cap]
        for row in rows:
            parts = [row.get(columns[c]) for c in ("prompt", "query") if columns[c] and row.get(columns[c])]
            query = [q for q in parts if isinstance(q, str)]
            if len(query) != len(parts):
                raise PackingUnknown(f"an example of {data.name} has a prompt that is not text")
            history = row.get(columns["history"]) if columns["history"] else None
            response = row.get(columns["response"]) if columns["response"] else None
            system = row.get(columns["system"]) if columns["system"] else ""
            out.append({"prompt": "\n".join(query), "history": history if isinstance(history, list) else [],
                        "response": response if isinstance(response, str) else None,
                        "system": system if isinstance(system, str) else ""})
        files.append(data.name)
    return out, files


def _tokenizer(model: Path, stop_words: tuple[str, ...] = ()) -> tuple[Any, int]:
    """The tokenizer as the template leaves it (its stop words added as special tokens when they are
    new) and the id of the tokenizer's own eos."""
    tokenizer = load_tokenizer(model)
    eos = special_token(model, "eos_token")
    if eos is None or tokenizer.token_to_id(eos) is None:
        raise PackingUnknown(f"the tokenizer in {model} has no eos_token, and LLaMA-Factory adds one")
    new = [word for word in stop_words if tokenizer.token_to_id(word) is None]
    if new:
        from tokenizers import AddedToken

        tokenizer.add_special_tokens([AddedToken(word, special=True, normalized=False) for word in new])
    return tokenizer, tokenizer.token_to_id(eos)


def _template(config: TrainingConfig, model: Path) -> str | None:
    name = raw_value(config, "template")
    if name is None:
        return None if isinstance(tokenizer_settings(model).get("chat_template"), str) else "empty"
    return name if isinstance(name, str) else None


def llamafactory_packed_rows(config: TrainingConfig, roots: list[Path]) -> tuple[int, str]:
    """(packed rows, how they were counted) for a packing LLaMA-Factory config; :class:`PackingUnknown` otherwise."""
    for name in UNFOLLOWED:
        if raw_value(config, name) not in (None, False, ""):
            raise PackingUnknown(f"{name} changes the rows or the tokenizer in ways the plan does not follow")
    if as_number(config.value("val_size")):
        raise PackingUnknown("val_size holds out randomly chosen rows before packing")
    stage = raw_value(config, "stage") or "sft"
    if stage not in ("pt", "sft"):
        raise PackingUnknown(f"stage {stage} does not pack")
    cutoff = as_int(raw_value(config, "cutoff_len"))
    cutoff = CUTOFF_LEN if cutoff is None else cutoff
    # ``DataArguments.__post_init__`` lowers cutoff_len by one when packing is written as true (or
    # neat_packing is); pre-training's packing, switched on later when it is left unset, keeps it
    written = raw_value(config, "packing") is True or raw_value(config, "neat_packing") is True
    capacity = cutoff - 1 if written else cutoff
    if capacity < 1:
        raise PackingUnknown("cutoff_len must be at least 2 with packing")
    if as_int(raw_value(config, "preprocessing_batch_size")) not in (None, MAP_BATCH):
        raise PackingUnknown("preprocessing_batch_size other than 1000 is not followed")
    model = model_folder(config, roots)
    template = _template(config, model)
    examples, files = _examples(config, roots)
    read = f"the {len(examples)} examples of {', '.join(files)}, tokenized with {model.name}'s tokenizer"
    if stage == "pt":
        if template in PRETRAIN_EOS:
            eos, stop_words = PRETRAIN_EOS[template]
        elif template is None or template in KEEP_EOS:
            eos, stop_words = special_token(model, "eos_token") or "", ()
        else:
            raise PackingUnknown(f"template {template!r} may put its stop word in place of the eos token; the plan "
                                 f"knows the eos of {', '.join(sorted([*PRETRAIN_EOS, *KEEP_EOS]))} and no template")
        tokenizer, _ = _tokenizer(model, stop_words)
        if any(e["history"] for e in examples):
            raise PackingUnknown("pre-training examples with a history column take the first turn, which the plan "
                                 "does not follow")
        texts = [e["prompt"] + eos for e in examples]
        lengths = [len(enc.ids) for enc in tokenizer.encode_batch(texts, add_special_tokens=False)]
        rows = pretrain_rows(lengths, capacity)
        if rows == 0:
            raise PackingUnknown(f"{sum(lengths)} tokens make no block of {capacity}: LLaMA-Factory stops "
                                 "(cannot find sufficient samples)")
        return rows, f"{rows} blocks of {capacity} tokens" + (" (cutoff_len - 1)" if written else "") + f" from {read}"
    if template not in TEMPLATES:
        raise PackingUnknown(f"examples are encoded with template {template!r} before packing; the plan encodes "
                             f"the {' and '.join(TEMPLATES)} templates only")
    tokenizer, eos_id = _tokenizer(model)
    lengths = _supervised_lengths(examples, TEMPLATES[template], tokenizer, eos_id, capacity,
                                  raw_value(config, "mask_history") is True)
    rows = supervised_rows(lengths, capacity)
    dropped = len(examples) - len(lengths)
    return rows, (f"{rows} rows of up to {capacity} tokens (cutoff_len - 1), packed greedily from {read} with "
                  f"template {template}" + (f"; {dropped} examples without one response are dropped" if dropped else ""))


def _supervised_lengths(examples: list[dict[str, Any]], slots: dict[str, list[Any]], tokenizer: Any, eos_id: int,
                        cutoff: int, mask_history: bool) -> list[int]:
    cache: dict[str, int] = {}

    def count(text: str) -> int:
        if text not in cache:
            cache[text] = len(tokenizer.encode(text, add_special_tokens=False).ids) if text else 0
        return cache[text]

    def encoded(role: str, content: str) -> int:
        return sum(1 if slot is EOS else count(slot.replace("{{content}}", content)) for slot in slots[role])

    lengths = []
    for example in examples:
        if example["response"] is None:
            continue  # dropped as invalid: no single response
        turns = []
        for pair in example["history"]:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
                raise PackingUnknown("a history entry is not a [prompt, response] pair")
            turns.append(pair)
        turns.append([example["prompt"], example["response"]])
        if mask_history and len(turns) > 1:
            raise PackingUnknown("mask_history with multi-turn examples keeps the last turns first, which the plan "
                                 "does not follow")
        total = 0
        for i, (prompt, response) in enumerate(turns):
            if total >= cutoff:
                break
            source = encoded("user", prompt) + (encoded("system", example["system"]) if i == 0 and
                                                example["system"] else 0)
            source, target = infer_seqlen(source, encoded("assistant", response), cutoff - total)
            total += source + target
        lengths.append(total)
    return lengths
