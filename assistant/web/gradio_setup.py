"""How every Gradio page of the app is mounted (shared by the public page and the staff pages)."""

from __future__ import annotations

from typing import Any


def gradio_options() -> dict[str, Any]:
    """How every page is mounted: no server-side rendering, the shared style sheet, Chinese
    for the Gradio strings its own table misses, and no Gradio footer (its API and settings
    links are not for the pages' users)."""
    import gradio as gr

    from assistant.web.locale import GRADIO_ZH
    from assistant.web.render import CSS

    return {
        "ssr_mode": False,
        "css": CSS,
        "footer_links": [],
        "i18n": gr.I18n(**{"zh-CN": GRADIO_ZH}),
    }
