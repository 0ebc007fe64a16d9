"""One YAML file drives a run. Pydantic models with extra="forbid" so a typo is an error, not a no-op.

Errors come out as ONE line: `configs/x.yaml: sources.0.layuot: unknown key (did you mean 'layout'?)`.
Stage options live here (not in the stage modules) so that loading a config stays cheap and a bad
config fails before torch or transformers are imported.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import UserError


class Strict(BaseModel):
    """Base for every config section: unknown keys are errors. Schemas are built when a model is
    first used, so a process that needs one section (a worker reading a SQL dump) does not pay
    0.1 s building all of them at import."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


# ---------------------------------------------------------------- sources (extract stage)

Layout = Literal["wide", "alpaca", "long", "text"]


class SourceOptions(Strict):
    """Options every source of records with roles shares: role map, system prompt, mixing label
    and share, answer format."""

    roles: dict[str, str] = Field(
        default_factory=dict, description="raw role value -> user|assistant|system|tool"
    )
    system: str | None = Field(None, description="a system prompt for dialogs that have none")
    name: str | None = Field(None, description="label for mixing and reports; defaults to path")
    weight: float | None = Field(
        None, gt=0, description="target share when mixing (mix.proportions overrides it)"
    )
    answer_format: AnswerFormat | None = None


class TabularSource(SourceOptions):
    """Options shared by CSV and SQL sources: how rows become records (see pipeline/extract/rows.py)."""

    layout: Layout = "wide"
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="record field -> column name, e.g. {user: question, assistant: answer}",
    )


class AnswerFormat(Strict):
    """What assistant turns of a source must look like (checked by the clean stage)."""

    kind: Literal["json", "json_schema", "regex"]
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    pattern: str | None = None


class CsvSource(TabularSource):
    kind: Literal["csv"]
    path: str
    encoding: str | None = Field(None, description="force an encoding; default: detect")
    delimiter: str | None = Field(None, description="default: sniffed (',' or tab)")
    chunksize: int = Field(10_000, gt=0)


class SqlSource(TabularSource):
    kind: Literal["sql"]
    path: str | None = Field(None, description="a .sql dump (file or folder)")
    table: str | None = Field(None, description="dumps: which table")
    url: str | None = Field(None, description="live database, e.g. sqlite:///data/raw/chat.db")
    query: str | None = Field(None, description="live database: the SELECT to run")
    dialect: Literal["auto", "sqlite", "postgresql", "mysql"] = Field(
        "auto", description="dumps: string-literal rules; auto reads the dump's header"
    )
    batch_size: int = Field(1000, gt=0)
    encoding: str | None = Field(
        None,
        description="dumps: force an encoding; default: BOM, SET NAMES / client_encoding, UTF-8",
    )

    @model_validator(mode="after")
    def _path_or_url(self) -> SqlSource:
        if bool(self.path) == bool(self.url):
            raise ValueError("give either `path` (a dump) or `url` + `query` (a live database)")
        if self.url and not self.query:
            raise ValueError("a live database source needs `query`")
        if self.path and not self.table:
            raise ValueError("a dump source needs `table`")
        return self


class HtmlSource(Strict):
    kind: Literal["html"]
    path: str
    mode: Literal["dialog", "document"] = "document"
    preset: Literal["auto", "qa", "forum", "selectors"] | None = Field(
        None, description="dialog shape; default: auto-detect FAQ/<dl>/forum shapes"
    )
    turn_selector: str | None = None
    role_attribute: str | None = Field(None, description="attribute holding the role")
    role_classes: dict[str, str] = Field(default_factory=dict, description="css class -> role")
    roles: dict[str, str] = Field(default_factory=dict, description="raw role value -> role")
    first_role: Literal["user", "assistant"] = "user"
    content_selector: str | None = Field(None, description="within a turn, where the text is")
    forum_rule: Literal["author", "first_post"] = Field(
        "author", description="forum: the original poster's posts are user turns, or only the first"
    )
    author_selector: str | None = Field(None, description="forum: where a post names its author")
    glob: str = "**/*.htm*"
    encoding: str | None = None
    system: str | None = None
    name: str | None = None
    weight: float | None = Field(
        None, gt=0, description="target share when mixing (mix.proportions overrides it)"
    )
    answer_format: AnswerFormat | None = None


class ShapeFields(Strict):
    """Key names in each input record, when they differ from the format's usual ones."""

    messages: str | None = Field(None, description="the turn list (messages / conversations)")
    role: str | None = Field(None, description="a turn's role key (role / from)")
    content: str | None = Field(None, description="a turn's text key (content / value)")
    reasoning: str | None = Field(
        None, description="an assistant turn's reasoning (reasoning_content / reasoning / thinking)"
    )
    id: str | None = Field(None, description="the record's own id, kept in meta (id)")
    system: str | None = Field(None, description="a system prompt key of the record (system)")
    instruction: str | None = None
    input: str | None = None
    output: str | None = None
    history: str | None = Field(None, description="alpaca: earlier [user, assistant] pairs")
    text: str | None = Field(None, description="format text: the document (text)")


class RecordSource(SourceOptions):
    """Options shared by JSON, Parquet and Hugging Face sources: the shape of each record (see
    pipeline/extract/shapes.py)."""

    path: str
    format: Literal["auto", "messages", "sharegpt", "alpaca", "text"] = Field(
        "auto",
        description="auto: per record, by its keys (messages, conversations, instruction, text)",
    )
    fields: ShapeFields = Field(default_factory=ShapeFields)


class JsonSource(RecordSource):
    kind: Literal["json"]
    glob: str = Field("**/*.json*", description="folder: which files (.json, .jsonl, compressed)")
    encoding: str | None = Field(
        None, description="JSON is UTF-8 (BOMs honoured); set this for a legacy export (gb18030)"
    )
    max_record_bytes: int = Field(
        32 << 20, gt=0, description="a longer line or array item is one reject, never held whole"
    )


class ParquetSource(RecordSource):
    kind: Literal["parquet"]
    glob: str = "**/*.parquet"
    batch_size: int = Field(1000, gt=0)


class HfSource(RecordSource):
    kind: Literal["hf"]
    split: str = Field("train", description="which split of the dataset")
    builder: str | None = Field(
        None, description="datasets builder (json, parquet, csv); default: from the file names"
    )
    encoding: str | None = Field(
        None, description="JSON/CSV data files in a legacy encoding (passed to the builder)"
    )


Source = Annotated[
    CsvSource | SqlSource | HtmlSource | JsonSource | ParquetSource | HfSource,
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------- clean stage


class SlopConfig(Strict):
    enabled: bool = True
    phrases_file: str | None = Field(None, description="default: the shipped list")
    add: list[SlopPhrase] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list, description="phrases or ids to disable")
    disable_tiers: list[Literal["refusal", "filler", "style"]] = Field(default_factory=list)
    refusal_action: Literal["drop_dialog", "drop_turn"] = "drop_dialog"
    roles: list[Literal["system", "user", "assistant", "tool"]] = Field(
        default_factory=lambda: ["assistant"]
    )
    style_max_per_1000_words: float = Field(8.0, ge=0)
    style_min_words: int = Field(
        200,
        ge=1,
        description="style score denominator floor, so one word in a short answer never decides",
    )


class SlopPhrase(Strict):
    phrase: str
    tier: Literal["refusal", "filler", "style"]
    source: str = "user config"


class DedupConfig(Strict):
    exact: bool = True
    exact_key: Literal["dialog", "first_user"] = "dialog"
    near: bool = True
    num_perm: int = Field(112, gt=0)
    bands: int = Field(14, gt=0)
    rows: int = Field(8, gt=0)
    word_ngram: int = Field(5, gt=0)
    cjk_char_ngram: int = Field(5, gt=0)
    verify_jaccard: float | None = Field(
        None, ge=0, le=1, description="if set, confirm LSH candidates by exact Jaccard >= this"
    )
    seed: int = 1

    @model_validator(mode="after")
    def _bands_rows(self) -> DedupConfig:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"bands*rows ({self.bands * self.rows}) exceeds num_perm ({self.num_perm})"
            )
        return self


class QualityConfig(Strict):
    enabled: bool = True
    non_alternating: Literal["merge", "reject"] = "merge"
    leading_assistant: Literal["trim", "reject"] = Field(
        "trim",
        description="assistant turns before the first user turn: trim them (as FastChat does for "
        "ShareGPT exports that lost their first user message) or reject the dialog",
    )
    min_chars: int = Field(1, ge=0, description="per dialog, CJK characters count one each")
    max_chars: int = Field(100_000, gt=0)
    max_symbol_ratio: float = Field(0.5, ge=0, le=1)
    max_repeated_line_ratio: float = Field(0.3, ge=0, le=1)
    doc_min_words: int = Field(20, ge=0, description="documents; CJK characters count as words")


class NormalizeConfig(Strict):
    enabled: bool = True
    unicode_form: Literal["NFC", "NFKC", "none"] = "NFC"
    fix_mojibake: bool = True
    collapse_whitespace: bool = True
    strip_tags: bool = True


class CleanConfig(Strict):
    normalize: NormalizeConfig = Field(default_factory=NormalizeConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    slop: SlopConfig = Field(default_factory=SlopConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)


# ---------------------------------------------------------------- render stage


class RenderConfig(Strict):
    template: str = Field("auto", description="shipped name, `auto`, or a path to a .jinja file")
    tokenizer: str | None = Field(None, description="default: the model's tokenizer")
    max_length: int = Field(512, gt=0)
    max_input_length: int | None = Field(None, gt=0)
    max_output_length: int | None = Field(None, gt=0)
    truncation: Literal["drop", "drop_turns"] = "drop_turns"
    train_on: Literal["all_assistant", "last_assistant", "everything"] = "all_assistant"
    system_prompt: str | None = Field(None, description="injected when a dialog has none")
    special_tokens_in_content: Literal["escape", "reject", "allow"] = "escape"
    think_tags: Literal["auto", "extract", "keep"] = Field(
        "auto",
        description="an assistant content opening with <think>...</think>: move it to "
        "reasoning_content (auto: when the template reads reasoning_content) or keep it as text",
    )
    reasoning_turns: Literal["template", "last", "none"] = Field(
        "template",
        description="which assistant turns pass their reasoning to the template: all (the "
        "template decides, as at inference), only the last, or none",
    )
    train_reasoning: bool = Field(
        True, description="train the rendered <think> block of a trained turn, or only its answer"
    )
    audit_samples: int = Field(
        200, ge=-1, description="rows checked against apply_chat_template; -1: all, 0: off"
    )
    batch_size: int = Field(
        256,
        gt=0,
        description="dialogs per batched tokenizer call (its Rust threads use every core)",
    )


# ---------------------------------------------------------------- pack / split / shards


class PackConfig(Strict):
    mode: Literal["sft", "pretrain"] = "sft"
    enabled: bool = True
    max_length: int | None = Field(None, gt=0, description="default: render.max_length")
    block_size: int = Field(512, gt=0, description="pretrain blocks")
    reset_position_ids: bool = Field(True, description="pretrain: restart positions per document")


class MixConfig(Strict):
    by: Literal["samples", "tokens"] = "samples"
    proportions: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="source name -> target share (normalized)"
    )
    allow_upsample: bool = False


class SplitConfig(Strict):
    validation: float = Field(0.1, ge=0, lt=1)
    seed: int = 42


class OutputConfig(Strict):
    dir: str = "data/processed"
    max_rows_per_shard: int = Field(5000, gt=0)


class ExecutionConfig(Strict):
    """Where prepare runs: `local` (a process pool on this machine) or `ray` (Ray Data tasks)."""

    backend: Literal["local", "ray"] = "local"
    workers: int = Field(1, gt=0, description="parallel tasks over input shards")
    address: str | None = Field(
        None, description="ray: a cluster to join (e.g. ray://head:10001); default: start one"
    )
    spill_dir: str | None = Field(
        None,
        description="intermediate files (default: next to the output); on a cluster, shared storage",
    )


# ---------------------------------------------------------------- model / lora / train


class ModelConfig(Strict):
    name_or_path: str = Field(
        "smollm2-135m-instruct",
        description="a local HF folder, a .gguf file, the default alias, or a hub id",
    )
    attn_implementation: Literal["sdpa_varlen", "sdpa", "eager", "flash_attention_2"] = Field(
        "sdpa_varlen",
        description="sdpa_varlen: sdpa one packed sample at a time (trainers/attention.py)",
    )
    dtype: Literal["float32", "bfloat16", "float16", "auto"] = "float32"


class LoraConfig(Strict):
    r: int = Field(8, gt=0)
    alpha: int = Field(16, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | Literal["all-linear"] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"]
    )
    use_dora: bool = Field(False, description="weight-decomposed LoRA (slower per step)")
    use_rslora: bool = Field(False, description="scale by alpha/sqrt(r) instead of alpha/r")
    bias: Literal["none", "all", "lora_only"] = "none"
    modules_to_save: list[str] | None = Field(
        None, description="modules trained in full and saved with the adapter, e.g. [lm_head]"
    )
    quantize: Literal["4bit"] | None = Field(
        None, description="QLoRA: NF4 base via bitsandbytes (CUDA only)"
    )


class TrainConfig(Strict):
    output_dir: str = "outputs"
    run_name: str | None = Field(None, description="default: the config's name")
    max_steps: int = Field(20, description="-1: use num_train_epochs")
    num_train_epochs: float = Field(1.0, gt=0)
    learning_rate: float = Field(2e-4, gt=0)
    per_device_train_batch_size: int = Field(1, gt=0)
    gradient_accumulation_steps: int = Field(1, gt=0)
    warmup_ratio: float = Field(0.0, ge=0, lt=1)
    lr_scheduler_type: str = "cosine"
    weight_decay: float = Field(0.0, ge=0)
    neftune_noise_alpha: float | None = Field(
        None, gt=0, description="NEFTune: uniform noise on the input embeddings while training"
    )
    loraplus_lr_ratio: float | None = Field(
        None, gt=0, description="LoRA+: the B matrices learn this many times faster than A"
    )
    logging_steps: int = Field(1, gt=0)
    eval_steps: int | None = Field(None, gt=0, description="default: evaluate at the end only")
    save_steps: int | None = Field(None, gt=0)
    save_total_limit: int | None = Field(
        2, gt=0, description="checkpoints kept (the best one too when early stopping)"
    )
    gradient_checkpointing: bool = False
    padding_free: bool = Field(True, description="packed rows with position_ids, no padding")
    seed: int = 42
    threads: int | None = Field(None, gt=0, description="torch CPU threads; default: all cores")
    per_device_eval_batch_size: int | None = Field(None, gt=0, description="default: train's")
    early_stopping: int | None = Field(
        None, gt=0, description="patience in evaluations; keeps the best checkpoint"
    )
    generations: int = Field(4, ge=0, description="validation prompts answered by base and adapter")
    max_new_tokens: int = Field(64, gt=0, description="bound on each greedy generation")
    deepspeed: str | None = Field(None, description="DeepSpeed JSON config, passed to the Trainer")
    fsdp: str | None = Field(None, description="FSDP options string, passed to the Trainer")

    @model_validator(mode="after")
    def _checkpoints(self) -> TrainConfig:
        if self.save_steps and self.eval_steps and self.save_steps % self.eval_steps:
            raise ValueError(
                f"save_steps ({self.save_steps}) must be a multiple of eval_steps ({self.eval_steps})"
            )
        if self.early_stopping and not (self.eval_steps and self.save_steps):
            raise ValueError("early_stopping needs eval_steps and save_steps (best checkpoint)")
        return self


# ---------------------------------------------------------------- the whole run


class RunConfig(Strict):
    name: str = "default"
    seed: int = 42
    sources: list[Source] = Field(default_factory=list)
    clean: CleanConfig = Field(default_factory=CleanConfig)
    render: RenderConfig = Field(default_factory=RenderConfig)
    pack: PackConfig = Field(default_factory=PackConfig)
    mix: MixConfig = Field(default_factory=MixConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    lora: LoraConfig = Field(default_factory=LoraConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)

    @property
    def processed_dir(self) -> Path:
        return Path(self.output.dir) / self.name

    @property
    def run_dir(self) -> Path:
        return Path(self.train.output_dir) / (self.train.run_name or self.name)

    def config_hash(self) -> str:
        """Stable hash of the effective config (after defaults and overrides). `execution` is left
        out: where and on how many workers a run goes does not change what it writes."""
        blob = json.dumps(
            self.model_dump(mode="json", by_alias=True, exclude={"execution"}), sort_keys=True
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- loading and errors


def _model_at(path: tuple[int | str, ...], start: Any = None) -> type[BaseModel] | None:
    """The pydantic model that owns the key at `path` (for close-match suggestions)."""
    model: Any = start or RunConfig
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        model.model_rebuild()  # schemas are built on first use: resolve its annotations now
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """Unwrap list[X] / X | None / Annotated[...] to the first BaseModel inside."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _source_model(raw: Any, path: tuple[int | str, ...]) -> type[BaseModel] | None:
    """For keys inside `sources.N`, pick the source model by the item's `kind`."""
    if len(path) >= 3 and path[0] == "sources" and isinstance(path[1], int):
        try:
            kind = raw["sources"][path[1]].get("kind")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return {"csv": CsvSource, "sql": SqlSource, "html": HtmlSource, "json": JsonSource,
                "parquet": ParquetSource, "hf": HfSource}.get(kind)  # fmt: skip
    return None


KINDS = ("csv", "sql", "html", "json", "parquet", "hf")


def format_error(err: dict[str, Any], raw: Any) -> str:
    """One pydantic error as `key.path: message`, with a suggestion for misspelt keys."""
    loc = tuple(p for p in err["loc"] if p not in KINDS)
    key = ".".join(str(p) for p in loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        from difflib import get_close_matches

        owner = _source_model(raw, loc) if len(loc) == 3 else None
        if owner is None and len(loc) > 3 and (source := _source_model(raw, loc)):
            owner = _model_at(loc[2:], source)  # a key nested in a source, e.g. fields.*
        owner = owner or _model_at(loc)
        msg = "unknown key"
        if owner is not None:
            names = [f.alias or n for n, f in owner.model_fields.items()]
            close = get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
            msg += (
                f" (did you mean '{close[0]}'?)"
                if close
                else f" (expected one of: {', '.join(names)})"
            )
        return f"{key}: {msg}"
    if err["type"] == "union_tag_invalid":
        return f"{key}: kind must be one of {', '.join(KINDS)}"
    return f"{key}: {err['msg']} (got {err.get('input')!r})"


def _set_override(data: dict[str, Any], assignment: str) -> None:
    """Apply `a.b.c=value` (value parsed as YAML) to the raw config dict."""
    if "=" not in assignment:
        raise UserError(f"--set {assignment!r}: expected KEY.PATH=VALUE")
    import yaml

    key, value = assignment.split("=", 1)
    parts = key.strip().split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    parsed = yaml.safe_load(value) if value.strip() else ""
    if isinstance(node, list):
        node[int(last)] = parsed
    else:
        node[last] = parsed


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> RunConfig:
    """Read a YAML config (or defaults if None), apply --set overrides, validate; UserError on any problem."""
    import yaml  # here, not at import: a worker that only needs a source model never parses YAML

    raw: dict[str, Any] = {}
    where = str(path) if path else "(defaults)"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise UserError(f"{where}: config file not found")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark else ""
            raise UserError(f"{where}:{line} not valid YAML ({getattr(e, 'problem', e)})") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise UserError(f"{where}: expected a mapping at the top level")
        raw = loaded
    for assignment in overrides or []:
        try:
            _set_override(raw, assignment)
        except (ValueError, IndexError, TypeError, yaml.YAMLError) as e:
            raise UserError(f"--set {assignment!r}: {e}") from None
    try:
        return RunConfig.model_validate(raw)
    except ValidationError as e:
        errors = e.errors()
        first = format_error(errors[0], raw)
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise UserError(f"{where}: {first}{more}") from None
