"""What one training process needs to know, as plain JSON: the config's values turned into the
arguments a backend passes to the model loader, PEFT and TRL's ``SFTConfig``.

The runner decides everything here, in the parent process, from the canonical config and the plan;
the worker process (``sftlint.runner.worker``) only executes it. Keeping the decision in one place
means the same recipe drives the ``hf`` and ``unsloth`` backends and a multi-process launch, and
that the choices (a smoke run's step count and warmup, a dataset file's resolved path) are visible
in ``recipe.json`` beside the run's results.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from ..dialects import Dialect

#: LoRA targets used when a config names none: every linear projection of a Llama-style block.
ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class RecipeError(ValueError):
    """A config the runner cannot train as written; the message says what to change."""


@dataclass
class DataFile:
    path: str
    #: ``datasets`` builder: json, csv or parquet.
    builder: str
    #: Which dataset entry of the config the file belongs to (caps apply per entry).
    group: int = 0


@dataclass
class Recipe:
    """Every decision a worker executes, written to ``recipe.json`` beside the run's results."""

    backend: str
    mode: str
    base_model: str
    #: What the user asked for (``synthetic:tiny``, a hub id), for reports; ``base_model`` is the path.
    model_label: str
    output_dir: str
    data_files: list[DataFile]
    #: Use only the first rows of the data (a smoke run's slice, or a cap on the whole set); None: all.
    max_rows: int | None
    #: Use only the first rows of each dataset (LLaMA-Factory's ``max_samples``); None: all.
    max_rows_each: int | None
    #: Rows held out for evaluation, as ``train_test_split``'s ``test_size`` (a fraction or a count).
    val_size: float | None
    learning_rate: float
    lr_scheduler_type: str
    lr_scheduler_kwargs: dict[str, Any]
    #: An int is a step count; a float below 1 is a ratio (transformers >= 5 semantics).
    warmup_steps: float | int
    per_device_train_batch_size: int
    gradient_accumulation_steps: int
    num_train_epochs: float
    max_steps: int
    weight_decay: float
    max_grad_norm: float
    optim: str
    lora_r: int
    lora_alpha: float
    lora_dropout: float
    lora_target_modules: list[str] | str
    use_rslora: bool
    use_dora: bool
    load_in_4bit: bool
    load_in_8bit: bool
    bnb_4bit_quant_type: str
    bnb_4bit_compute_dtype: str
    bnb_4bit_use_double_quant: bool
    max_seq_length: int
    gradient_checkpointing: bool
    bf16: bool
    fp16: bool
    packing: bool
    seed: int
    trust_remote_code: bool = False
    #: Drop each process's last partial batch (the plan's value: the config's, or what the tool sets).
    dataloader_drop_last: bool = False
    show_progress: bool = False
    world_size: int = 1
    notes: list[str] = field(default_factory=list)
    #: Names this run: the worker stamps it on what it writes, so nothing of another run is read.
    run_id: str = ""
    dialect: str | None = None
    #: Build the trainer, write ``trainer_args.json`` and stop without training.
    prepare_only: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path | str) -> "Recipe":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data["data_files"] = [DataFile(**d) for d in data["data_files"]]
        return cls(**data)


BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


def resolve_data_files(datasets: Any, config_dir: Path | None) -> list[DataFile]:
    """Local data files of the config's training datasets (relative to the config, then the cwd)."""
    specs = datasets if isinstance(datasets, list) else [datasets] if datasets else []
    out: list[DataFile] = []
    for group, spec in enumerate(specs):
        if isinstance(spec, str):
            spec = {"path": spec}
        if not isinstance(spec, dict) or spec.get("role", "train") != "train":
            continue
        raw = spec.get("path")
        data_files = spec.get("data_files")
        if data_files:  # ``path: json`` plus ``data_files``, as TRL's dataset mixtures write it
            out += [_data_file(str(f), config_dir, raw, group)
                    for f in ([data_files] if isinstance(data_files, str) else data_files)]
            continue
        if not raw and spec.get("name"):
            raw = _llamafactory_file(spec, config_dir)
        if not raw:
            raise RecipeError(f"dataset entry {spec!r} names no local file")
        found = _find(str(raw), config_dir)
        if found is None:
            raise RecipeError(f"dataset {raw!r} is not a local file (looked beside the config and in the working "
                              "directory); the runner trains on local data only")
        files = sorted(p for p in found.rglob("*") if p.suffix in BUILDERS) if found.is_dir() else [found]
        for f in files:
            if f.suffix not in BUILDERS:
                raise RecipeError(f"{f}: unsupported data file; use .jsonl, .json, .csv or .parquet")
            out.append(DataFile(str(f.resolve()), BUILDERS[f.suffix], group))
    if not out:
        raise RecipeError("the config names no training dataset")
    return out


def _data_file(raw: str, config_dir: Path | None, builder: str | None, group: int = 0) -> DataFile:
    found = _find(raw, config_dir)
    if found is None or not found.is_file():
        raise RecipeError(f"data file {raw!r} is not a local file (looked beside the config and in the working directory)")
    name = builder if builder in ("json", "csv", "parquet") else BUILDERS.get(found.suffix)
    if name is None:
        raise RecipeError(f"{found}: unsupported data file; use .jsonl, .json, .csv or .parquet")
    return DataFile(str(found.resolve()), name, group)


def _find(raw: str, config_dir: Path | None) -> Path | None:
    path = Path(raw).expanduser()
    candidates = [path] if path.is_absolute() else [*(p / path for p in [config_dir] if p), Path.cwd() / path]
    return next((c for c in candidates if c.exists()), None)


def _llamafactory_file(spec: dict, config_dir: Path | None) -> str | None:
    folder = _find(str(spec.get("dataset_dir") or "data"), config_dir)
    info_path = folder / "dataset_info.json" if folder else None
    if info_path is None or not info_path.is_file():
        return None
    entry = json.loads(info_path.read_text(encoding="utf-8")).get(spec["name"]) or {}
    return str(folder / entry["file_name"]) if entry.get("file_name") else None


def _number(values: Mapping[str, Any], name: str, default: Any) -> Any:
    value = values.get(name)
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise RecipeError(f"{name} is {value!r}, not a number") from None
    return value


def _flag(value: Any) -> bool:
    """A precision switch: axolotl's ``auto`` means on where the hardware has it (decided in the worker)."""
    if isinstance(value, str):
        return value.strip().lower() in ("auto", "true", "1", "yes")
    return bool(value)


def smoke_warmup(fraction: float, steps: int) -> int:
    """The same warmup fraction over a smoke run's ``steps``, rounded up (never 0 for a warmup > 0)."""
    return math.ceil(fraction * steps - 1e-9) if fraction > 0 else 0


def build_recipe(values: Mapping[str, Any], plan, *, mode: str, backend: str, base_model: str, model_label: str,
                 output_dir: Path, config_dir: Path | None, steps: int = 10, world_size: int = 1,
                 show_progress: bool = False, run_id: str = "", dialect: str | None = None,
                 tool: Dialect | None = None) -> Recipe:
    """The recipe for ``mode`` ('smoke' uses ``plan`` as a smoke plan already scaled to ``steps``).

    ``tool`` is the config's dialect object, whose conventions the run follows (a plugin's
    dialect too); without it, the built-in dialect named by ``dialect`` or the plan.

    Schedule, batch, length and data slicing come from :mod:`sftlint.runner.mapping`, the one
    mapping from a plan to the Trainer's arguments; the rest are the config's own values.
    """
    from .mapping import MappingError, data_slicing, quantization_arguments, schedule_arguments

    if values.get("finetuning_type") not in (None, "lora"):
        raise RecipeError(f"finetuning_type {values.get('finetuning_type')!r}: the runner trains LoRA/QLoRA adapters only")
    try:
        schedule, notes = schedule_arguments(plan, values, mode, tool)
    except MappingError as exc:
        raise RecipeError(str(exc)) from None
    dialect = dialect or (tool.name if tool is not None else None) or getattr(plan, "dialect", None)
    targets = values.get("lora_target_modules")
    if isinstance(targets, str) and targets.strip().lower() in ("all", "all-linear", "all_linear"):
        targets = "all-linear"  # LLaMA-Factory's ``all`` and PEFT's ``all-linear`` mean the same
    if isinstance(targets, str) and targets != "all-linear":
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    if not targets:
        targets = "all-linear"
    r = int(_number(values, "lora_r", 8))
    return Recipe(
        backend=backend, mode=mode, base_model=base_model, model_label=model_label, output_dir=str(output_dir),
        data_files=resolve_data_files(values.get("datasets"), config_dir),
        **data_slicing(plan, values, mode, steps, world_size, tool), **schedule,
        weight_decay=float(_number(values, "weight_decay", 0.0)),
        max_grad_norm=float(_number(values, "max_grad_norm", 1.0)), optim=str(values.get("optim") or "adamw_torch"),
        lora_r=r, lora_alpha=float(_number(values, "lora_alpha", 2 * r)),
        lora_dropout=float(_number(values, "lora_dropout", 0.0)), lora_target_modules=targets,
        use_rslora=bool(values.get("use_rslora")), use_dora=bool(values.get("use_dora")),
        load_in_4bit=bool(values.get("load_in_4bit")), load_in_8bit=bool(values.get("load_in_8bit")),
        **quantization_arguments(values, dialect, tool),
        max_seq_length=int(_number(values, "max_seq_length", 1024)),
        gradient_checkpointing=bool(values.get("gradient_checkpointing", False)),
        bf16=_flag(values.get("bf16")), fp16=_flag(values.get("fp16")), packing=bool(values.get("packing")),
        seed=int(_number(values, "seed", 42)), trust_remote_code=bool(values.get("trust_remote_code")),
        show_progress=show_progress, world_size=world_size, notes=notes, run_id=run_id, dialect=dialect,
    )


def config_values(config) -> dict[str, Any]:
    """Canonical values of a :class:`~sftlint.config.canonical.TrainingConfig` (or a plain mapping) as a dict."""
    if isinstance(config, Mapping):
        return dict(config)
    return {name: setting.value for name, setting in config.settings.items()}
