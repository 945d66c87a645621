from __future__ import annotations

from sftlint import Rule, Severity
from sftlint.dialects.llamafactory import is_v1

from ._checks import run


class LlamaFactoryRejectsConfig(Rule):
    """## What it does
    Reports combinations of settings that `llamafactory-cli train` refuses at start-up, following
    LLaMA-Factory 0.9.5's own checks (`hparams/parser.py` `get_train_args` and the arguments'
    `__post_init__`), those a config file alone can trip:

    - `adapter_name_or_path` without LoRA; on a quantized model: `pissa_init`, `resize_vocab`,
      `create_new_adapter`, `quantization_device_map: auto` when training, `fp8`
    - outside stage `sft`: `predict_with_generate`, `neat_packing`, `train_on_prompt`,
      `mask_history`; in stage `sft`: `do_predict` without `predict_with_generate`
    - stages `rm` and `ppo` with `load_best_model_at_end`; `ppo` without `reward_model`
    - `streaming` without `max_steps`, or with `max_samples`; `do_train` without `dataset`
    - `do_eval`/`do_predict`/`predict_with_generate` with neither `eval_dataset` nor `val_size`
    - `val_size` without `dataset`, or with `eval_dataset`; `interleave_probs` with
      `mix_strategy: concat`; `mask_history` with `train_on_prompt`
    - `predict_with_generate` with `compute_accuracy`; GaLore/APOLLO with `deepspeed`; a vLLM or
      SGLang `infer_backend` for training
    - `dpo_label_smoothing` with a `pref_loss` other than sigmoid; `use_llama_pro` with full
      fine-tuning; LoRA with GaLore, APOLLO or BAdam, or two of those together;
      `loraplus_lr_ratio`, `use_rslora`, `use_dora`, `pissa_init` without LoRA
    - `quantization_bit` without LoRA or OFT, or with more than one adapter; a `finetuning_type`
      other than lora, oft, freeze, full; a `ref_model_quantization_bit` or
      `reward_model_quantization_bit` other than 4 or 8
    - stage `ppo` without `do_train`, with `shift_attn`, with a logger other than wandb,
      tensorboard or trackio, or with a LoRA/OFT `reward_model_type` and another method;
      `pissa_init` in stages ppo, kto, or dpo with a reference model
    - `interleave_probs` with a different number of entries than `dataset`/`eval_dataset`; a
      fractional `val_size` when streaming; no `model_name_or_path`; `image_max_pixels` below
      `image_min_pixels` (and for video); `export_quantization_bit` without
      `export_quantization_dataset`

    Checks that depend on the machine (a GPU's bf16 support, how many processes were launched,
    DeepSpeed's stage inside its own file) are left out. The newer format (`examples/v1/`) has a
    different parser and is not checked.

    ## Why is this bad?
    LLaMA-Factory raises `ValueError` for each of these after its imports, one at a time.

    ## Example
    ```yaml
    stage: dpo
    neat_packing: true
    ```

    ## Use instead
    ```yaml
    stage: dpo
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which setting is the mistake is the author's choice.

    ## References
    - LLaMA-Factory 0.9.5 `src/llamafactory/hparams/parser.py`, `finetuning_args.py`,
      `data_args.py`, `model_args.py`: the findings name 0.9.5, the release read; when each
      check first appeared was not traced
    - `bench/validators/llamafactory_cases.yaml`: 53 configs run through the released
      LLaMA-Factory 0.9.5's `get_train_args` (`check_real.py`); the answers are recorded and the
      test suite checks this rule (with TV003) reports exactly the refused ones
    """

    code = "TV002"
    name = "llamafactory-rejects-config"
    severity = Severity.ERROR
    dialects = frozenset({"llamafactory"})

    def check(self, ctx):
        if is_v1(ctx.document):
            return
        from .llamafactory_checks import CHECKS  # loaded with the first LLaMA-Factory config

        yield from run(ctx, CHECKS, "LLaMA-Factory", "0.9.5")
