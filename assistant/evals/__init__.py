"""Regression evaluation and the consistency audit.

`cases` (our YAML case set) → `runner` (ask every variant) → `metrics` (score each answer) →
`summary` (the run's figures) → `gate` (thresholds) → `report` (report.md, --compare, files).
`devset` is the second suite: the shared development set, graded as its score.py does and
reported beside our cases, never gated. `audit` checks that surface variants of a question get
the same answer; `cli` wires the `eval` and `audit` commands.
"""
