"""TRL 1.15 on a machine without a GPU driver.

TRL computes its trainers' log-probabilities with a Triton kernel (``ChunkedLogProbFunction``)
that needs a GPU driver and has no CPU path. :class:`TorchLogProbs` gives the same outputs with
PyTorch, so tests can run TRL's real trainers on CPU; it changes no step, batch or learning rate.
"""

from __future__ import annotations


class TorchLogProbs:
    """``ChunkedLogProbFunction.apply``'s outputs, computed by PyTorch on any device."""

    @staticmethod
    def apply(hidden, weight, bias, targets, temperature, chunk_size, softcap=None, logit_scale=1.0,
              outputs=("entropy", "log_sum_sq_probs", "mean_logits", "is_top1")):
        import torch

        logits = torch.nn.functional.linear(hidden, weight, bias).float() * logit_scale
        if softcap is not None:
            logits = softcap * torch.tanh(logits / softcap)
        logits = logits / temperature
        logp = torch.log_softmax(logits, dim=-1)
        chosen = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        probs = logp.exp()
        extra = {
            "entropy": -(probs * logp).sum(-1),
            "log_sum_sq_probs": torch.logsumexp(2 * logp, dim=-1),
            "mean_logits": logits.mean(-1),
            "is_top1": logits.argmax(-1) == targets,
        }
        return (chosen, *(extra[name] if name in outputs else None for name in
                          ("entropy", "log_sum_sq_probs", "mean_logits", "is_top1")))




def use_torch_log_probs(monkeypatch) -> None:
    """Put :class:`TorchLogProbs` in the kernel's place where no CUDA device is present."""
    import torch
    import trl.trainer.utils as utils

    if not torch.cuda.is_available():
        monkeypatch.setattr(utils, "_ChunkedLogProbFunction", TorchLogProbs)


def freeze_heap() -> None:
    """The Trainer calls ``gc.collect()`` at every ``train()``; after the imports that walks torch's and
    transformers' whole heap (over a second each time). Frozen objects are not walked."""
    import gc

    gc.collect()
    gc.freeze()
