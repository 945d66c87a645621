"""TRL's ``SFTConfig`` for a recipe: the config's hyperparameters plus what the checks need.

``logging_steps=1`` gives a loss for every optimizer step, ``logging_nan_inf_filter=False`` keeps a
NaN loss visible instead of replacing it with the running average, and no checkpoints are written
(the runner saves the adapter itself).
"""

from __future__ import annotations

from pathlib import Path

from . import device as dev


def sft_config(recipe, device: dev.Device, *, gradient_checkpointing: bool):
    from trl import SFTConfig

    kwargs = dict(
        output_dir=str(Path(recipe.output_dir) / "trainer"),
        max_steps=recipe.max_steps,
        num_train_epochs=recipe.num_train_epochs,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.lr_scheduler_type,
        lr_scheduler_kwargs=recipe.lr_scheduler_kwargs or {},
        warmup_steps=recipe.warmup_steps,
        per_device_train_batch_size=recipe.per_device_train_batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        dataloader_drop_last=recipe.dataloader_drop_last,
        weight_decay=recipe.weight_decay,
        max_grad_norm=recipe.max_grad_norm,
        optim=dev.optimizer(recipe, device),
        seed=recipe.seed,
        max_length=recipe.max_seq_length,
        packing=recipe.packing,
        gradient_checkpointing=gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if gradient_checkpointing else None,
        logging_steps=1,
        logging_nan_inf_filter=False,
        include_num_input_tokens_seen="non_padding",
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        disable_tqdm=not recipe.show_progress,
        dataloader_num_workers=0,
        ddp_find_unused_parameters=False if recipe.world_size > 1 else None,
        **dev.precision_flags(recipe, device),
    )
    return SFTConfig(**kwargs)
