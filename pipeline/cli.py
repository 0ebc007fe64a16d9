"""The `rawtune` command: each stage runs alone (extract, clean, render) or together (prepare), then train.

Any UserError (bad config, missing file, unreadable input) exits 2 with ONE line on stderr; an
unexpected error prints one line too, with the traceback only when RAWTUNE_DEBUG=1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from pipeline.errors import UserError
from pipeline.gctune import tune_gc

console = Console(stderr=True)


def _add_config_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--config", required=required, help="YAML run config (configs/default.yaml)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config value, e.g. --set train.max_steps=5 (repeatable)",
    )


def cmd_extract(args: argparse.Namespace) -> None:
    import json

    from pipeline.config import load_config
    from pipeline.extract.inputs import input_units
    from pipeline.progress import counted
    from pipeline.run import build_steps
    from pipeline.stage import RejectSink, Report, write_jsonl
    from pipeline.steps import Context, run_steps

    cfg = load_config(args.config, args.overrides)
    report = Report()
    with RejectSink(report, Path(args.rejects)) as sink:
        steps = build_steps(cfg, ["extract"])
        records = run_steps(steps, input_units(cfg.sources), Context(report, sink))
        n = write_jsonl(Path(args.output), counted(records, "extract", console))
    report.check_conservation()
    out = Path(args.output)  # the stage's counts and each file's encoding, as prepare's manifest
    out.with_name(out.stem + ".report.json").write_text(
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    console.print(report.table("extract"))
    console.print(f"{n} records -> {args.output}; rejects -> {args.rejects}")


def cmd_clean(args: argparse.Namespace) -> None:
    """The clean slice of the run's steps, answer formats of the config's sources included."""
    from pipeline.clean import clean_file, clean_table
    from pipeline.config import load_config
    from pipeline.run import answer_formats

    cfg = load_config(args.config, args.overrides)
    report = clean_file(
        Path(args.input), Path(args.output), Path(args.rejects), cfg.clean, answer_formats(cfg)
    )
    console.print(clean_table(report))


def cmd_render(args: argparse.Namespace) -> None:
    from pipeline.config import load_config
    from pipeline.render import render_file
    from pipeline.render.files import render_settings

    run = load_config(args.config, args.overrides) if args.config or args.overrides else None
    cfg, tokenizer, max_length = render_settings(
        run, args.template, args.tokenizer, args.max_length, args.train_on
    )
    report = render_file(Path(args.input), Path(args.output), cfg, tokenizer, max_length)
    console.print(report.table("render"))
    console.print(f"tokens -> {args.output}")


def cmd_prepare(args: argparse.Namespace) -> None:
    from pipeline.config import load_config
    from pipeline.prepare import prepare

    prepare(load_config(args.config, args.overrides), console)


def cmd_train(args: argparse.Namespace) -> None:
    from pipeline.config import load_config
    from trainers.lora_sft import train

    cfg = load_config(args.config, args.overrides)
    train(cfg, console, resume=args.resume)
    if os.environ.get("RANK", "0") == "0" and (cfg.processed_dir / "manifest.json").is_file():
        from pipeline.inspect import write_report  # the report now with the run's results

        console.print(f"report -> {write_report(cfg.processed_dir, run_dir=cfg.run_dir)}")


def cmd_merge(args: argparse.Namespace) -> None:
    from pipeline.config import load_config
    from trainers.merge import merge

    out = merge(
        load_config(args.config, args.overrides), Path(args.output) if args.output else None
    )
    console.print(f"merged model + tokenizer -> {out}")


def cmd_inspect(args: argparse.Namespace) -> None:
    from pipeline.inspect import inspect_path

    out = Console()
    if not out.is_terminal:  # a pipe or file: long lines stay whole, so grep finds them
        out = Console(soft_wrap=True)
    inspect_path(
        Path(args.path),
        n=args.n,
        tokenizer_name=args.tokenizer,
        console=out,
        sample_id=args.id,
        source=args.source,
        rejects=args.rejects,
        reason=args.reason,
        tokens=args.tokens,
        template=args.template,
        train_on=args.train_on,
    )


def cmd_report(args: argparse.Namespace) -> None:
    from pipeline.inspect import write_report
    from pipeline.models import load_tokenizer

    tok = load_tokenizer(args.tokenizer) if args.tokenizer else None
    run = Path(args.run) if args.run else None
    out = write_report(Path(args.dir), Path(args.output), run_dir=run, tokenizer=tok, n=args.n)
    console.print(f"report -> {out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rawtune", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="sources in the config -> records JSONL")
    _add_config_args(p)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--rejects", required=True)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("clean", help="records JSONL -> cleaned records JSONL + rejects")
    p.add_argument("input")
    _add_config_args(p, required=False)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--rejects", required=True)
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("render", help="records JSONL -> input_ids/labels Parquet (no packing)")
    p.add_argument("input")
    _add_config_args(p, required=False)  # the render section prepare uses; flags override it
    p.add_argument("--template", default=None, help="shipped name, auto, or a .jinja path")
    p.add_argument("--tokenizer", default=None, help="model folder, .gguf, or alias")
    p.add_argument("--max-length", type=int, default=None)
    p.add_argument(
        "--train-on", default=None, choices=["all_assistant", "last_assistant", "everything"]
    )
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("prepare", help="extract + clean + render + pack + shards, per config")
    _add_config_args(p)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("train", help="LoRA SFT on the prepared shards")
    _add_config_args(p)
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("merge", help="base model with the trained adapter merged in, + tokenizer")
    _add_config_args(p)
    p.add_argument("-o", "--output", default=None, help="default: outputs/<run>/merged")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("inspect", help="show samples (trained tokens marked) or rejects")
    p.add_argument(
        "path", help="a prepared dir, a shard/tokens .parquet, a records .jsonl or a rejects .jsonl"
    )
    p.add_argument("-n", type=int, default=3, help="samples (or rejects per reason) to show")
    p.add_argument("--id", default=None, help="only the sample with this id (shows its source)")
    p.add_argument("--source", default=None, help="only samples whose source or name contains it")
    p.add_argument("--rejects", action="store_true", help="the prepared dir's rejects instead")
    p.add_argument("--reason", default=None, help="with --rejects: reasons containing this")
    p.add_argument("--tokens", action="store_true", help="also a per-token table")
    p.add_argument("--tokenizer", default=None, help="default: the one in the manifest")
    p.add_argument("--template", default="auto", help="for a records .jsonl: the chat template")
    p.add_argument(
        "--train-on",
        default="all_assistant",
        choices=["all_assistant", "last_assistant", "everything"],
        help="for a records .jsonl",
    )
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("report", help="self-contained HTML report of a prepared dir")
    p.add_argument("dir")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("-n", type=int, default=200, help="samples in the sample browser")
    p.add_argument("--tokenizer", default=None, help="default: the one in the manifest")
    p.add_argument("--run", default=None, help="training run folder (default: from the config)")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    tune_gc()
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except UserError as e:
        console.print(f"[red]error:[/red] {escape(str(e))}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug, not bad input: still one line unless debugging
        if os.environ.get("RAWTUNE_DEBUG"):
            raise
        first = str(e).splitlines()[0] if str(e) else ""
        console.print(
            f"[red]internal error:[/red] {type(e).__name__}: {escape(first)} "
            "(RAWTUNE_DEBUG=1 for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
