"""申报助手: eligibility, checklists and cited answers for Shandong enterprise programs.

The public API is small on purpose; everything else is internal.
"""

from assistant.config import Settings
from assistant.errors import AssistantError

__all__ = ["AssistantError", "Settings"]
