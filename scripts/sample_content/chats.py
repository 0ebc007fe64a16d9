"""Multi-turn chat logs: the long-format conversations CSV and the SQL dumps draw from these."""

from . import parse

# ---------------------------------------------------------------- csv/conversations.csv (long layout)
LONG_CSV = parse(r"""
## conv-tea
U: What's the right water temperature for green tea? Mine always tastes bitter.
A: Boiling water is almost certainly the problem. Green tea does best at about 70 to 80°C; hotter water pulls out bitter catechins. If you don't have a kettle with a temperature setting, let boiled water sit for three or four minutes, or pour in a splash of cold water first. Steep for only one to two minutes, and use a bit less leaf than you think.
U: And what about oolong?
A: Oolong is more forgiving: 85 to 95°C. Rolled oolongs like Tieguanyin open up slowly, so they're great for several short steeps in a small pot, starting at around 30 seconds and adding a little time with each infusion.

## conv-laptop-battery
U: Is it bad to keep my laptop plugged in all the time?
A: Keeping it at 100 percent all the time does age a lithium-ion battery faster, especially when the laptop runs warm. Most manufacturers now have a setting that stops charging at 80 percent or so ("battery conservation", "optimized charging"). Turn that on if you mostly use the laptop at a desk. Unplugging it now and then isn't necessary; the charge limit is what matters.

## conv-resume-gap
S: You are a friendly career coach. Give practical, specific advice.
U: I took two years off to care for my mother. How do I explain the gap on my CV?
A: Be brief and matter-of-fact about it; you don't owe anyone details. Put a one-line entry in your experience section, like "2022–2024: Career break, full-time family caregiver", so the gap is explained rather than hidden. If you did anything relevant during that time, such as courses, volunteering or managing finances and care providers, mention it in a line or two. In interviews, say it once, then steer to why you're ready and excited to return. Most hiring managers respect it.
U: Should I mention it in the cover letter too?
A: One sentence is enough, near the end: that you're returning after a planned career break and what you've done to stay current. Spend the rest of the letter on what you'd bring to this specific job.

## conv-sql-join
U: What's the difference between LEFT JOIN and INNER JOIN?
A: An INNER JOIN returns only rows that have a match in both tables. A LEFT JOIN returns every row from the left table, and fills the columns from the right table with NULL where there's no match. For example, customers LEFT JOIN orders gives you all customers, including those who never ordered; INNER JOIN gives only customers with at least one order.
U: So how would I find customers with no orders?
A: LEFT JOIN and keep the rows where the right side is NULL:

    SELECT c.*
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.id
    WHERE o.id IS NULL;

`NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)` does the same and is often just as fast.

## conv-houseplant-light
U: Can a snake plant survive in a room with no window?
A: Not for long on its own. Snake plants tolerate low light better than almost anything, but "no window" means no light at all when the lamps are off. It will slowly use up its reserves over months. A plain LED bulb in a desk lamp, on for 8 to 10 hours a day close to the plant, is enough to keep it going. Water very rarely in that situation, maybe once a month, because it grows so slowly.

## conv-git-rebase
U: Should I use merge or rebase to update my feature branch?
A: Both work; it's about the history you want. Rebasing replays your commits on top of the latest main, giving a straight, easy-to-read history, but it rewrites your commits, so only do it on branches nobody else is working on. Merging main into your branch keeps the true history but adds merge commits. Many teams rebase locally to tidy up, then merge via a pull request.
U: I rebased and now git push is rejected.
A: That's expected: your local branch history no longer matches the remote one. If you're the only person on that branch, push with `git push --force-with-lease`. It refuses to overwrite the remote if someone else pushed in the meantime, which makes it much safer than plain `--force`.

## conv-marathon-taper
U: My marathon is in three weeks. How should I taper?
A: Cut your weekly distance gradually: about 80 percent of your peak in the first week, 60 percent in the second and 40 percent in race week. Keep some intensity, like a few short stretches at marathon pace, so your legs stay sharp; what you reduce is volume, not all effort. Sleep more, keep eating normally, and don't try anything new on race day, including shoes, gels and breakfast.

## conv-kid-reading
U: My 7-year-old hates reading. Any ideas that aren't bribes?
A: Let her pick the books, even if they're comics, joke books or the same series over and over; enjoyment comes first. Read aloud to her every day, including books above her level, and stop at an exciting point. Audiobooks while following along in the print copy count too. Take turns reading pages with her so it feels less like work. If she seems to struggle with decoding words rather than just disliking it, talk to her teacher, since it may be worth checking for dyslexia or vision problems.

## conv-ai-refusal
U: Can you recommend a good beginner's book on woodworking?
A: As an AI language model, I don't have personal preferences, but many beginners find "The Complete Manual of Woodworking" by Albert Jackson and David Day useful. It covers tools, joints and finishing with clear illustrations. Feel free to ask if you have any other questions!

## conv-no-answer
U: hello?
U: is anyone there? my order #48213 hasn't arrived

## conv-wifi-printer
U: My printer shows as offline on Windows even though it's on the Wi-Fi.
A: Usually the printer got a new IP address from the router and Windows is still looking at the old one. Print a network configuration page from the printer's menu to see its current IP, then either re-add the printer in Settings > Printers, or reserve that IP for the printer in your router's DHCP settings so it never changes again. Turning off "Use printer offline" in the print queue window also helps sometimes.
U: Found it: the IP changed from .23 to .41. I set a reservation. Thanks!
A: Great, that should keep it stable. If it happens again after a router replacement, you'll just need to recreate the reservation there.

## conv-budget-trip
U: Planning a 10 day trip to Japan on a budget. Is the JR Pass still worth it?
A: Much less often since the big price increase in October 2023. It now only pays off if you do several long Shinkansen trips within the validity period, for example Tokyo to Hiroshima and back plus a side trip. For a simple Tokyo–Kyoto–Osaka route, individual tickets are usually cheaper. Use a fare calculator to add up your planned journeys, and consider regional passes like the Kansai Area Pass for day trips.

## conv-tea-dup
U: What's the right water temperature for green tea? Mine always tastes bitter.
A: Boiling water is almost certainly the problem. Green tea does best at about 70 to 80°C; hotter water pulls out bitter catechins. If you don't have a kettle with a temperature setting, let boiled water sit for three or four minutes, or pour in a splash of cold water first. Steep for only one to two minutes, and use a bit less leaf than you think.
U: And what about oolong?
A: Oolong is more forgiving: 85 to 95°C. Rolled oolongs like Tieguanyin open up slowly, so they're great for several short steeps in a small pot, starting at around 30 seconds and adding a little time with each infusion.

## conv-sql-join-near
U: What is the difference between LEFT JOIN and INNER JOIN?
A: An INNER JOIN returns only rows that have a match in both tables. A LEFT JOIN returns every row from the left table, and fills the columns from the right table with NULL where there's no match. For example, customers LEFT JOIN orders gives you all customers, including those who never ordered; INNER JOIN gives only customers with at least one order.
U: So how would I find customers without orders?
A: LEFT JOIN and keep the rows where the right side is NULL:

    SELECT c.*
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.id
    WHERE o.id IS NULL;

`NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)` does the same and is often just as fast.

## conv-zh-mixed-k8s
U: k8s 里的 Pod 一直是 CrashLoopBackOff，怎么排查？
A: 先看容器上一次退出时的日志：kubectl logs <pod> --previous，大部分问题在这里就能看出来，比如配置文件找不到、连不上数据库。再用 kubectl describe pod <pod> 看 Events 和 Last State，留意 Exit Code：137 一般是 OOMKilled，内存 limit 设小了；1 通常是程序自己报错退出。还要检查 liveness probe 是不是配得太激进，应用还没启动完就被判定失败重启了。
U: Exit Code 是 137，limits.memory 设的是 256Mi。
A: 那基本就是内存不够被 OOM 杀掉了。先把 limit 调大一些，比如 512Mi，观察一下实际用量：kubectl top pod 可以看到当前内存。如果是 Java 应用，记得让 JVM 感知容器内存，比如设置 -XX:MaxRAMPercentage=75，否则堆大小可能超过 limit。

## conv-user-quotes-slop
U: My customer-service bot keeps starting answers with "As an AI language model, I cannot..." even for simple questions like opening hours. How do I stop that?
A: That phrasing usually comes from the model being overly cautious about the question or from the system prompt framing it as an assistant with limits. Give it the facts it needs (opening hours, address, return policy) directly in the system prompt, and add an instruction like "Answer in one or two sentences, in the voice of the shop's staff. Never mention being an AI unless asked." Then test with a list of real customer questions and check the answers before and after the change.

## conv-photo-raw
U: Should I shoot RAW or JPEG?
A: RAW if you like editing or shoot tricky light; JPEG if you want finished pictures straight from the camera and small files. RAW keeps much more information from the sensor, so you can recover blown highlights, fix white balance and lift shadows without the image falling apart. The cost is bigger files and having to process every shot. RAW+JPEG is a good compromise while you decide: you can share the JPEGs and still have the RAW for the keepers.

## conv-zh-user-quotes-slop
U: 我们用大模型做的客服，用户问营业时间，它也先说“作为一个AI语言模型，我无法……”，然后才回答。怎么让它别这样？
A: 这通常是因为提示词里没有给它足够的信息，它只好先“免责”一下。把营业时间、地址、退换货政策这些事实直接写进系统提示词，再加一条要求：“用门店店员的口吻，一两句话直接回答，除非用户问起，否则不要提到自己是 AI。”改完以后，拿一批真实的用户问题前后对比测试一下。

## conv-zh-tea
U: 绿茶用多少度的水泡比较好？我泡出来总是发苦。
A: 多半是水温太高了。绿茶适合用 80 度左右的水，开水直接冲会把茶叶“烫熟”，苦涩味就出来了。没有控温水壶的话，水烧开后晾三四分钟再用。投茶量也别太多，一般一克茶配五十毫升水，第一泡一分钟左右就可以出汤。
""")

# ---------------------------------------------------------------- sql/chats.sqlite.sql (support bot of a home-appliance shop)
SQLITE_CHATS = parse(r"""
## sq-dishwasher-smell
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: My dishwasher smells bad even after a cycle.
A: Most of the time it's the filter. Pull out the bottom rack, twist out the cylindrical filter under the spray arm and rinse it under hot water with a brush. Then run an empty hot cycle with a cup of white vinegar on the top rack. Leaving the door slightly open after each run lets it dry out and stops the smell coming back.

## sq-washer-drum
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: The washing machine drum doesn't spin, but it drains.
A: Let's check the simple things first. Is the load very small or a single heavy item, like a bath mat? Many machines refuse to spin when the load is unbalanced. Try adding a few towels and running a spin-only cycle.
U: I added towels and it still won't spin.
A: Thanks for checking. Then it's likely the door lock sensor, the carbon brushes of the motor or the drive belt. Please don't open the machine yourself while it's under warranty; I can book a technician visit. Could you tell me the model number printed inside the door?
U: It's WM-8420.
A: Thank you. The WM-8420 is still under warranty until March next year, so the visit is free. You'll get an email with available time slots within one working day.

## sq-fridge-noise
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: new fridge makes a clicking noise every few minutes is that normal
A: Yes, a soft click every so often is normal: it's the thermostat or the compressor relay switching on and off, and the valves of the cooling circuit. A gurgling or hissing sound is also normal. What isn't normal is loud buzzing, rattling or a click every few seconds without the compressor starting. In that case, send us a short video and we'll take a look.

## sq-oven-clean
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: How do I use the pyrolytic cleaning on my oven?
A: Remove the racks, trays and any large bits of food first. Then select the pyrolysis program (the symbol with a P or a little oven with flames) and choose the level; the door locks automatically and the oven heats to around 480°C for two to three hours. Open a window, because there can be some smoke and smell the first few times. When it has cooled down, wipe the white ash away with a damp cloth. I hope this helps!

## sq-return
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: Can I return a kettle I bought 20 days ago? It works but I don't like it.
A: Yes, you can return unused or lightly used items within 30 days for a full refund. Please pack the kettle in its original box if you still have it, and start the return in your account under "Orders". You'll get a prepaid label by email. The refund reaches your account within five working days after we receive the parcel.

## sq-warranty-refusal
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: What's the meaning of life?
A: As an AI language model, I don't have personal beliefs or opinions. However, many philosophers have explored this question. It's important to note that the meaning of life is subjective and varies from person to person. Feel free to ask if you have any other questions!

## sq-zh-aircon
S: 你是家电网店的售后客服，回答简洁、友好。
U: 空调开了制冷模式，但是吹出来的不是很凉，怎么回事？
A: 先检查一下两个地方：一是室内机的过滤网，脏了会影响出风，拆下来用清水冲洗晾干再装回去；二是设定温度和模式，确认是“制冷”而不是“送风”或“除湿”，温度设在 24 到 26 度。另外看看室外机周围有没有东西挡住散热。如果这些都没问题，可能是缺氟，需要上门检测。
U: 滤网洗过了还是不凉，室外机也没挡住。
A: 好的，那可能是制冷剂不足或者压缩机的问题，需要师傅上门检测。您的空调还在保修期内，上门服务免费。请提供一下订单号，我来帮您预约。

## sq-zh-microwave
S: 你是家电网店的售后客服，回答简洁、友好。
U: 微波炉可以加热带金属边的盘子吗？
A: 不可以。金属边在微波里会打火，可能损坏微波炉，甚至引起火灾。请使用标有“微波炉适用”的玻璃、陶瓷或者塑料容器。铝箔、不锈钢餐具、带金色花边的碗盘都不要放进去。希望这对你有帮助！

## sq-zh-refusal
S: 你是家电网店的售后客服，回答简洁、友好。
U: 你能帮我写一篇关于冰箱的作文吗？
A: 作为一个AI语言模型，我没有个人经历，但我可以为你提供一些思路。值得注意的是，作文应该表达你自己的真实感受。如果你还有其他问题，请随时提问。

## sq-mixed-robot-vacuum
S: 你是家电网店的售后客服，回答简洁、友好。
U: 扫地机器人的 App 一直连不上 Wi-Fi，提示 "Device not found"。
A: 这个型号只支持 2.4GHz 的 Wi-Fi，很多路由器的 2.4G 和 5G 用的是同一个名字，手机连在 5G 上就会配网失败。可以在路由器设置里把两个频段分开命名，手机先连上 2.4G 的网络再配网。配网时机器人和路由器的距离尽量近一点，按住 Wi-Fi 键三秒，听到提示音后再在 App 里添加设备。
U: 分开以后连上了，谢谢！
A: 不客气！如果之后更换了路由器或者 Wi-Fi 密码，需要按同样的步骤重新配网。

## sq-dishwasher-smell-dup
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: My dishwasher smells bad even after a cycle.
A: Most of the time it's the filter. Pull out the bottom rack, twist out the cylindrical filter under the spray arm and rinse it under hot water with a brush. Then run an empty hot cycle with a cup of white vinegar on the top rack. Leaving the door slightly open after each run lets it dry out and stops the smell coming back.

## sq-zh-aircon-near
S: 你是家电网店的售后客服，回答简洁、友好。
U: 空调开了制冷模式，但吹出来的风不是很凉，怎么回事？
A: 先检查一下两个地方：一是室内机的过滤网，脏了会影响出风，拆下来用清水冲洗晾干再装回去；二是设定温度和模式，确认是“制冷”而不是“送风”或“除湿”，温度设在 24 到 26 度。另外看看室外机周围有没有杂物挡住散热。如果这些都没问题，可能是缺氟，需要上门检测。
U: 滤网洗过了还是不凉，室外机也没挡住。
A: 好的，那可能是制冷剂不足或者压缩机的问题，需要师傅上门检测。您的空调还在保修期内，上门服务免费。请提供一下订单号，我来帮您预约。

## sq-coffee-descale
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: coffee machine says DESCALE, how?
A: Fill the water tank with descaler mixed with water as the bottle says (citric-acid descalers are fine; don't use vinegar, it can damage the seals). Put a large container under the spout, then hold the descale button or pick "Descale" in the menu. The machine pumps the solution through in stages, which takes about 20 minutes. Afterwards rinse the tank and run two full tanks of clean water through. If you live in a hard-water area, doing this every two months keeps the machine happy.

## sq-no-reply
S: You are the support assistant of Hausgeräte Online. Be concise and friendly.
U: hi, is the BX-200 blender in stock again?
""")

# ---------------------------------------------------------------- sql/chats.pg.sql (a language-learning and general-help app)
PG_CHATS = parse(r"""
## pg-spanish-ser-estar
U: When do I use ser and when estar in Spanish?
A: Ser is for what something is: identity, origin, profession, time, and characteristics seen as defining ("Soy médica", "Es de México", "Son las tres"). Estar is for states and locations: how something is right now or where it is ("Estoy cansado", "La sopa está fría", "Madrid está en España"). Some adjectives change meaning: "es aburrido" means he's boring, "está aburrido" means he's bored.
U: But why is it "está muerto" if being dead is permanent?
A: Good catch, it's the classic exception. Spanish treats death as a state someone is in, the result of a change, not a defining characteristic, so it takes estar. The rule "ser is permanent, estar is temporary" is a rough shortcut; "defining versus state or result" works better.

## pg-japanese-kanji
U: How many kanji do I need to read a Japanese newspaper?
A: The official list of "jōyō" kanji for everyday use has 2,136 characters, and newspapers mostly stay within it. In practice, knowing about 1,000 to 1,500 well lets you follow most articles with a dictionary at hand, because a small set of characters covers the vast majority of text. Learning them in words, rather than as isolated characters with all their readings, makes them stick much better.

## pg-german-cases
U: Any trick for remembering German article cases?
A: Learn each noun with its article, never alone: "der Tisch", not "Tisch". For the cases, memorise one table of definite articles as a chant (der, den, dem, des for masculine, and so on), then practise with whole phrases like "mit dem Auto", "für den Hund". Prepositions decide a lot of cases, so learning which ones take dative or accusative removes most of the guesswork.

## pg-zh-learning-english
U: 背了很多英语单词，但是一到说的时候就想不起来，怎么办？
A: 这是因为单词是“认识”了，但还没有变成能“用”出来的词。背单词的时候不要只记中文意思，要连着例句和常用搭配一起记，比如记 make a decision 而不是单独记 decision。每天找机会把新学的词说出来或者写出来，比如用它们写三句关于自己生活的话，或者对着手机录一段自言自语。跟读和影子练习也很有效。

## pg-zh-learning-japanese
U: 零基础自学日语，五十音要背多久？
A: 认真学的话，一到两周就能把平假名和片假名认全。不要只靠死记硬背，可以配合单词一起记，比如学“あ”的时候顺便记住“あめ（雨）”。每天用假名抄写几个简单的单词，读一些只有假名的儿童读物。片假名很多人容易忘，因为平时用得少，可以多读外来语，比如“コーヒー”“テレビ”。作为一个AI语言模型，我建议你持之以恒。

## pg-zh-learning-japanese-near
U: 零基础自学日语，五十音需要背多久？
A: 认真学的话，一到两周就能把平假名和片假名认全。不要只靠死记硬背，可以配合单词一起记，比如学“あ”的时候顺便记住“あめ（雨）”。每天用假名抄写几个简单的单词，读一些只有假名的儿童读物。片假名很多人容易忘，因为平时用得少，可以多读外来语，比如“コーヒー”“テレビ”。作为一个AI语言模型，我建议你坚持下去。

## pg-mixed-ielts
U: 雅思口语 Part 2 总是说不满两分钟，有什么技巧？
A: 准备的那一分钟很关键，不要写完整的句子，只写关键词，按 when、where、who、what happened、how I felt 列出四五个点。说的时候每个点展开两三句，多加细节和例子，比如 "What made it special was..."。平时可以用手机计时练习，把常见话题（一个人、一个地方、一件事、一个物品）各准备一两个万能素材，考试时灵活套用。值得注意的是，考官更看重流利度和连贯性，不要为了凑时间而重复。

## pg-french-pronunciation
U: Why do French words have so many silent letters?
A: Mostly because spelling froze while pronunciation kept changing. Many final consonants were pronounced in Old French and faded away over centuries, but printers and the Académie française kept the old spellings, partly to show a word's Latin roots and to tell homophones apart in writing. They haven't completely vanished: they come back in liaison, as in "les amis", where the s is pronounced as a z before a vowel.

## pg-learning-apps
U: Is Duolingo enough to become fluent?
A: On its own, no, and it doesn't claim to be. It's good for building a daily habit and basic vocabulary, but fluency needs a lot of listening to real speech and a lot of speaking practice. Use it as one piece: add podcasts or TV series for listening, graded readers for reading, and conversation practice with tutors or language exchange partners once you have the basics. I hope this helps!

## pg-zh-kids-english
U: 孩子三岁，现在开始学英语会不会太早？
A: 不算早，但方式很重要。这个年龄不适合坐下来背单词，而是要让英语自然地出现在生活里：一起看适合年龄的英文绘本和动画，唱英文儿歌，在游戏里用简单的英语说颜色、数字和动物。每天十几二十分钟，坚持下来比一次学很久有用。不要担心会和中文混淆，孩子能分清两种语言。如果你还有其他问题，请随时提问。

## pg-no-assistant
U: test
U: test 2

## pg-korean-hangul
U: Is Korean hard to read?
A: Reading Hangul is the easy part: the alphabet has 24 basic letters combined into syllable blocks, and most people can sound out words after a few days of study. It was designed in the 15th century precisely to be easy to learn. What takes years is vocabulary, grammar and the speech levels that change verb endings depending on who you talk to.

## pg-zh-typing
U: 拼音打字太慢了，要不要学五笔？
A: 现在一般不太建议专门去学五笔了。现代的拼音输入法有智能联想、整句输入和简拼，熟练以后速度并不比五笔慢，而且不用记字根。想提高速度的话，可以试试双拼，学习成本只要一两天，能明显减少击键次数。五笔的优势是重码少、不依赖读音，适合需要大量录入生僻字的工作。作为一个 AI 语言模型，我没有自己的打字习惯，但从效率上看，双拼是性价比最高的选择。

## pg-spanish-ser-estar-dup
U: When do I use ser and when estar in Spanish?
A: Ser is for what something is: identity, origin, profession, time, and characteristics seen as defining ("Soy médica", "Es de México", "Son las tres"). Estar is for states and locations: how something is right now or where it is ("Estoy cansado", "La sopa está fría", "Madrid está en España"). Some adjectives change meaning: "es aburrido" means he's boring, "está aburrido" means he's bored.
U: But why is it "está muerto" if being dead is permanent?
A: Good catch, it's the classic exception. Spanish treats death as a state someone is in, the result of a change, not a defining characteristic, so it takes estar. The rule "ser is permanent, estar is temporary" is a rough shortcut; "defining versus state or result" works better.
""")

# ---------------------------------------------------------------- sql/chats.mysql.sql (an IT helpdesk)
MYSQL_CHATS = parse(r"""
## my-vpn
U: VPN connects but I can't reach the intranet sites.
A: If the VPN says connected but internal names don't resolve, it's usually DNS. Try opening an internal site by its IP address; if that works, run `ipconfig /flushdns` (Windows) or reconnect the VPN, and check that your home router isn't forcing its own DNS. If the IP doesn't work either, your home network may use the same address range as the office (often 192.168.1.x); tell us and we'll move you to the split-tunnel profile.

## my-outlook-search
U: Outlook search doesn't find emails I know are there.
A: The search index is probably out of date. In Outlook go to File > Options > Search > Indexing Options, click Advanced and then Rebuild. It can take a few hours for a big mailbox, and search results will be incomplete until it's done. If you use cached mode, also check that "Download email for the past" isn't set to a short period, since older emails then aren't on your computer to index.

## my-password-reset
U: I'm locked out after too many password attempts.
A: The lock clears automatically after 30 minutes. If you can't wait, use the self-service reset at the password portal with your phone number on file; it unlocks the account as well. If you've forgotten the new password already, call the helpdesk extension 4400 and we'll verify your identity and reset it for you.

## my-zh-printer
U: 办公室打印机打出来的字有一道一道的白线。
A: 如果是激光打印机，多半是硒鼓快没粉了，或者硒鼓上有划痕。可以先把硒鼓取出来左右轻轻摇几下再装回去试试；如果好了，说明碳粉快用完，需要尽快更换。如果是喷墨打印机，先在打印机设置里运行一次“喷头清洗”，再打印一张喷嘴检查页看看。

## my-zh-excel-slow
U: Excel 文件只有几千行，但打开和保存都特别慢。
A: 常见原因是文件里有大量看不见的格式或对象，比如整列都设置了格式、复制网页时带进来的图片和形状，或者很多条件格式规则。可以按 Ctrl+End 看看最后一个单元格在哪里，如果远远超出数据范围，就把多余的行和列删掉后保存。另外，大量的 VLOOKUP、INDIRECT 之类的公式也会拖慢速度，可以把不需要更新的结果“粘贴为数值”。希望这对你有帮助！

## my-mixed-git-proxy
U: 公司内网 git clone GitHub 的仓库一直 timeout。
A: 公司网络访问外网需要走代理。给 git 单独配置一下：git config --global http.proxy http://proxy.corp.local:8080，https 也一样设置一遍。如果只想对 GitHub 生效，可以写成 git config --global http.https://github.com.proxy http://proxy.corp.local:8080。用 SSH 克隆的话，代理要在 ~/.ssh/config 里用 ProxyCommand 配置，或者直接改用 HTTPS 地址。
U: 配好了，能 clone 了。内网的 GitLab 会不会也走代理？
A: 会的，全局的 http.proxy 对所有 HTTPS 地址都生效。可以给内网地址单独关掉：git config --global http.https://gitlab.corp.local.proxy ""，这样访问内网 GitLab 就直连了。

## my-monitor
U: Second monitor not detected after docking the laptop.
A: Undock, wait ten seconds and dock again, then press Win+P and choose "Extend". If it still doesn't show up, open Display settings and click "Detect". Check the cable at the monitor end and try another port on the dock. Dock firmware updates fix a lot of these problems, so if it keeps happening, open a ticket and we'll update the dock and its driver for you.

## my-ai-slop
U: How do I map a network drive?
A: As an AI language model, I cannot access your computer. However, I can guide you: open File Explorer, right-click "This PC", choose "Map network drive", pick a letter and enter the path, for example \\fileserver\shared. I hope this helps! Feel free to ask if you have any other questions.
""")
