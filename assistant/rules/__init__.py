"""The rules engine: the question pipeline over the notices (see pipeline.py for the stages)."""

from .pipeline import Engine, validate_question

__all__ = ["Engine", "validate_question"]
