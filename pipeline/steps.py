"""The step protocol every stage follows, in the spirit of datatrove's pipeline steps.

A `Step` takes an iterator of items (input shards, records or token rows) and a `Context` (rank,
world size, the run's report and reject sink) and yields items. A `Filter` is a step made of one
`filter(record) -> bool | (bool, reason[, detail])` rule: the base class owns iteration and writes
every drop as a Reject with its reason, so no rule can lose a record silently.

A `GlobalStep` needs to see every record (duplicates): it splits into `key(record)`, computed next
to the per-record steps on each worker, and `decide(keys)`, run once over the keys of all records
in input order. In one process, adjacent global steps run together (`run_global`), as prepare runs
them across workers: each keys the same batches, then each decides in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink, Report, StageStats

R = TypeVar("R", Dialog, Document)
KEY_BATCH = 256  # records per `GlobalStep.keys` call: enough to amortize numpy's per-call cost

# (keep, reason) or (keep, reason, detail); a bare bool uses the filter's name as the reason
FilterResult = bool | tuple[bool, str] | tuple[bool, str, str | None]


@dataclass
class Context:
    """What a step sees besides its input: which worker it is and where counts and rejects go."""

    report: Report
    sink: RejectSink
    rank: int = 0
    world_size: int = 1

    def stats(self, stage: str) -> StageStats:
        return self.report.stage(stage)


class Step:
    """One stage of the pipeline: items in, items out. Subclasses set `name`, `stage`, `__call__`."""

    name: str = "step"
    stage: str = "clean"

    def __call__(self, items: Iterable[Any], ctx: Context) -> Iterator[Any]:
        raise NotImplementedError


class Filter(Step, Generic[R]):
    """A keep/drop rule. Subclasses set `name` and implement `filter`."""

    name: str = "filter"

    def filter(self, record: R) -> FilterResult:
        raise NotImplementedError

    def __call__(self, items: Iterable[R], ctx: Context) -> Iterator[R]:
        return self.run(items, ctx.sink)

    def run(self, records: Iterable[R], sink: RejectSink) -> Iterator[R]:
        """Yield the records this rule keeps; every other one goes to the sink with its reason."""
        for record in records:
            result = self.filter(record)
            if isinstance(result, bool):
                keep, reason, detail = result, self.name, None
            else:
                keep, reason, detail = result[0], result[1], result[2] if len(result) > 2 else None
            if keep:
                yield record
            else:
                sink.reject(record, self.stage, reason or self.name, detail)


Drops = dict[int, tuple[str, str]]  # record index (input order) -> (reject reason, detail)


class GlobalStep(Step):
    """A step that judges each record against all others, in two halves that can run apart."""

    def key(self, record: Dialog | Document) -> Any:
        """What `decide` needs of one record (a hash, a signature), small and picklable."""
        return self.keys([record])[0]

    def keys(self, records: Sequence[Dialog | Document]) -> list[Any]:
        """`key` of each record; a step whose keys are cheaper computed together overrides this
        (callers pass up to `KEY_BATCH` records at a time). Subclasses override one of the two."""
        return [self.key(r) for r in records]

    def decide(
        self,
        keys: Sequence[Any],
        ids: Sequence[str],
        alive: Sequence[bool],
        load: Callable[[Sequence[int]], list[Dialog | Document]],
    ) -> Drops:
        """Which records (indices into `keys`, input order) to drop and why. Records not `alive`
        were dropped by an earlier step and must be ignored; `load` fetches records by index."""
        raise NotImplementedError

    def __call__(self, items: Iterable[Dialog | Document], ctx: Context) -> Iterator[Any]:
        return run_global([self], items, ctx)


def run_global(
    steps: Sequence[GlobalStep], items: Iterable[Dialog | Document], ctx: Context
) -> Iterator[Dialog | Document]:
    """Adjacent global steps in one process, as prepare runs them across workers: every step keys
    the same batches of the records (so steps can share work done on a batch), then each decides
    in order, ignoring the records an earlier one dropped. The survivors come out in input order."""
    records = list(items)  # one process: the records are at hand, no spill needed
    keys: list[list[Any]] = [[] for _ in steps]
    for at in range(0, len(records), KEY_BATCH):
        batch = records[at : at + KEY_BATCH]
        for step, step_keys in zip(steps, keys, strict=True):
            step_keys.extend(step.keys(batch))
    ids = [r.id for r in records]
    alive = [True] * len(records)
    for step, step_keys in zip(steps, keys, strict=True):
        drops = step.decide(step_keys, ids, alive, lambda ix: [records[i] for i in ix])
        for i, (reason, detail) in sorted(drops.items()):
            alive[i] = False
            ctx.sink.reject(records[i], step.stage, reason, detail)
    yield from (record for record, keep in zip(records, alive, strict=True) if keep)


def run_steps(steps: Sequence[Step], items: Iterable[Any], ctx: Context) -> Iterator[Any]:
    """Chain the steps lazily: each pulls from the one before; adjacent global steps run together
    (`run_global`)."""
    at = 0
    while at < len(steps):
        end = at
        while end < len(steps) and isinstance(steps[end], GlobalStep):
            end += 1
        if end > at:
            items = run_global(steps[at:end], items, ctx)  # type: ignore[arg-type]
        else:
            items, end = steps[at](items, ctx), at + 1
        at = end
    return iter(items)


class Count(Step):
    """Counts items entering (`seen`) or leaving (`kept`) a stage: put one at each end of it."""

    name = "count"

    def __init__(self, stage: str, field: str) -> None:
        self.stage, self.field = stage, field

    def __call__(self, items: Iterable[Any], ctx: Context) -> Iterator[Any]:
        stats = ctx.stats(self.stage).__dict__  # plain int writes, as Tally.keep does
        for item in items:
            stats[self.field] += 1
            yield item
