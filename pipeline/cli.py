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
    from pipeline.render import render_file

    report = render_file(
        Path(args.input),
        Path(args.output),
        template=args.template,
        tokenizer=args.tokenizer,
        max_length=args.max_length,
        train_on=args.train_on,
    )
    console.print(report.table("render"))
    console.print(f"tokens -> {args.output}")


def cmd_prepare(args: argparse.Namespace) -> None:
    from pipeline.config import load_config
    from pipeline.prepare import prepare

    prepare(load_config(args.config, args.overrides), console)


def cmd_train(args: argparse.Namespace) -> None:
    from pipeline.config import load_config
    from trainers.lora_sft import train

    train(load_config(args.config, args.overrides), console)


def cmd_inspect(args: argparse.Namespace) -> None:
    from pipeline.inspect import inspect_path

    inspect_path(Path(args.path), n=args.n, tokenizer_name=args.tokenizer, console=Console())


def cmd_report(args: argparse.Namespace) -> None:
    from pipeline.inspect import html_report

    out = html_report(Path(args.dir), Path(args.output), n=args.n, tokenizer_name=args.tokenizer)
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
    p.add_argument("--template", default="auto", help="shipped name, auto, or a .jinja path")
    p.add_argument("--tokenizer", required=True, help="model folder, .gguf, or alias")
    p.add_argument("--max-length", type=int, default=None)
    p.add_argument(
        "--train-on",
        default="all_assistant",
        choices=["all_assistant", "last_assistant", "everything"],
    )
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("prepare", help="extract + clean + render + pack + shards, per config")
    _add_config_args(p)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("train", help="LoRA SFT on the prepared shards")
    _add_config_args(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("inspect", help="show rendered samples with trained tokens highlighted")
    p.add_argument("path", help="a prepared dir, a shard/tokens .parquet, or a records .jsonl")
    p.add_argument("-n", type=int, default=3)
    p.add_argument("--tokenizer", default=None, help="default: the one in the manifest")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("report", help="HTML report of a prepared dir")
    p.add_argument("dir")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("-n", type=int, default=20)
    p.add_argument("--tokenizer", default=None)
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
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
