"""Invariant 3: a packed row's summed token loss equals the summed losses of its samples run one by one.

Rows are built here from real SmolLM2 chat renders (apply_chat_template) with a prefix-render mask, so
the test does not depend on the render package. Losses are summed from the logits (shift by one) so
sums compare exactly; the model gets position_ids and NO attention_mask, use_cache=False, which is
when transformers builds the block-diagonal mask from position_ids (sdpa, eager), and the samples'
bounds as the padding-free collator hands them out, which sdpa_varlen attends within.
"""

from __future__ import annotations

import pytest

from pipeline.pack import pack_pretrain, pack_sft
from trainers.collators import sample_bounds

IGNORE = -100
ATTN = ["sdpa", "sdpa_varlen", "eager"]
MAX_LEN = 200

DIALOGS = [
    [
        {"role": "user", "content": "How do I list files in a directory on Linux?"},
        {"role": "assistant", "content": "Use `ls -la` to list all files, including hidden ones."},
    ],
    [
        {"role": "user", "content": "用中文解释一下什么是数据库索引。"},
        {
            "role": "assistant",
            "content": "索引是一种数据结构，可以加快查询速度，就像书的目录一样。",
        },
        {"role": "user", "content": "有什么缺点？"},
        {"role": "assistant", "content": "写入会变慢，而且索引本身要占用存储空间。"},
    ],
    [
        {"role": "system", "content": "You answer in one short sentence."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "2 + 2 = 4."},
    ],
    [
        {"role": "user", "content": "Write a haiku about parquet files."},
        {
            "role": "assistant",
            "content": "Columns side by side,\ncompressed rows in quiet pages,\nscans that skip the rest.",
        },
        {"role": "user", "content": "Now one about CSV, mixing English and 中文."},
        {
            "role": "assistant",
            "content": "Commas everywhere 逗号, quotes that break the line, 编码 guessed again.",
        },
    ],
    [
        {"role": "user", "content": "Say hi."},
        {"role": "assistant", "content": "Hi!"},
    ],
]


def _ids(tokenizer, messages, **kw) -> list[int]:
    return list(tokenizer.apply_chat_template(messages, tokenize=True, **kw)["input_ids"])


def sft_row(tokenizer, messages, rid: str) -> dict:
    """A render-stage row: labels are the assistant turns (content + end marker) found by prefix renders."""
    input_ids = _ids(tokenizer, messages)
    labels = [IGNORE] * len(input_ids)
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        start = len(_ids(tokenizer, messages[:i], add_generation_prompt=True))
        end = len(_ids(tokenizer, messages[: i + 1]))
        assert input_ids[:end] == _ids(tokenizer, messages[: i + 1])
        labels[start:end] = input_ids[start:end]
    return {
        "id": rid,
        "source": f"test:{rid}",
        "source_name": "test",
        "input_ids": input_ids,
        "labels": labels,
        "n_tokens": len(input_ids),
        "n_supervised": sum(x != IGNORE for x in labels),
    }


@pytest.fixture(scope="module")
def rows(smol_tokenizer):
    return [sft_row(smol_tokenizer, d, f"d{i}") for i, d in enumerate(DIALOGS)]


@pytest.fixture(scope="module", params=ATTN)
def model(request, smol_tokenizer, tiny_model_factory):
    return tiny_model_factory(len(smol_tokenizer), attn_implementation=request.param)


def token_losses(model, input_ids, labels, position_ids=None, attention_mask=None):
    """Next-token cross-entropy per position (0 where the label is -100), from the logits, float64.

    Shape (batch, length - 1): entry j is the loss of predicting token j + 1.
    """
    import torch

    ids = torch.tensor(input_ids)
    ids = ids if ids.dim() == 2 else ids.unsqueeze(0)
    kwargs = {"use_cache": False}
    if position_ids is not None:
        kwargs["position_ids"] = torch.tensor(position_ids).reshape(ids.shape)
        if ids.shape[0] == 1:  # the bounds the padding-free collator hands out (sdpa_varlen's)
            bounds = torch.tensor(sample_bounds(kwargs["position_ids"][0].tolist()))
            kwargs["cu_seq_lens_q"] = kwargs["cu_seq_lens_k"] = bounds
    if attention_mask is not None:
        kwargs["attention_mask"] = torch.tensor(attention_mask).reshape(ids.shape)
    with torch.no_grad():
        logits = model(input_ids=ids, **kwargs).logits.double()
    shift_labels = torch.tensor(labels).reshape(ids.shape)[:, 1:]
    return torch.nn.functional.cross_entropy(
        logits[:, :-1].transpose(1, 2), shift_labels, ignore_index=IGNORE, reduction="none"
    )


def one_by_one(model, samples):
    """Each sample run alone, per-token losses laid out as in a packed row (0 at each boundary)."""
    import torch

    parts = []
    for k, s in enumerate(samples):
        if k:
            parts.append(torch.zeros(1, dtype=torch.float64))
        parts.append(token_losses(model, s["input_ids"], s["labels"])[0])
    return torch.cat(parts)


def assert_same_losses(got, expected):
    """Summed loss within 1e-4 relative (the invariant), and every token's loss within 1e-4."""
    assert got.sum().item() == pytest.approx(expected.sum().item(), rel=1e-4)
    assert got.shape == expected.shape
    assert (got - expected).abs().max().item() < 1e-4


def test_packed_rows_hold_every_sample_once(rows):
    packed = pack_sft(rows, MAX_LEN)
    assert len(packed) < len(rows), "the fixture should pack several samples per row"
    assert sorted(i for p in packed for i in p["ids"]) == sorted(r["id"] for r in rows)
    by_id = {r["id"]: r for r in rows}
    for p in packed:
        assert len(p["input_ids"]) == len(p["labels"]) == len(p["position_ids"]) <= MAX_LEN
        assert sum(p["seq_lengths"]) == len(p["input_ids"])
        start = 0
        for rid, n in zip(p["ids"], p["seq_lengths"], strict=True):
            assert p["input_ids"][start : start + n] == by_id[rid]["input_ids"]
            assert p["position_ids"][start : start + n] == list(range(n))
            assert p["labels"][start] == IGNORE
            assert p["labels"][start + 1 : start + n] == by_id[rid]["labels"][1:]
            start += n


def test_packed_loss_equals_sum_of_samples(model, rows):
    packed = pack_sft(rows, MAX_LEN)
    by_id = {r["id"]: r for r in rows}
    for p in packed:
        got = token_losses(model, p["input_ids"], p["labels"], position_ids=p["position_ids"])[0]
        assert_same_losses(got, one_by_one(model, [by_id[i] for i in p["ids"]]))


def test_without_position_reset_losses_differ(model, rows):
    """The negative: plain 0..n-1 positions let samples attend to each other, and the check sees it."""
    packed = [p for p in pack_sft(rows, MAX_LEN) if len(p["ids"]) > 1]
    assert packed
    by_id = {r["id"]: r for r in rows}
    for p in packed:
        flat = list(range(len(p["input_ids"])))
        got = token_losses(model, p["input_ids"], p["labels"], position_ids=flat)[0]
        expected = one_by_one(model, [by_id[i] for i in p["ids"]])
        with pytest.raises(AssertionError):
            assert_same_losses(got, expected)
        first = p["seq_lengths"][0]
        assert (
            got[: first - 1] - expected[: first - 1]
        ).abs().max() < 1e-4  # causal: sample 1 unharmed
        assert (got[first:] - expected[first:]).abs().max() > 1e-2


def test_without_first_token_mask_loss_differs(model, rows):
    """The other trap: a trained label at a sample start adds 'last token -> next sample' terms."""
    p = next(p for p in pack_sft(rows, MAX_LEN) if len(p["ids"]) > 1)
    by_id = {r["id"]: r for r in rows}
    labels = list(p["labels"])
    start = 0
    for n in p["seq_lengths"]:
        labels[start] = p["input_ids"][start]
        start += n
    got = token_losses(model, p["input_ids"], labels, position_ids=p["position_ids"])[0]
    expected = one_by_one(model, [by_id[i] for i in p["ids"]])
    assert got.sum().item() > expected.sum().item() * (1 + 1e-3)


def test_padding_free_batch_loss_equals_sum_of_samples(model, rows):
    """The collator's one-row batch (packed rows plus plain rows) against every sample run alone."""
    from trainers.collators import PaddingFreeCollator

    packed = pack_sft(rows, MAX_LEN)
    plain = [{k: r[k] for k in ("input_ids", "labels")} for r in rows[:2]]
    batch = PaddingFreeCollator()(packed + plain)
    assert set(batch) == {"input_ids", "labels", "position_ids", "cu_seq_lens_q", "cu_seq_lens_k"}
    by_id = {r["id"]: r for r in rows}
    order = [by_id[i] for p in packed for i in p["ids"]] + rows[:2]
    got = token_losses(
        model, batch["input_ids"].tolist(), batch["labels"].tolist(), batch["position_ids"].tolist()
    )[0]
    assert_same_losses(got, one_by_one(model, order))


def test_padded_batch_loss_equals_sum_of_samples(model, rows):
    """The padded collator unpacks packed rows into padded samples with an attention mask."""
    from trainers.collators import PaddedCollator

    batch = PaddedCollator(pad_token_id=0)(pack_sft(rows, MAX_LEN))
    assert batch["input_ids"].shape[0] == len(rows)
    got = token_losses(
        model,
        batch["input_ids"].tolist(),
        batch["labels"].tolist(),
        attention_mask=batch["attention_mask"].tolist(),
    )
    assert got.sum().item() == pytest.approx(one_by_one(model, rows).sum().item(), rel=1e-4)


def test_pretrain_blocks_reset_positions_match_documents(model, smol_tokenizer):
    """Documents that fit whole in a block give the same loss as run alone when positions reset."""
    eos = smol_tokenizer.eos_token_id
    texts = ["Parquet stores columns together.", "数据库索引可以加快查询。", "CSV has no types."]
    docs = [
        {
            "id": f"t{i}",
            "source": "test",
            "source_name": "test",
            "input_ids": smol_tokenizer(t)["input_ids"] + [eos],
        }
        for i, t in enumerate(texts)
    ]
    total = sum(len(d["input_ids"]) for d in docs)
    (block,) = list(pack_pretrain(docs, total, reset_position_ids=True))
    got = token_losses(model, block["input_ids"], block["labels"], block["position_ids"])[0]
    assert_same_losses(got, one_by_one(model, [{**d, "labels": d["input_ids"]} for d in docs]))
    (plain,) = list(pack_pretrain(docs, total, reset_position_ids=False))
    assert plain["position_ids"] == list(range(total))
    assert plain["labels"] == plain["input_ids"]


def test_sdpa_varlen_attends_one_sample_at_a_time(
    rows, smol_tokenizer, tiny_model_factory, monkeypatch
):
    """The per-sample path is the one taken for a padding-free row (not the masked fallback):
    one causal sdpa call per sample and layer, each over that sample's tokens alone."""
    import torch
    from transformers.integrations import sdpa_attention

    from trainers.collators import PaddingFreeCollator

    model = tiny_model_factory(len(smol_tokenizer), attn_implementation="sdpa_varlen")
    batch = PaddingFreeCollator()(pack_sft(rows, MAX_LEN)[:2])
    spans = batch["cu_seq_lens_q"].diff().tolist()
    assert len(spans) > 2
    calls: list[tuple[int, bool]] = []
    real = sdpa_attention.sdpa_attention_forward

    def spy(module, query, key, value, attention_mask, **kwargs):
        calls.append((query.shape[2], attention_mask is None))
        return real(module, query, key, value, attention_mask, **kwargs)

    monkeypatch.setattr(sdpa_attention, "sdpa_attention_forward", spy)
    with torch.no_grad():
        model(**{k: v for k, v in batch.items() if k != "labels"}, use_cache=False)
    assert calls == [(n, True) for _ in range(model.config.num_hidden_layers) for n in spans]


@pytest.mark.parametrize("checkpointing", [False, True])
def test_sdpa_varlen_gradients_equal_sdpa(rows, smol_tokenizer, tiny_model_factory, checkpointing):
    """Training sees the same loss and gradients from sdpa_varlen as from sdpa's block-diagonal
    mask on a padding-free batch, with gradient checkpointing too (it replays the kwargs)."""
    import torch

    from trainers.collators import PaddingFreeCollator

    batch = PaddingFreeCollator()(pack_sft(rows, MAX_LEN)[:2])
    grads = {}
    for impl in ("sdpa", "sdpa_varlen"):
        model = tiny_model_factory(len(smol_tokenizer), attn_implementation=impl).train()
        if checkpointing:
            model.gradient_checkpointing_enable()
        loss = model(**batch, use_cache=False).loss
        loss.backward()
        grads[impl] = (loss.detach(), {n: p.grad for n, p in model.named_parameters()})
    (want, want_grads), (got, got_grads) = grads["sdpa"], grads["sdpa_varlen"]
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    for name, grad in want_grads.items():
        torch.testing.assert_close(got_grads[name], grad, rtol=1e-4, atol=1e-6)
