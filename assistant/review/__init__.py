"""The review console (答案评审): evaluators grade answers logged by the chat.

One role per module, so each can be read and tested alone:

- :mod:`.grades`     the grade scale and the accuracy credit of each grade;
- :mod:`.store`      the grade and promotion tables and the logged answers they refer to;
- :mod:`.queue`      which answers to grade first (negative feedback, low confidence, a sample);
- :mod:`.agreement`  Cohen's kappa between two evaluators;
- :mod:`.promote`    a corrected item appended to the gold answer set (``promoted.yaml``);
- :mod:`.dashboard`  accuracy over time and per program, from the grades;
- :mod:`.console`    the evaluator's actions, checked and audited (what the UI and API call).

Nothing here imports gradio or pandas: the web layer renders.
"""

from assistant.review.console import REVIEW_ROLES, ReviewConsole
from assistant.review.dashboard import Dashboard, Period, to_markdown
from assistant.review.grade_store import MAX_COMMENT, LoggedAnswer, ReviewStore
from assistant.review.grades import GRADE_TEXT, GRADES
from assistant.review.promote import KINDS, Correction
from assistant.review.queue import BUCKET_TEXT, DEFAULT_SAMPLE, DEFAULT_SEED, QueueItem

__all__ = [
    "BUCKET_TEXT",
    "DEFAULT_SAMPLE",
    "DEFAULT_SEED",
    "GRADES",
    "GRADE_TEXT",
    "KINDS",
    "MAX_COMMENT",
    "REVIEW_ROLES",
    "Correction",
    "Dashboard",
    "LoggedAnswer",
    "Period",
    "QueueItem",
    "ReviewConsole",
    "ReviewStore",
    "to_markdown",
]
