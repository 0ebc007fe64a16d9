"""Rendering and masking: chat templates -> input_ids with exact prompt-masked labels; documents -> ids.

Render each dialog once (the same Jinja machinery as `apply_chat_template`), know its trainable
char spans (assistant content + end-of-turn marker, from `{% generation %}` blocks or by
rendering prefixes), tokenize the batch once, and label the tokens overlapping those spans.
"""

from pipeline.render.audit import audit, audit_or_raise
from pipeline.render.dialogs import DialogRenderer, render_dialogs
from pipeline.render.documents import tokenize_documents
from pipeline.render.files import render_file, render_settings
from pipeline.render.templates import load_chat_template, render_chat, shipped_templates
from pipeline.rows import IGNORE

__all__ = [
    "IGNORE",
    "DialogRenderer",
    "audit",
    "audit_or_raise",
    "load_chat_template",
    "render_chat",
    "render_dialogs",
    "render_file",
    "render_settings",
    "shipped_templates",
    "tokenize_documents",
]
