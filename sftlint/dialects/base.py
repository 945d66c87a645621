"""What a dialect adapter knows about one training tool, and the generic reading it shares.

An adapter is mostly data: which of its keys mean which canonical field (:class:`Key`), the tool's
defaults for fields a file leaves out, and how the tool's loader reads YAML (PyYAML's 1.1 rules,
and whether the tool turns a string such as ``"2e-4"`` back into a number afterwards). Code is
needed only for detection and for the few fields a tool derives from several keys.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, NamedTuple

from ..config.canonical import Origin, Setting, TrainingConfig
from ..document import Document, Mapping, Node, Scalar, Sequence
from ..records import field, record
from .objectives import set_objective_and_method
from .top_level import key_set, top_level

if TYPE_CHECKING:
    from ..config.key_snapshots import KeySchema


class Key(NamedTuple):
    """One key of the dialect that holds a canonical field.

    ``path`` is the key as written (nested keys as a tuple); ``read`` converts the tool's value to
    the canonical one (e.g. ``adapter: qlora`` to ``finetuning_type = 'lora'``). The first Key
    listed for a field is where fixes write when the field is not in the file yet.
    """

    path: tuple[str, ...]
    field: str
    read: Callable[[Any], Any] | None = None


@record
class Detection:
    """How well a file matches a dialect, and why: shown by ``--verbose``."""

    dialect: str
    score: float
    reasons: list[str] = field(default_factory=list)


def key(path: str, name: str, read: Callable[[Any], Any] | None = None) -> Key:
    """Shorthand: ``key("training.num_epochs", "num_train_epochs")``."""
    return Key(tuple(path.split(".")), name, read)


class Dialect:
    """Base class of the dialect adapters. Subclasses set the class attributes and ``detect``."""

    name: ClassVar[str]
    #: The tool's name as users know it.
    title: ClassVar[str]
    #: "1.1" when the tool reads configs with PyYAML (``safe_load``), "1.2" for ruamel/json.
    yaml_version: ClassVar[str] = "1.1"
    #: True when the tool converts numeric-looking strings (``"2e-4"``) to numbers afterwards
    #: (argparse, pydantic in lax mode); False when the string reaches the trainer as a string.
    coerces_numeric_strings: ClassVar[bool] = False
    keys: ClassVar[tuple[Key, ...]] = ()
    #: Values the tool uses for fields the file does not set.
    defaults: ClassVar[dict[str, Any]] = {}
    #: Every top-level key the tool accepts (for key rules); empty means "not known".
    known_keys: ClassVar[frozenset[str]] = frozenset()
    #: Keys of which a file for this tool always has one (axolotl requires ``base_model``); empty
    #: means no single key is required.
    required_keys: ClassVar[frozenset[str]] = frozenset()
    #: A file with at least this many top-level keys the tool neither knows nor could be a typo of
    #: (and at least ``FOREIGN_SHARE`` of its keys) is not this tool's config.
    FOREIGN_LIMIT: ClassVar[int] = 3
    FOREIGN_SHARE: ClassVar[float] = 0.15

    # -- the tool's conventions ------------------------------------------------------------------
    # What the tool does around the Trainer, which the plan and the rules ask the dialect instead of
    # testing its name: a plugin dialect sets them for its own tool. The defaults describe a tool
    # that hands the file's values to transformers as they are and adds nothing of its own.

    #: The command users run the tool with, when messages should name it rather than the title.
    command: ClassVar[str | None] = None
    #: Whether the tool stops on a top-level key it does not know (else it drops the key), and what
    #: happens in its words; None says it generically from the title and ``rejects_unknown_keys``.
    rejects_unknown_keys: ClassVar[bool] = False
    unknown_key_effect: ClassVar[str | None] = None
    #: Whether the tool's configs are often read by a project's own script that adds arguments of
    #: its own (HfArgumentParser with several dataclasses): an unknown key may be the script's.
    scripts_add_keys: ClassVar[bool] = False
    #: Whether the tool's loader checks every value's type (pydantic), so a list or mapping where a
    #: scalar belongs stops the run rather than reaching the trainer.
    validates_types: ClassVar[bool] = False
    #: Whether values of enum-like settings reach TrainingArguments (or argparse ``choices``) as
    #: written, so a value transformers does not know stops the run.
    rejects_unknown_values: ClassVar[bool] = False
    #: Enum-like keys whose values the key rules check, by the package whose table of accepted and
    #: removed values applies: ``{package: {key as written: field in that package}}``.
    value_keys: ClassVar[dict[str, dict[str, str]]] = {}
    #: What the tool's loader does with a duplicate key when it stops on one (None: last one wins).
    #: ``{key}`` is replaced by the key.
    duplicate_key_error: ClassVar[str | None] = None
    #: The tool's own keys whose values form a closed set of words of its own (offered as
    #: completions): ``{dotted key: values}``.
    closed_values: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: The snapshots under ``config/schemas_data/`` that hold the tool's defaults, first match wins.
    default_sources: ClassVar[tuple[str, ...]] = ()
    #: Whether ``max_samples`` caps each dataset (LLaMA-Factory) rather than the whole mix.
    max_samples_per_dataset: ClassVar[bool] = False
    #: Whether the tool counts the run itself and always passes ``max_steps`` to the Trainer.
    computes_run_length: ClassVar[bool] = False
    #: Whether the tool derives the save and evaluation strategies from keys of its own (axolotl's
    #: ``saves_per_epoch``), so the Trainer's may differ from the file's until both are written.
    derives_strategies: ClassVar[bool] = False
    #: Whether the tool's own validation refuses ``warmup_steps`` and ``warmup_ratio`` together.
    rejects_warmup_steps_and_ratio: ClassVar[bool] = False
    #: Whether packing is TRL's (``SFTConfig.packing``), which the plan can count from the data.
    packs_with_trl: ClassVar[bool] = False
    #: The tool's own packing that the plan counts (``"axolotl"``'s multipack sampler, ``"llamafactory"``'s
    #: preprocessing); None: the plan does not follow it.
    own_packing: ClassVar[str | None] = None
    #: Whether preference and RL objectives run TRL's own trainers with their checks (TRL's CLI,
    #: transformers scripts) rather than a tool's wrappers of them.
    runs_trl_trainers: ClassVar[bool] = False
    #: The section where the tool keeps the keys of TRL's trainer configs (axolotl's ``trl:``);
    #: they are looked for at the top level first.
    trl_section: ClassVar[str | None] = None
    #: Whether the SFT loss computes logits from ``lm_head.weight`` itself (TRL's fused head), so a
    #: LoRA adapter on ``lm_head`` is never applied.
    loss_bypasses_lm_head: ClassVar[bool] = False
    #: The fused cross-entropy the tool always uses, by name (None: the loss the config chooses).
    fused_loss: ClassVar[str | None] = None
    #: Top-level switches that turn on Liger's fused linear cross-entropy (transformers' and TRL's
    #: ``use_liger_kernel``, LLaMA-Factory's ``enable_liger_kernel``).
    liger_keys: ClassVar[tuple[str, ...]] = ("use_liger_kernel", "enable_liger_kernel")
    #: Whether the tool scales RoPE itself when the sequence length exceeds the model's positions.
    scales_rope: ClassVar[bool] = False
    #: A boolean key that adapts every linear layer whatever ``lora_target_modules`` lists.
    all_linear_key: ClassVar[str | None] = None
    #: Whether an unset ``lora_target_modules`` leaves the choice to PEFT's per-architecture default.
    peft_default_targets: ClassVar[bool] = False
    #: The key that lists parameters (MoE experts) for LoRA, when the tool has one.
    target_parameters_key: ClassVar[str | None] = None
    #: What the tool's model loader uses for 4-bit settings the config leaves out
    #: (``bnb_4bit_quant_type``, ``bnb_4bit_use_double_quant``).
    loader_4bit_defaults: ClassVar[dict[str, Any]] = {}

    def detect(self, document: Document) -> Detection:
        raise NotImplementedError

    def foreign_share(self, document: Document) -> float:
        """The share of foreign keys above which a file is not this tool's (see ``abstain``)."""
        return self.FOREIGN_SHARE

    def accepted_keys(self) -> frozenset[str]:
        """The keys the tool knows, and those that older releases knew (they are the tool's, if stale)."""
        cached = self.__dict__.get("_accepted_keys")
        if cached is None:
            cached = self.__dict__["_accepted_keys"] = self._accepted_keys()
        return cached

    def __getstate__(self) -> dict:
        # A worker process sends each file's dialect choice back to the parent: the key cache is
        # rebuilt on demand there, and not pickling it per file keeps the results small.
        state = dict(self.__dict__)
        state.pop("_accepted_keys", None)
        return state

    def key_schema(self) -> KeySchema | None:
        """Every key the tool accepts, the kinds of value each takes and the keys it removed (for
        the key rules, ``sftlint schema`` and the editor); None when not known. The built-in
        tools' are built from the snapshots under ``config/schemas_data/``; a plugin dialect returns its own."""
        from ..config.key_snapshots import for_dialect

        return for_dialect(self.name)

    def _accepted_keys(self) -> frozenset[str]:
        try:
            schema = self.key_schema()
        except (FileNotFoundError, KeyError):
            schema = None
        removed = frozenset(schema.removed) if schema is not None else frozenset()
        return self.known_keys | removed | frozenset(getattr(self, "hallmarks", ()))

    def abstain(self, document: Document) -> str | None:
        """Why a file that scored for this tool is still not its config (None: it is).

        Detection scores evidence for a tool; this says when evidence against it outweighs it: a
        key every config of the tool has is missing, or several keys are fields of no class the
        tool reads (a training script's own arguments, or another tool's config).
        """
        top = top_level(document)
        keys = top.keys
        if self.required_keys and self.required_keys.isdisjoint(top.key_set):
            if len(self.required_keys) == 1:
                return f"no '{next(iter(self.required_keys))}', which every {self.title} config has"
            shown = ", ".join(sorted(self.required_keys)[:4])
            return f"none of the keys that mark a {self.title} config ({shown}, ...)"
        if not self.known_keys:
            return None
        accepted = self.accepted_keys()
        unknown = len(top.plain) - len(accepted.intersection(top.plain))
        if unknown < self.FOREIGN_LIMIT or unknown < self.foreign_share(document) * len(keys):
            return None  # the foreign keys are some of these: not enough of them, typos or not
        from .evidence import foreign_keys

        foreign = foreign_keys(document, accepted)
        if len(foreign) >= self.FOREIGN_LIMIT and len(foreign) >= self.foreign_share(document) * len(keys):
            shown = ", ".join(foreign[:4]) + (", ..." if len(foreign) > 4 else "")
            return (f"{len(foreign)} of {len(keys)} top-level keys ({shown}) are not {self.title} fields: "
                    "a training script's own arguments or another tool's config")
        return None

    # -- values as the tool's loader sees them -------------------------------------------------
    def scalar_value(self, node: Scalar) -> Any:
        """The value the tool's loader gives one scalar: the place to override how a tool reads
        scalars, since :meth:`node_value` reads every scalar, nested ones too, through it."""
        value = node.value11 if self.yaml_version == "1.1" else node.value12
        if self.coerces_numeric_strings and isinstance(value, str) and node.plain:
            value = node.value12
        return value

    def node_value(self, node: Node, _depth: int = 0) -> Any:
        """The Python value the tool's loader builds for ``node`` (aliases are not expanded twice);
        scalars, at any depth, are read by :meth:`scalar_value`. A dialect that overrides this
        method instead is called for the scalars inside lists and mappings too."""
        if isinstance(node, Scalar):
            return self.scalar_value(node)
        if _depth > 20:
            return None
        if type(self).node_value is Dialect.node_value:
            scalar = self.scalar_value  # a scalar inside is converted directly: most values are scalars
        else:  # an override of this method (a plugin's dialect) sees every value, as it always has
            scalar = partial(self.node_value, _depth=_depth + 1)
        if isinstance(node, Mapping):
            return {k.text: scalar(v) if isinstance(v, Scalar) else self.node_value(v, _depth + 1)
                    for k, v in node.pairs if isinstance(k, Scalar)}
        if isinstance(node, Sequence):
            return [scalar(item) if isinstance(item, Scalar) else self.node_value(item, _depth + 1)
                    for item in node.items]
        return None

    # -- reading into the canonical model -------------------------------------------------------
    def key_path(self, field_name: str) -> tuple[str, ...] | None:
        """The dialect's own key for a canonical field (where a fix writes it)."""
        for k in self.keys:
            if k.field == field_name:
                return k.path
        return None

    def read(self, document: Document) -> TrainingConfig:
        if document.is_json and self.yaml_version != "1.2":
            # A .json config reaches the tool through json.load, whose numbers are YAML 1.2's
            # (``1e-4`` is a float), whatever the tool does with YAML files.
            import copy

            reader = copy.copy(self)
            reader.yaml_version = "1.2"
            return reader.read(document)
        config = TrainingConfig(self, document)
        # filled here through its own dict: this loop runs for every key of every file
        settings = config.settings
        root = document.root
        present = key_set(document)
        for k in self.keys:
            first = k.path[0]
            if first not in present:
                continue  # most of the tool's keys are not in a given file: no lookup for those
            earlier = settings.get(k.field)
            if earlier is not None and earlier.origin is Origin.FILE:
                continue  # an earlier (preferred) key already set it
            entry = document.lookup(k.path) if k.path[1:] else root.entry(first)
            if entry is None:
                continue
            key_node, value_node = entry
            value = self.node_value(value_node)
            if k.read is not None:
                try:
                    value = k.read(value)
                except (TypeError, ValueError):
                    pass  # keep the raw value; type rules report it
            settings[k.field] = Setting(k.field, value, Origin.FILE, k.path, key_node, value_node)
        note = f"{self.title} default"
        for name, value in self.defaults.items():
            if settings.get(name) is None:
                settings[name] = Setting(name, value, Origin.DEFAULT, note=note)
        self.derive(config)
        set_objective_and_method(config)
        return config

    def derive(self, config: TrainingConfig) -> None:
        """Fill fields the tool computes from several keys. Subclasses override as needed."""

    # -- the tool's conventions, where they need code ---------------------------------------------
    def answers_to(self, names: Iterable[str]) -> bool:
        """Whether this is one of the dialects ``names`` (a rule's or a check's ``dialects``)."""
        return self.name in names

    def objective(self, config: TrainingConfig) -> tuple[str, str]:
        """(what the run trains for: ``sft``, ``dpo``, ``grpo`` ..., why) as the tool decides it
        from the file (a stage key, a trainer section, the keys of one trainer's config)."""
        return "sft", f"{self.title} fine-tunes"

    def runs_trl_grpo(self, config: TrainingConfig) -> bool:
        """Whether a GRPO run goes through TRL's ``GRPOConfig``, whose batch arithmetic the plan follows."""
        return self.runs_trl_trainers

    def validated_by_trainer(self, document: Document) -> bool:
        """Whether the file's arguments go through TrainingArguments' own validation."""
        return True

    def adjust_trainer_arguments(self, config: TrainingConfig, inputs: Any, plan: Any, args: dict[str, Any]) -> None:
        """Change ``args``, the ``TrainingArguments`` values the Trainer's loop reads, as the tool
        does before it hands them on (run length, warmup, logging, checkpoints). ``inputs.get``
        reads an input and records its source, ``inputs.sources`` and ``plan.notes`` say what the
        tool changed. The default passes the file's values on."""

    def objective_learning_rate(self, objective: str) -> tuple[float, str] | None:
        """(the learning rate, its source) when the tool's config for ``objective`` has a default
        of its own that the file does not override; None keeps the dialect's default."""
        return None

    def fill_scheduler_kwargs(self, name: str, kwargs: dict[str, Any], warmup: int, total: int) -> dict[str, Any]:
        """``lr_scheduler_kwargs`` as the tool completes them for the schedule ``name``."""
        return kwargs

    def fused_loss_of(self, config) -> str | None:
        """The cross-entropy that never holds the whole logits tensor which the tool uses for
        ``config``, by name; None for the plain loss (the memory estimate then counts every logit)."""
        if self.fused_loss:
            return self.fused_loss
        if config.value("loss_type") == "chunked_nll":
            return "TRL's chunked_nll loss"
        if any(config.raw(key) is True for key in self.liger_keys):
            return "Liger's fused linear cross-entropy"
        return self.integration_fused_loss(config.raw)

    def integration_fused_loss(self, value_of: Callable[[str], Any]) -> str | None:
        """The fused cross-entropy an integration the file turns on brings, by name (None: none);
        ``value_of(key)`` reads a top-level key as the tool's loader does."""
        return None
