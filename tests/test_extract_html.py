"""HTML extraction: CJK-aware text (no spaces between Chinese characters, English words apart),
readable blocks, declared charsets as WHATWG reads them, dialog shapes, rejects, conservation;
on real pages (Debian's Chinese reference, the Python docs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4.element import Comment
from conftest import real_data

from pipeline.config import HtmlSource
from pipeline.extract import extract
from pipeline.extract.encoding import declared_html_charset, decode_html_bytes, whatwg_codec
from pipeline.extract.htmltext import element_text, page_text, parse_html
from pipeline.stage import RejectSink, Report

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
CJK_SPACE_CJK = re.compile(f"(?<={CJK})[ \\t\\xa0]+(?={CJK})")


def text_of(html: str) -> str:
    return page_text(parse_html(html))


def run(root: Path, **kw):
    src = HtmlSource(kind="html", **kw)
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract([src], report, sink, root))
    report.check_conservation()
    return records, report.stage("extract")


# ---------------------------------------------------------------- text


def test_inline_tags_never_split_chinese_and_never_glue_english():
    assert text_of("<p><b>中</b>文<i>字</i></p>") == "中文字"
    assert text_of("<p>中文\n  文字 <b>English</b>\n<i>words</i></p>") == "中文文字 English words"
    assert text_of("<p>hello</p><p>world</p><div>a</div>b") == "hello\n\nworld\n\na\nb"
    assert text_of("<td>x</td>") == "x"


def test_blocks_lists_tables_pre_and_dropped_chrome():
    html = (
        "<nav>menu</nav><h2>标题</h2><p>正文 &amp; text&nbsp;here</p>"
        "<ul><li>一<ul><li>a</li></ul></li><li>二</li></ul><ol start='3'><li>x</li><li>y</li></ol>"
        "<table><tr><th>键</th><th>值</th></tr><tr><td>1</td><td><p>中</p><p>文</p></td></tr></table>"
        "<pre>\n  indented\n\tcode &lt;x&gt;\n</pre><script>bad()</script><style>p{}</style>"
        "<p hidden>hidden</p><p style='display: none'>gone</p><!-- comment --><footer>foot</footer>"
    )
    assert text_of(html) == (
        "标题\n\n正文 & text here\n\n- 一\n  - a\n- 二\n\n3. x\n4. y\n\n键 | 值\n1 | 中文\n\n"
        "  indented\n\tcode <x>"
    )


def test_main_element_landmarks_and_generator_chrome():
    """Sphinx- and DocBook-shaped pages: the one role=main/<main> element is the text; ARIA
    navigation/contentinfo/search landmarks, permalink anchors and DocBook navigation and TOC
    go; a footnote <aside> stays."""
    sphinx = (
        '<div class="related" role="navigation"><ul><li>index</li><li>next |</li></ul></div>'
        '<div class="document"><div class="body" role="main"><h1>json — JSON<a class="headerlink"'
        ' href="#x">¶</a></h1><p>Body text.</p><p class="rubric">Footnotes</p><aside class='
        '"footnote-list brackets"><aside class="footnote brackets" role="note"><span>[1]</span>'
        "<p>A note.</p></aside></aside></div></div>"
        '<div class="sphinxsidebar" role="navigation"><p>This Page</p></div>'
        '<div class="inline-search" role="search">Go</div><div class="footer">© PSF</div>'
    )
    assert text_of(sphinx) == "json — JSON\n\nBody text.\n\nFootnotes\n\n[1]\n\nA note."
    docbook = (
        '<body><div class="navheader"><table><tr><th>附录 A</th></tr><tr><td>上一页</td></tr>'
        '</table></div><div class="appendix"><h1>附录 A</h1><div class="toc"><p>目录</p><dl><dt>'
        "A.1</dt></dl></div><p>正文。</p><aside>旁注</aside></div>"
        '<div class="navfooter"><table><tr><td>下一页</td></tr></table></div></body>'
    )
    assert text_of(docbook) == "附录 A\n\n正文。"
    # no main, two mains, or an empty main: the body, minus chrome
    assert text_of("<header>h</header><p>a</p><div role='contentinfo'>c</div>") == "a"
    assert text_of("<main><p>a</p></main><main><p>b</p></main>") == "a\n\nb"
    assert text_of("<main> </main><p>outside</p>") == "outside"


def test_real_python_docs_page_is_its_main_text():
    page = real_data("python-doc", "usr/share/doc/python3.11/html/library/json.html")
    text = page_text(parse_html(page.read_text(encoding="utf-8")))
    assert text.startswith("json — JSON encoder and decoder\n\nSource code: Lib/json/__init__.py")
    assert "JavaScript (as of ECMAScript Edition 5.1) does not." in text  # the footnote
    for chrome in ("Show Source", "¶", "modules |", "Previous topic", "Copyright"):
        assert chrome not in text


def test_declared_labels_follow_whatwg():
    assert whatwg_codec("gb2312") == "gb18030"
    assert whatwg_codec("ISO-8859-1") == "cp1252"
    assert whatwg_codec("Shift_JIS") == "cp932"
    assert whatwg_codec("no-such-label") is None
    page = '<html><head><meta charset="iso-8859-1"></head><body>\x93quoted\x94</body></html>'
    text, decoding = decode_html_bytes(page.encode("latin-1"))
    assert "\u201cquoted\u201d" in text and decoding.encoding == "cp1252"
    assert declared_html_charset(b'<?xml version="1.0" encoding="GB2312"?><html/>') == "GB2312"
    # a byte gb2312 lacks but GBK/GB18030 has (Python's strict gb2312 codec fails on it)
    word = "镕"
    gbk = f'<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>{word}</p>'
    text, decoding = decode_html_bytes(gbk.encode("gb18030"))
    assert word in text and decoding.method == "declared"


# ---------------------------------------------------------------- real pages


def debian_pages() -> list[Path]:
    pages = sorted(real_data("debian-ref-zh").rglob("*.zh-cn.html"))
    assert len(pages) >= 10
    return pages


def test_debian_chinese_pages_gain_no_spaces_between_cjk_characters():
    """Compared with the page's own text nodes joined with nothing (what a browser shows);
    joining them with spaces would add hundreds."""
    extra_if_spaced = 0
    for page in debian_pages():
        soup = parse_html(page.read_text(encoding="utf-8"))
        nodes = [str(s) for s in (soup.body or soup).find_all(string=True)
                 if not isinstance(s, Comment)]  # fmt: skip
        own = len(CJK_SPACE_CJK.findall("".join(nodes)))
        ours = len(CJK_SPACE_CJK.findall(element_text(soup.body or soup)))
        assert ours <= own, page.name
        extra_if_spaced += len(CJK_SPACE_CJK.findall(" ".join(nodes))) - own
    assert extra_if_spaced > 100  # the measurement means something on these pages


@pytest.mark.parametrize("label", ["gb2312", "GB18030", "gbk"])
def test_debian_page_resaved_as_gb18030_extracts_identically(tmp_path, label):
    for page in debian_pages()[:4]:
        raw = page.read_bytes()
        converted = re.sub(rb"charset=UTF-8", b"charset=" + label.encode(), raw, flags=re.I)
        converted = re.sub(rb'encoding="UTF-8"', b'encoding="' + label.encode() + b'"', converted)
        assert converted != raw
        (tmp_path / "utf8.html").write_bytes(raw)
        (tmp_path / "gb.html").write_bytes(converted.decode("utf-8").encode("gb18030"))
        utf8, _ = run(tmp_path, path="utf8.html")
        gb, stats = run(tmp_path, path="gb.html")
        assert gb[0].text == utf8[0].text, page.name
        note = stats.notes["files"]["gb.html"]
        assert (note["encoding"], note["method"], note["declared"]) == (
            "gb18030",
            "declared",
            label,
        )


def python_doc_root() -> Path:
    return real_data("python-doc", "usr", "share", "doc", "python3.11", "html")


def test_python_docs_sample_conserves_and_reads(tmp_path):
    src_root = python_doc_root()
    picked = sorted((src_root / "library").glob("*.html"))[:40]
    for p in picked:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    records, stats = run(tmp_path, path=".", glob="*.html")
    assert stats.seen == len(picked) == stats.kept + stats.rejected_total
    assert stats.kept >= len(picked) - 2
    first = next(r for r in records if r.source == picked[0].name)
    assert "\n" in first.text and first.meta["title"]


@pytest.mark.slow
def test_all_python_docs_pages_conserve():
    root = python_doc_root()
    records, stats = run(root, path=".", glob="**/*.html")
    n = len(list(root.rglob("*.html"))) + len(list(root.rglob("*.html.gz")))  # gzipped too
    assert n > len(list(root.rglob("*.html")))  # Debian gzips its biggest page, changelog.html
    assert stats.seen == n == stats.kept + stats.rejected_total
    assert stats.kept >= 0.95 * n
    assert all(r.text.strip() for r in records)


# ---------------------------------------------------------------- dialogs and rejects


def test_forum_thread_by_author():
    records, stats = run(FIXTURES, path="forum", mode="dialog", preset="forum")
    (dialog,) = records
    assert [m.role for m in dialog.messages] == ["user", "assistant", "user"]
    assert dialog.messages[0].content == "我想在 Windows 上安装Python，应该怎么做？"
    assert "winget install Python.Python.3.12\npython --version" in dialog.messages[1].content
    assert dialog.source == "forum/thread-12.html"
    assert dialog.meta["title"] == "如何安装 Python？"
    first_post, _ = run(FIXTURES, path="forum", mode="dialog", preset="forum",
                        forum_rule="first_post")  # fmt: skip
    assert [m.role for m in first_post[0].messages] == ["user", "assistant", "assistant"]


def test_faq_dl_pairs_with_anchors_and_an_empty_answer_rejected():
    records, stats = run(FIXTURES, path="faq.html", mode="dialog")
    assert [r.source for r in records] == ["faq.html#q-refund", "faq.html#qa-2"]
    assert records[0].messages[0].content == "如何申请退款？"
    assert records[0].messages[1].content == (
        "登录后进入“我的订单”，点击申请退款。\n\n- 七天内可退\n- 需保留包装"
    )
    assert stats.rejected == {"empty_answer": 1}
    assert stats.examples["empty_answer"][0]["source"] == "faq.html#qa-3"


def test_selector_turns_with_role_attribute():
    records, _ = run(FIXTURES, path="chat.html", mode="dialog", turn_selector=".msg",
                     role_attribute="data-role")  # fmt: skip
    assert [(m.role, m.content) for m in records[0].messages] == [
        ("user", 'Translate "good morning" into Chinese.'),
        ("assistant", "早上好"),
        ("user", "And good night?"),
        ("assistant", "晚安"),
    ]


def test_binary_empty_and_undecodable_pages_are_rejects(tmp_path):
    import random

    for name in ("binary.html", "empty.html"):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    rng = random.Random(3)
    (tmp_path / "noise.html").write_bytes(bytes(rng.randrange(1, 256) for _ in range(3000)))
    records, stats = run(tmp_path, path=".", glob="*.html")
    assert records == []
    assert stats.rejected == {"binary_file": 1, "empty_page": 1, "undecodable": 1}
    records, stats = run(tmp_path, path="empty.html", mode="dialog")
    assert stats.rejected == {"no_dialog_found": 1}
