"""`sdpa_varlen`: attention over a padding-free row one sample at a time, for hardware without
flash-attn's varlen kernels (CPU, MPS, older GPUs).

transformers runs a packed row through sdpa with a block-diagonal mask: every sample's queries are
scored against the whole row's keys and the mask throws most of that away, and a masked sdpa cannot
use the causal kernel. Slicing the row at its samples' bounds and running causal sdpa on each piece
gives the same numbers for less work: forward+backward of SmolLM2-135M on a 1024-token row took
12-23% less time with four samples, 24-40% less with eight, and the same with one, here. flash-attn does this on CUDA from the same
`cu_seq_lens_q` the padding-free collator hands out; nothing in torch or transformers does it for
sdpa, hence this small adapter. Anything it cannot prove is a row of independent causal samples
(no bounds given, a KV cache, a padded batch, a sliding window) goes to transformers' own sdpa.
"""

from __future__ import annotations

from typing import Any

NAME = "sdpa_varlen"


def varlen_attention(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[Any, None]:
    """Causal sdpa per sample of a (1, heads, length, dim) row cut at `cu_seq_lens_q`; else sdpa."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    bounds = kwargs.get("cu_seq_lens_q")
    if (
        bounds is None
        or query.shape[0] != 1
        or query.shape[2] != key.shape[2]
        or getattr(module, "sliding_window", None)
    ):
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    edges = bounds.tolist()
    pieces = [
        sdpa_attention_forward(
            module,
            query[:, :, start:end],
            key[:, :, start:end],
            value[:, :, start:end],
            None,
            dropout=dropout,
            scaling=scaling,
        )[0]
        for start, end in zip(edges[:-1], edges[1:], strict=True)
    ]
    return torch.cat(pieces, dim=1), None


def register() -> None:
    """Make `attn_implementation="sdpa_varlen"` loadable (masks as sdpa's, for the fallback)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(NAME, varlen_attention)
    AttentionMaskInterface.register(NAME, sdpa_mask)
