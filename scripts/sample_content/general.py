"""General-purpose chat in the three JSON shapes people already hold: OpenAI messages (JSONL),
a ShareGPT export and an Alpaca file. `configs/mixed.yaml` mixes them beside the domain sources.
"""

from . import parse

# ---------------------------------------------------------------- json/general-chat.jsonl (messages)
GENERAL_CHAT = parse(r"""
## gen-email-reschedule
S: You are a concise writing assistant.
U: Write a short email to my team moving Thursday's planning meeting to Friday at 10.
A: Subject: Planning meeting moved to Friday 10:00

Hi all,

Thursday's planning meeting is moving to Friday at 10:00, same room and call link. If Friday
doesn't work for you, reply by Wednesday and I'll find another slot.

Thanks,
Sam

## gen-explain-interest
U: Explain compound interest to a twelve-year-old.
A: Imagine you plant one apple seed and it grows a tree with ten apples. If you plant those ten
seeds too, next year you have a hundred apples. Compound interest works the same way with money:
the bank pays you a little extra, and next year it pays extra on the extra as well. The longer you
wait, the faster the pile grows.

## gen-prime-check
U: Is 221 a prime number?
A: No. 221 = 13 × 17, so it has divisors other than 1 and itself.

## gen-zh-sleep
U: 晚上总是睡不着，有什么简单的办法？
A: 可以先从作息和环境入手：每天固定时间起床，周末也尽量不变；睡前一小时不看手机，把卧室调暗、调凉一些；下午三点以后少喝咖啡和浓茶。躺下二十分钟还睡不着，就起来做点安静的事，有困意再回床上。如果连续几周都这样，影响白天的精神，最好去医院看看睡眠门诊。

## gen-zh-translate
U: 把“好久不见，最近忙什么呢？”翻译成英文，口语一点。
A: "Long time no see! What have you been up to lately?"

## gen-packing-list
U: I'm going hiking for one day in autumn. What should I pack?
A: Water (at least 1.5 litres), snacks, a warm layer and a rain jacket, since autumn weather turns
quickly. Add a map or an offline map on your phone, a small first-aid kit, a headlamp in case you
finish after dark, and sunscreen. Tell someone your route and when you expect to be back.
U: And footwear?
A: Broken-in hiking shoes or boots with a grippy sole. Wet leaves and mud are slippery, so
trainers with a smooth sole are a bad idea; wool socks keep your feet warm even when damp.

## gen-regex-date
U: Give me a regex that matches dates like 2024-03-09.
A: `^\d{4}-\d{2}-\d{2}$` matches the shape. It does not check that the month is 01-12 or the day
fits the month; parse the string with a date library if you need a real date.

## gen-zh-mixed-git
U: git 里 rebase 和 merge 有什么区别？
A: merge 会保留两条分支的历史，多出一个 merge commit；rebase 会把你的提交"搬"到目标分支最新的提交后面，历史是一条直线。已经推送、别人也在用的分支不要 rebase，否则别人需要强制同步；自己本地的分支，rebase 可以让历史更干净。
""")

# The turn whose reasoning is written out (messages format keeps it as `reasoning_content`).
REASONING = {
    "gen-prime-check": "221 is odd and its digit sum is 5, so not divisible by 2 or 3. "
    "√221 ≈ 14.9, so try primes up to 13: 7 × 31 = 217, 11 × 20 = 220, 13 × 17 = 221. Found it."
}

# ---------------------------------------------------------------- json/sharegpt-export.json
SHAREGPT_EXPORT = parse(r"""
## sg-0001
U: What's the difference between a list and a tuple in Python?
A: Both hold an ordered sequence, but a list can be changed after it is created (append, remove,
assign by index) and a tuple cannot. Use a tuple for a fixed record, such as a point (x, y), and
as a dictionary key; use a list for a collection that grows or shrinks.

## sg-0002
S: You answer cooking questions briefly.
U: Can I freeze cooked rice?
A: Yes. Cool it quickly (within an hour), pack it flat in bags and freeze. Reheat until steaming
hot all the way through, and only reheat it once.

## sg-0003
U: 帮我想三个读书会的名字。
A: 1. 慢读时光
2. 书页之间
3. 周末共读社
U: 再来三个英文的。
A: 1. Between the Lines
2. Chapter & Chat
3. The Slow Readers Club

## sg-0004
U: How do I politely decline a meeting invitation?
A: Thank them, say no clearly, and offer an alternative if you have one: "Thanks for including me.
I can't make this one, but I'm happy to review the notes afterwards and send my comments."

## sg-0005
U: Why is the sky blue?
A: Sunlight is a mix of colours. Air molecules scatter short (blue) wavelengths much more than long
(red) ones, so blue light reaches your eyes from every direction of the sky.
""")
# The export is cut off inside this conversation, as a download that stopped half-way.
SHAREGPT_CUT_IN = "sg-0005"

# ---------------------------------------------------------------- json/alpaca.json
# A user turn of the form "instruction\n---\ninput" is written as instruction + input; earlier
# user/assistant pairs become `history`.
ALPACA = parse(r"""
## al-summarize
U: Summarize the text in one sentence.
---
The town council voted on Tuesday to close the old library on Mill Street next spring and move its
collection to the new community centre, which will also host the after-school club.
A: The council will move the Mill Street library into the new community centre next spring.

## al-fix-grammar
U: Correct the grammar.
---
Me and him goes to the market every sundays.
A: He and I go to the market every Sunday.

## al-zh-poem
U: 用一句话描写秋天的早晨。
A: 薄雾还没散，桂花香已经悄悄溜进了窗户。

## al-unit-convert
U: How many grams is 3 ounces?
A: About 85 grams (1 ounce ≈ 28.35 g).
U: And 3 pounds?
A: About 1.36 kilograms (1 pound ≈ 453.6 g).

## al-classify
U: Is this review positive or negative?
---
The battery lasts two days and the screen is lovely, but the speaker crackles at high volume.
A: Mostly positive: the battery and screen are praised, with one complaint about the speaker.
""")
