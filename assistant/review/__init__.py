"""The review console (答案评审, issue #8): evaluators grade answers logged by the chat.

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
