"""The grade scale shared by the store, the agreement and the dashboard.

Kept apart so the pure modules (agreement, dashboard) need not import SQLAlchemy.
"""

from __future__ import annotations

GRADES: tuple[str, ...] = ("correct", "partly", "wrong")
GRADE_TEXT = {"correct": "正确", "partly": "部分正确", "wrong": "错误"}
# Accuracy credit of a grade: a partly correct answer is worth half a correct one, so the
# accuracy is the expected share of answers an SME owner could act on without harm.
SCORE = {"correct": 1.0, "partly": 0.5, "wrong": 0.0}
