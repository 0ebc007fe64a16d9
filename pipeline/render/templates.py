"""Chat templates: find one (shipped name | auto | path) and render it exactly as `apply_chat_template` does.

The Jinja environment mirrors the one transformers builds for `apply_chat_template` (sandboxed,
trim/lstrip blocks, loopcontrols, `raise_exception`, `strftime_now`, its `tojson`, and a
`{% generation %}` tag). It is written here rather than borrowed because transformers keeps its
compiler private (`_compile_jinja_template`) and because we need the generation spans with a
running length instead of re-joining the output at every block; the audit checks the result
against `apply_chat_template` itself.
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipeline.errors import UserError

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")

Span = tuple[int, int]


def shipped_templates() -> list[str]:
    """Names of the templates in templates/ (usable as `template: NAME`)."""
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.jinja"))


def load_chat_template(spec: str, tokenizer: Any) -> str:
    """The template text for `spec`: a shipped name, `auto` (the tokenizer's own), or a .jinja path."""
    if spec == "auto":
        template = getattr(tokenizer, "chat_template", None)
        if isinstance(template, dict):  # several named templates: the default one
            template = template.get("default")
        if not template:
            raise UserError(
                "template: auto, but the tokenizer has no chat_template; "
                f"use one of: {', '.join(shipped_templates())}"
            )
        return template
    path = Path(spec)
    if path.suffix == ".jinja" or path.is_file():
        if not path.is_file():
            raise UserError(f"{spec}: template file not found")
        text = path.read_text(encoding="utf-8")
    elif (TEMPLATES_DIR / f"{spec}.jinja").is_file():
        text = (TEMPLATES_DIR / f"{spec}.jinja").read_text(encoding="utf-8")
    else:
        raise UserError(
            f"template {spec!r}: not a shipped template ({', '.join(shipped_templates())}), "
            "'auto', or a .jinja file"
        )
    try:
        compile_template(text)
    except jinja2.TemplateSyntaxError as e:
        raise UserError(f"{spec}: line {e.lineno}: template syntax error ({e.message})") from None
    return text


def has_generation_markers(template: str) -> bool:
    """True if the template marks assistant output with `{% generation %}` blocks."""
    return bool(GENERATION_TAG.search(template))


class _GenerationTracker(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}`: renders its body unchanged, recording its char span."""

    tags = {"generation"}

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(track_generation=self.track)
        self._local = threading.local()  # the renderer renders the next batch in a thread

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.CallBlock:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_generation"), [], [], body).set_lineno(
            lineno
        )

    def _generation(self, caller: Any) -> str:
        rv = caller()
        state = getattr(self._local, "state", None)
        if state is not None:
            start = state["length"]
            state["spans"].append((start, start + len(rv)))
        return rv

    @contextmanager
    def track(self, state: dict[str, Any]):
        self._local.state = state
        try:
            yield
        finally:
            self._local.state = None


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(x: Any, ensure_ascii=False, indent=None, separators=None, sort_keys=False) -> str:
    # As transformers: no HTML escaping, and the json.dumps options exposed.
    return json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


class _TemplateNamespace(jinja2.utils.Namespace):
    """`namespace()` refusing underscore attributes, as transformers' sandbox does."""

    def __init__(*args: Any, **kwargs: Any) -> None:
        self, args = args[0], args[1:]
        attrs = dict(*args, **kwargs)
        for name in attrs:
            _TemplateNamespace._check(name)
        jinja2.utils.Namespace.__init__(self, attrs)

    def __setitem__(self, name: str, value: Any) -> None:
        _TemplateNamespace._check(name)
        jinja2.utils.Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check(name: Any) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise jinja2.exceptions.SecurityError(f"namespace attribute {name!r} not allowed")


class _TemplateDict:
    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any, **kwargs: Any) -> dict:
        return dict.fromkeys(*args, **kwargs)


@lru_cache(maxsize=32)
def compile_template(template: str) -> jinja2.Template:
    """Compile once per template text, in a fresh sandboxed environment (the tracker holds state)."""
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[_GenerationTracker, jinja2.ext.loopcontrols],
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    env.globals["dict"] = _TemplateDict()
    env.globals["namespace"] = _TemplateNamespace
    return env.from_string(template)


@lru_cache(maxsize=32)
def template_literals(template: str) -> tuple[str, ...]:
    """Every literal string of a template (its text and string constants), in no particular order."""
    ast = compile_template(template).environment.parse(template)
    literals = {n.data for n in ast.find_all(jinja2.nodes.TemplateData)}
    literals |= {n.value for n in ast.find_all(jinja2.nodes.Const) if isinstance(n.value, str)}
    return tuple(sorted(literals))


def template_variables(tokenizer: Any) -> dict[str, Any]:
    """The variables apply_chat_template passes besides messages: the special tokens map."""
    return dict(tokenizer.special_tokens_map)


def render_chat(
    template: str,
    messages: list[dict[str, str]],
    variables: dict[str, Any],
    add_generation_prompt: bool = False,
) -> tuple[str, list[Span]]:
    """Render messages; returns the text and the char spans of its `{% generation %}` blocks."""
    compiled = compile_template(template)
    state: dict[str, Any] = {"length": 0, "spans": []}
    blocks: list[str] = []
    with compiled.environment.track_generation(state):
        for block in compiled.generate(
            messages=messages,
            tools=None,
            documents=None,
            add_generation_prompt=add_generation_prompt,
            **variables,
        ):
            blocks.append(block)
            state["length"] += len(block)
    return "".join(blocks), state["spans"]


# ---------------------------------------------------------------- recognising a tokenizer's template

_PROBES: list[list[dict[str, str]]] = [
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
    [
        {"role": "system", "content": " Be brief.\n"},
        {"role": "user", "content": "\n2+2? "},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "  And 3+3?\n"},
        {"role": "assistant", "content": " 6 \n"},
    ],
    [
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": "你好！", "reasoning_content": "想一想"},
        {"role": "user", "content": "再见"},
        {"role": "assistant", "content": "<think>\n要走了\n</think>\n\n再见。"},
    ],
    [
        {"role": "system", "content": ""},
        {"role": "user", "content": ""},
        {"role": "assistant", "content": ""},
    ],
]


def _probe(template: str, variables: dict[str, Any]) -> list[str]:
    """The template's renderings of the probe dialogs, finished and prompted (an error is a value)."""
    out = []
    for probe in _PROBES:
        for messages, agp in ((probe, False), (probe[:-1], True)):
            try:
                out.append(render_chat(template, messages, variables, agp)[0])
            except Exception as e:  # a template refusing a probe is part of what it does
                out.append(f"error: {type(e).__name__}")
    return out


@lru_cache(maxsize=16)
def _shipped_equivalent(template: str, variables_json: str) -> str | None:
    variables = json.loads(variables_json)
    target = _probe(template, variables)
    for name in shipped_templates():
        shipped = (TEMPLATES_DIR / f"{name}.jinja").read_text(encoding="utf-8")
        if _probe(shipped, variables) == target:
            return name
    return None


def shipped_equivalent(template: str, variables: dict[str, Any]) -> str | None:
    """The shipped generation-tagged template rendering as `template` does on probe dialogs (by
    output, not by name: the Qwen3 or DeepSeek-R1 template of any checkpoint), or None. Its blocks
    are used for a dialog only when both render that dialog alike."""
    if has_generation_markers(template):
        return None
    return _shipped_equivalent(template, json.dumps(variables, sort_keys=True, default=str))
