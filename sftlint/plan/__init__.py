"""The training plan derived from a config with transformers' own arithmetic."""

from .model import TrainingPlan

__all__ = ["TrainingPlan"]
