"""Short CJK files without a declaration: GBK, Big5, Shift_JIS and EUC-KR share byte ranges, and
charset-normalizer alone reads many short GBK files as Korean. `cjk.rank` must get them right."""

from __future__ import annotations

import codecs
import contextlib

import pytest
import yaml
from charset_normalizer import from_bytes
from conftest import real_data

from pipeline.extract import cjk
from pipeline.extract.encoding import Undecodable, choose_file_encoding, decode_html_bytes

SHORT = {
    "gb18030": ["你好谢谢", "请问这个多少钱？", "我们明天去公园吧。", "模型训练好了吗"],
    "big5hkscs": ["你好謝謝", "請問這個多少錢？", "我們明天去公園吧。", "模型訓練好了嗎"],
    "cp932": ["はい", "ありがとうございます。", "明日は雨です。", "これはペンです"],
    "cp949": ["안녕하세요", "감사합니다.", "내일 공원에 가요.", "모델 학습이 끝났어요"],
}


@pytest.mark.parametrize("codec", list(SHORT))
def test_short_undeclared_cjk_csv_and_html_decode_right(tmp_path, codec):
    for i, text in enumerate(SHORT[codec]):
        data = f"user,assistant\n{text},ok\n".encode(codec)
        path = tmp_path / f"{i}.csv"
        path.write_bytes(data)
        assert data.decode(choose_file_encoding(path).encoding) == data.decode(codec), text
        page = f"<html><body><p>{text}</p></body></html>".encode(codec)
        assert text in decode_html_bytes(page)[0], text


def test_clear_cjk_decoding_goes_before_a_single_byte_guess():
    data = "请问这个多少钱？我们明天去公园吧。".encode("gb18030")
    assert cjk.rank(data, ["cp1250", "cp949", "big5"])[0] == "gb18030"


def test_latin_text_keeps_the_detector_order():
    assert cjk.rank("naïve café, façade".encode("cp1252"), ["cp1252", "cp1250"]) == [
        "cp1252",
        "cp1250",
    ]


def test_utf16_is_not_a_candidate_without_nul_bytes():
    assert "utf_16_be" not in cjk.rank("你好".encode("gb18030"), ["utf_16_be", "gb18030"])


def chatterbot_texts(lang: str) -> list[str]:
    base = real_data("chatterbot", "chatterbot_corpus", "data", lang)
    texts = []
    for path in sorted(base.glob("*.yml")):
        for conv in yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations", []):
            texts += [str(t).replace('"', "") for t in conv[:2]]
    return texts


@pytest.mark.parametrize(
    "lang,codec",
    [("chinese", "gb18030"), ("traditionalchinese", "big5hkscs"), ("japanese", "cp932"),
     ("korean", "cp949")],
)  # fmt: skip
def test_real_short_dialog_lines_beat_the_bare_detector(tmp_path, lang, codec):
    """Each line of chatterbot's dialogs as its own small CSV: rawtune decodes at least 97% right
    and never fewer than charset-normalizer's own first choice."""
    ours = bare = total = 0
    path = tmp_path / "t.csv"
    for text in chatterbot_texts(lang)[:300]:
        try:
            data = f'user,assistant\n"{text}",ok\n'.encode(codec)
        except UnicodeEncodeError:
            continue
        if data.isascii():
            continue
        total += 1
        path.write_bytes(data)
        want = data.decode(codec)
        with contextlib.suppress(Undecodable):  # a reject is not garbled, but not a success
            ours += data.decode(choose_file_encoding(path).encoding, "replace") == want
        best = from_bytes(data).best()
        bare += (
            best is not None and data.decode(codecs.lookup(best.encoding).name, "replace") == want
        )
    assert total > 100
    assert ours >= bare and ours / total >= 0.97, (ours, bare, total)
