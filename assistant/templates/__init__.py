"""Answer templates for staff: approved answers the chat reuses.

- :mod:`.models`: the tables (templates, their versions) on the shared database;
- :mod:`.store`: create, edit (every save a version), approve, retire, hits, diffs, audit;
- :mod:`.staleness`: what a template was approved against, and whether that still holds;
- :mod:`.fill`: placeholders such as ``{企业名称}`` filled from the session's company facts;
- :mod:`.matching`: which approved template answers a question (e5 cosine + programs);
- :mod:`.io`: import and export as JSON or Excel, all-or-nothing.
"""

from assistant.templates.io import export_json, export_xlsx, format_of, import_bytes
from assistant.templates.matcher import TemplateMatcher
from assistant.templates.template_store import TemplateStore

__all__ = [
    "TemplateMatcher",
    "TemplateStore",
    "export_json",
    "export_xlsx",
    "format_of",
    "import_bytes",
]
