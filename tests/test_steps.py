"""The step protocol: Filters with reasons and details, mergeable reports, and the dedup global
steps deciding from keys alone the same way whether records are at hand or spilled."""

from __future__ import annotations

from pipeline.clean.dedup import ExactDedup, NearDedup, folded_texts
from pipeline.config import DedupConfig
from pipeline.records import Dialog, Document, Message
from pipeline.stage import RejectSink, Report
from pipeline.steps import Context, Filter, run_steps


def chat(id: str, user: str, answer: str) -> Dialog:
    return Dialog(
        id=id,
        source=f"t#{id}",
        messages=[Message(role="user", content=user), Message(role="assistant", content=answer)],
    )


class ShortAnswer(Filter):
    name = "test.short"

    def filter(self, record):
        n = len(record.messages[-1].content)
        return n > 3 or (False, "test.too_short", f"{n} chars")


def test_filter_three_tuple_carries_the_detail():
    report = Report()
    with RejectSink(report) as sink:
        kept = list(
            run_steps(
                [ShortAnswer()],
                [chat("a", "q", "yes!"), chat("b", "q", "no")],
                Context(report, sink),
            )
        )
    assert [d.id for d in kept] == ["a"]
    assert report.stage("clean").rejected == {"test.too_short": 1}
    assert report.stage("clean").examples["test.too_short"][0]["detail"] == "2 chars"


def test_reports_merge_counts_examples_and_notes_in_order():
    a, b = Report(), Report()
    for report, ids in ((a, ["x1", "x2"]), (b, ["y1", "y2"])):
        s = report.stage("extract")
        s.seen, s.kept = 5, 3
        s.rejected = {"bad_row": 2}
        s.examples = {"bad_row": [{"id": i} for i in ids]}
        s.notes = {"files": {f"{ids[0]}.csv": {"rows": 5}}, "total": 1}
    a.merge(Report.from_dict(b.to_dict()))
    s = a.stage("extract")
    assert (s.seen, s.kept, s.rejected) == (10, 6, {"bad_row": 4})
    assert [e["id"] for e in s.examples["bad_row"]] == ["x1", "x2", "y1"]  # first 3 in order
    assert s.notes == {"files": {"x1.csv": {"rows": 5}, "y1.csv": {"rows": 5}}, "total": 2}
    a.check_conservation()


def test_summary_table_explains_units_joining_into_records():
    report = Report()
    extract, clean = report.stage("extract"), report.stage("clean")
    extract.seen, extract.kept, extract.rejected = 12, 11, {"empty_row": 1}
    clean.seen = clean.kept = 4  # 11 long-layout rows -> 4 conversations
    assert "11 kept units make 4 records" in report.table().caption
    clean.seen = clean.kept = 11
    assert report.table().caption is None


def decide(step, records):
    """A global step decided over keys, with records fetched by index (as from a spill)."""
    keys = [step.key(r) for r in records]
    return step.decide(
        keys, [r.id for r in records], [True] * len(records), lambda ix: [records[i] for i in ix]
    )


TEXT = (
    "To free disk space on Ubuntu, remove old kernels with apt autoremove, clear the apt cache "
    "with apt clean, and check large folders with du -sh on each directory under your home."
)


def test_near_dedup_clusters_keep_the_first_and_verify_jaccard_splits_weak_links():
    records = [
        chat("a", "Disk space?", TEXT),
        chat("b", "Disk space?", TEXT.replace("old kernels", "unused kernels")),
        chat("c", "Something else entirely?", "Use a graphical disk usage analyzer instead."),
        Document(id="empty", source="t#e", text=""),
    ]
    drops = decide(NearDedup(DedupConfig()), records)
    assert list(drops) == [1] and drops[1][0] == "dedup.near"
    assert drops[1][1].startswith("near-duplicate of a (jaccard ")
    # the same pair with an exact-Jaccard threshold above their similarity: nothing dropped
    assert decide(NearDedup(DedupConfig(verify_jaccard=0.99)), records) == {}
    strict = decide(NearDedup(DedupConfig(verify_jaccard=0.5)), records)
    assert list(strict) == [1]


def test_global_steps_ignore_records_dropped_earlier():
    records = [
        chat("a", "Q?", "Same answer."),
        chat("b", "Q?", "Same answer."),
        chat("c", "Q?", "Same answer."),
    ]
    step = ExactDedup(DedupConfig())
    keys = [step.key(r) for r in records]
    drops = step.decide(keys, ["a", "b", "c"], [False, True, True], lambda ix: [])
    assert drops == {2: ("dedup.exact", "duplicate of b")}
    report = Report()
    with RejectSink(report) as sink:  # streamed in one process: the same decision
        kept = list(step(records, Context(report, sink)))
    assert [r.id for r in kept] == ["a"]


def test_adjacent_global_steps_key_one_batch_and_decide_in_order():
    """Exact then near over the same records: an exact copy goes to exact dedup, a near copy of a
    survivor to near dedup, and a record exact dedup dropped never anchors a near cluster."""
    near_copy = TEXT.replace("old kernels", "unused kernels")
    records = [
        chat("a", "Disk space?", TEXT),
        chat("b", "Disk space?", TEXT),  # exact copy of a
        chat("c", "Disk space?", near_copy),  # near copy of a (and of b)
        chat("d", "Something else entirely?", "Use a graphical disk usage analyzer instead."),
    ]
    cfg = DedupConfig()
    report = Report()
    with RejectSink(report) as sink:
        kept = list(run_steps([ExactDedup(cfg), NearDedup(cfg)], records, Context(report, sink)))
    assert [r.id for r in kept] == ["a", "d"]
    stats = report.stage("clean")
    assert stats.rejected == {"dedup.exact": 1, "dedup.near": 1}
    assert stats.examples["dedup.exact"][0]["detail"] == "duplicate of a"
    assert stats.examples["dedup.near"][0]["detail"].startswith("near-duplicate of a ")


def test_the_shared_folded_texts_follow_a_reused_batch_list():
    """Prepare's record tasks refill one batch list: what the steps share must follow its
    contents, never the list object."""
    batch = [chat("a", "Q?", "First answer."), chat("b", "Q?", "Second answer.")]
    first = list(folded_texts(batch))
    assert folded_texts(batch) == first
    batch[1] = chat("c", "Q?", "THIRD answer.")  # same list, same length, another record
    assert folded_texts(batch) == [first[0], "user: q?\nassistant: third answer."]
    batch.clear()
    assert folded_texts(batch) == []
