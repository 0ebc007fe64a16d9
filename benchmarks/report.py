"""benchmarks/results/*.json -> the README's benchmark table (between its bench-table markers).

Every figure is min / median / max over the repeated runs, the whole process (as a user runs the
command) beside the in-process one, with the machine load the runs started under. A results file
this script does not know is listed by name, so a new benchmark is never silently left out.

    .venv/bin/python benchmarks/report.py [--readme README.md] [--only bench_render ...]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from harness import RESULTS, ROOT

START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def mmm(s: dict[str, Any] | None, unit: str = "") -> str:
    """`min / median / max unit` of a spread, or n/a."""
    if not s:
        return "n/a"
    return f"{s['min']:g} / **{s['median']:g}** / {s['max']:g}{unit}"


def loads(*sides: dict[str, Any]) -> str:
    found = [x.split()[0] for side in sides for x in side.get("load_at_start", [])]
    return f"{min(found)}-{max(found)}" if found else "n/a"


def dedup_rows(r: dict[str, Any]) -> list[list[str]]:
    s, ratios = r["sides"], r["ratios"]
    clean, near, dt = s["rawtune_clean"], s["rawtune_near"], s["datatrove"]
    agree = r["agreement_near_alone_vs_datatrove"]
    planted = r["planted_caught"]
    corpus = (f"{r['corpus']['docs']:,} ShareGPT dialogs incl. {r['corpus']['planted_near_duplicates']}"
              " planted near-dups, 1 worker")  # fmt: skip
    return [
        [f"`bench_dedup.py`: `rawtune clean` (all default rules) vs datatrove MinHash dedup alone; "
         f"{corpus}", mmm(clean["seconds_whole_process"], " s"), "n/a",
         f"{mmm(dt['seconds_whole_process'], ' s')} (in-process {mmm(dt['seconds_in_process'], ' s')})",
         f"{ratios['clean_whole_vs_datatrove_whole']}x", ">= 3x", loads(clean, dt)],
        [f"`bench_dedup.py`: near-dup detection alone, docs/s; removed sets vs datatrove: precision "
         f"{agree['precision_vs_datatrove']}, recall {agree['recall_vs_datatrove']}; planted caught "
         f"{planted['rawtune_near']}/{planted['of']} (datatrove {planted['datatrove']})",
         mmm(near["docs_per_s_whole_process"]), mmm(near["docs_per_s_in_process"]),
         f"{mmm(dt['docs_per_s_whole_process'])} (in-process {mmm(dt['docs_per_s_in_process'])})",
         f"{ratios['near_whole_vs_datatrove_whole']}x whole, "
         f"{ratios['near_in_process_vs_datatrove_in_process']}x in-process", ">= 10x",
         loads(near, dt)],
    ]  # fmt: skip


def sql_rows(r: dict[str, Any]) -> list[list[str]]:
    rows = []
    biggest = {run["layout"]: run for run in r["runs"]}  # runs go small to big: the last of each
    growth = r.get("rss_growth_small_to_big", {})
    cpus = r.get("cpu_affinity", "all")
    pinned = "" if cpus == "all" else f"; both sides pinned to CPU {','.join(map(str, cpus))}"
    for run in biggest.values():
        cli = run["sqlite3_cli"]
        grew = growth.get(run["layout"], {})
        for dialect in ("sqlite", "mysql", "pg_copy", "pg_insert"):
            side = run.get(f"rawtune_extract_{dialect}")
            if side is None:
                continue
            ratio = run["ratio_vs_sqlite3"][f"extract_{dialect}"]
            rows.append([
                f"`bench_sql_extract.py`: {run['layout']} layout, {run['dump_mb'][dialect]:g} MB "
                f"{dialect} dump -> records, MB/s (peak RSS {side['rss_mb']['max']:g} MB, "
                f"x{grew.get('rawtune_extract_' + dialect, '?')} from the small dump; sqlite3 "
                f"{cli['rss_mb']['max']:g} MB{pinned})", mmm(side["mb_per_s"]),
                mmm(side["mb_per_s_in_process"]), f"sqlite3 CLI {mmm(cli['mb_per_s'])}",
                f"{ratio['whole_process']}x whole, {ratio['in_process']}x in-process",
                ">= 0.5x, <= 300 MB", loads(side, cli)])  # fmt: skip
    return rows


def render_rows(r: dict[str, Any]) -> list[list[str]]:
    w = r["whole_process"]
    s = w["sides"]
    ours, trl, floor = s["rawtune_render"], s["trl_prepare_bfd"], s["floor_render_tokenize"]
    cores = w.get("cores", {})
    template = "SmolLM2's own template" if "template" in w else "shipped chatml"
    return [
        [f"`bench_render.py`: `rawtune render` (CLI defaults, {cores.get('rawtune', '?')}) vs TRL "
         f"SFTTrainer preparation (assistant-only loss, BFD packing, {cores.get('trl', '?')}), "
         f"whole processes, {w['dialogs']:,} dialogs, max_length {w['max_length']}, {template}",
         mmm(ours["seconds"], " s"),
         f"{mmm(r['seconds_runs']['rawtune_render_mask'], ' s')} ({r['dialogs']:,} dialogs)",
         f"TRL {mmm(trl['seconds'], ' s')} (in-process {mmm(trl.get('in_process_seconds'), ' s')})",
         f"{w['ratios']['trl_over_rawtune']}x whole, {r['ratios']['trl_over_rawtune']}x in-process",
         ">= 2.5x", loads(ours, trl)],
        ["`bench_render.py`: the same against the floor (transformers render + one batched "
         f"tokenize, no masks); identical ids and masks to TRL on "
         f"{r['agreement_with_trl']['identical']}/{r['agreement_with_trl']['compared']} dialogs",
         mmm(ours["seconds"], " s"), mmm(r["seconds_runs"]["rawtune_render_mask"], " s"),
         f"floor {mmm(floor['seconds'], ' s')} (in-process "
         f"{mmm(floor.get('in_process_seconds'), ' s')})",
         f"{w['ratios']['rawtune_over_floor']}x whole, {r['ratios']['rawtune_over_bare']}x "
         "in-process", "<= 1.5x", loads(ours, floor)],
    ]  # fmt: skip


def pack_rows(r: dict[str, Any]) -> list[list[str]]:
    t = r["truncate_overlong"]
    return [[f"`bench_pack.py`: packing efficiency, {r['dialogs']:,} dialogs, over-long truncated",
             "n/a", f"{t['rawtune']['efficiency']:.2%}",
             f"TRL BFD {t['trl_bfd_default_batches']['efficiency']:.2%}",
             f"{t['ratios']['efficiency_vs_trl_default']:.3f}x", "-", "n/a"]]  # fmt: skip


def train_rows(r: dict[str, Any]) -> list[list[str]]:
    ours, trl = r["rawtune"], r["trl"]
    rate = "supervised_tokens_per_second"
    return [[f"`bench_train.py`: LoRA r16 all-linear SFT of SmolLM2-135M, supervised tokens/s from "
             f"each Trainer's train_runtime; {r['dialogs']:,} ShareGPT dialogs, {r['steps']} steps "
             f"of batch 1, max_length {r['max_length']}, {r['torch_threads']} torch thread(s) on "
             f"CPUs {r['cpu_affinity']}", "n/a",
             f"{ours[rate]:.1f} (prepare {ours['prepare_seconds']:.0f} s before it)",
             f"TRL SFTTrainer defaults {trl[rate]:.1f} (gradient checkpointing "
             f"{'on' if trl['gradient_checkpointing'] else 'off'})",
             f"{r['ratio_supervised_tokens_per_second']:.2f}x", ">= 2x", loads(ours, trl)]]  # fmt: skip


BUILDERS = {"bench_dedup": dedup_rows, "bench_sql_extract": sql_rows,
            "bench_render": render_rows, "bench_pack": pack_rows, "bench_train": train_rows}  # fmt: skip


def run_note(result: dict[str, Any]) -> str:
    """How a results file was made: quick or full inputs, runs per side, what the time budget cut,
    the benchmark's own wall time, when it finished."""
    parts = ["quick mode (small inputs)" if result.get("quick") else "full inputs"]
    runs = result.get("repeats") or result.get("settings", {}).get("repeats")
    runs = runs or result.get("whole_process", {}).get("repeats")
    if runs:
        parts.append(f"{runs} run{'s' if runs != 1 else ''} per side")
    parts += [f"cut by its time budget: {cut}" for cut in result.get("cut_by_budget", [])]
    if result.get("seconds_total"):
        parts.append(f"{result['seconds_total']:g} s in all")
    parts.append(f"finished {result.get('finished', '?')}")
    return ", ".join(parts)


def results_files() -> dict[str, Path]:
    """Each benchmark's results file: its full-size run if there is one, else its quick run."""
    found: dict[str, Path] = {}
    for path in sorted(RESULTS.glob("*.json"), key=lambda p: p.name.endswith(".quick.json")):
        found.setdefault(path.name.removesuffix(".json").removesuffix(".quick"), path)
    return found


def table(only: set[str] | None = None, old: str = "") -> str:
    """The table from every results file; with `only`, just those benchmarks' rows and notes are
    rebuilt and the other rows are kept from `old` (the current table), so a branch that ran one
    benchmark does not drop the others' figures."""
    head = ["benchmark", "rawtune, whole process (min / median / max)", "rawtune, in-process",
            "peer", "ratio (medians)", "target", "load (1-min)"]  # fmt: skip
    rows: dict[str, list[str]] = {}
    notes: dict[str, str] = {}
    for line in old.splitlines():  # kept rows and notes, by benchmark name
        name = re.match(r"\| `(bench_\w+)\.py`|- `(bench_\w+)`:", line)
        if name and (name[1] or name[2]) not in (only or ()):
            if name[1]:
                rows.setdefault(name[1], []).append(line)
            else:
                notes[name[2]] = line
    for name, path in results_files().items():
        if only is not None and name not in only:
            continue
        result = json.loads(path.read_text(encoding="utf-8"))
        build = BUILDERS.get(name)
        note = f"- `{name}`: {run_note(result)}"
        if build is None:
            notes[name] = f"{note}; see `benchmarks/results/{path.name}`"
            continue
        rows[name] = ["| " + " | ".join(row) + " |" for row in build(result)]
        notes[name] = note
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += [line for name in sorted(rows) for line in rows[name]]
    return "\n".join(lines + ["", "Runs:", *(notes[name] for name in sorted(notes))])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", type=Path, default=ROOT / "README.md")
    ap.add_argument("--only", nargs="+", metavar="BENCH", help="rebuild only these (bench_render)")
    args = ap.parse_args()
    text = args.readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{args.readme}: no {START} ... {END} markers")
    old = text[text.index(START) : text.index(END)]
    new_table = table(set(args.only) if args.only else None, old)
    new = text.replace(old, f"{START}\n{new_table}\n", 1)
    args.readme.write_text(new, encoding="utf-8")
    print(new_table)


if __name__ == "__main__":
    main()
