"""Small inline SVG charts for the report.

Hand-written (a few dozen lines) rather than matplotlib figures: labels stay real text that the
browser draws with the page's CJK font stack, the numbers stay readable in the DOM (the browser test
reads them), and the page needs no image files. Colours come from CSS classes in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 720
LABEL = 220  # left column for bar labels
ROW = 22


def _svg(height: int, body: str, title: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}"><title>{escape(title)}</title>{body}</svg>'
    )


def stacked(
    rows: Sequence[tuple[str, Sequence[float]]],
    classes: Sequence[str],
    title: str,
    row_classes: Sequence[str] | None = None,
) -> str:
    """Horizontal bars made of segments (e.g. kept + rejected), scaled to the longest bar;
    `row_classes` adds a class per bar (e.g. target vs reached)."""
    top = max((sum(v) for _, v in rows), default=0) or 1
    span = WIDTH - LABEL - 150
    parts = []
    for i, (label, values) in enumerate(rows):
        y = i * ROW + 4
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">{escape(label[:34])}</text>'
        )
        x = float(LABEL)
        extra = f" {row_classes[i]}" if row_classes else ""
        for value, cls in zip(values, classes, strict=True):
            w = span * value / top
            parts.append(
                f'<rect class="{cls}{extra}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW - 6}"/>'
            )
            x += w
        nums = " / ".join(f"{v:g}" for v in values)
        parts.append(f'<text class="num" x="{x + 6:.1f}" y="{y + 13}">{nums}</text>')
    return _svg(len(rows) * ROW + 8, "".join(parts), title)


def histogram(values: Sequence[int], limit: int | None, title: str, bins: int = 40) -> str:
    """Vertical histogram of lengths with a dashed line at `limit` (max_length)."""
    height, base, left = 200, 170, 40
    hi = max([*values, limit or 0, 1])
    width = (WIDTH - left - 20) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int(v * bins / hi), bins - 1)] += 1
    peak = max(counts) or 1
    parts = [f'<line class="axis" x1="{left}" y1="{base}" x2="{WIDTH - 20}" y2="{base}"/>']
    for i, c in enumerate(counts):
        h = (base - 10) * c / peak
        lo_v, hi_v = round(i * hi / bins), round((i + 1) * hi / bins)
        parts.append(
            f'<rect class="bar" x="{left + i * width:.1f}" y="{base - h:.1f}" '
            f'width="{max(width - 1, 1):.1f}" height="{h:.1f}"><title>{lo_v}-{hi_v}: {c}'
            "</title></rect>"
        )
    parts.append(f'<text x="{left}" y="{base + 16}">0</text>')
    parts.append(f'<text x="{WIDTH - 20}" y="{base + 16}" text-anchor="end">{hi}</text>')
    parts.append(f'<text x="{left - 4}" y="14" text-anchor="end">{peak}</text>')
    if limit:
        x = left + (WIDTH - left - 20) * limit / hi
        parts.append(f'<line class="limit" x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{base}"/>')
        parts.append(
            f'<text class="limit-label" x="{x - 4:.1f}" y="14" text-anchor="end">'
            f"max_length {limit}</text>"
        )
    return _svg(height, "".join(parts), title)


def lines(series: dict[str, Sequence[tuple[float, float]]], title: str) -> str:
    """Line chart of (x, y) series sharing axes (loss per step, eval loss per step)."""
    height, base, left, right = 240, 210, 50, WIDTH - 120
    points = [p for s in series.values() for p in s]
    if not points:
        return ""
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
    sx = (right - left) / ((x1 - x0) or 1)
    sy = (base - 10) / ((y1 - y0) or 1)
    parts = [
        f'<line class="axis" x1="{left}" y1="{base}" x2="{right}" y2="{base}"/>',
        f'<text x="{left - 4}" y="14" text-anchor="end">{y1:.3g}</text>',
        f'<text x="{left - 4}" y="{base}" text-anchor="end">{y0:.3g}</text>',
        f'<text x="{left}" y="{base + 18}">{x0:g}</text>',
        f'<text x="{right}" y="{base + 18}" text-anchor="end">step {x1:g}</text>',
    ]
    for k, (name, pts) in enumerate(series.items()):
        xy = " ".join(f"{left + (x - x0) * sx:.1f},{base - (y - y0) * sy:.1f}" for x, y in pts)
        parts.append(f'<polyline class="series s{k}" points="{xy}"/>')
        for x, y in pts if len(pts) < 60 else ():
            cx, cy = left + (x - x0) * sx, base - (y - y0) * sy
            parts.append(f'<circle class="series s{k}" cx="{cx:.1f}" cy="{cy:.1f}" r="2.5"/>')
        parts.append(f'<text class="s{k}" x="{right + 8}" y="{20 + 18 * k}">{escape(name)}</text>')
    return _svg(height, "".join(parts), title)
