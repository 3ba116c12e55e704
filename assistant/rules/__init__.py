"""The rules engine: the question pipeline over the notices (pipeline.py lists the stages)."""
