"""Documents -> token rows for pretraining: text + EOS (packing into blocks is pack.py's job).

Document text is encoded as plain text: special-token strings inside scraped pages
(`<|endoftext|>` in a code listing) never become control tokens; EOS is appended by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from pipeline.errors import UserError
from pipeline.records import Document
from pipeline.stage import RejectSink, Report

STAGE = "render"
BATCH = 256


def tokenize_documents(
    docs: Iterable[Document], tokenizer: Any, report: Report, sink: RejectSink
) -> Iterator[dict[str, Any]]:
    """Yield {id, source, source_name, input_ids} per document (ids end with EOS); empty ones are Rejects."""
    eos = tokenizer.eos_token_id
    if eos is None:
        raise UserError("the tokenizer has no EOS token; pretraining blocks need one")
    stats = report.stage(STAGE)
    it = iter(docs)
    while batch := list(islice(it, BATCH)):
        stats.seen += len(batch)
        kept = [d for d in batch if d.text.strip()]
        for d in batch:
            if not d.text.strip():
                sink.reject(d, STAGE, "empty_document")
        if not kept:
            continue
        ids = tokenizer(
            [d.text for d in kept],
            add_special_tokens=False,
            split_special_tokens=True,
            return_attention_mask=False,
        )["input_ids"]
        for d, row_ids in zip(kept, ids, strict=True):
            stats.kept += 1
            yield {
                "id": d.id,
                "source": d.source,
                "source_name": d.source_name,
                "input_ids": [*row_ids, eos],
            }
