--
-- PostgreSQL database dump
--

\restrict rawtuneSampleDump

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: chat_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.chat_messages (
    id bigint NOT NULL,
    session_id uuid NOT NULL,
    seq integer NOT NULL,
    speaker text NOT NULL,
    body text NOT NULL,
    lang character varying(8),
    created_at timestamp without time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE chat_messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.chat_messages IS 'one row per chat message';


--
-- Name: chat_messages_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.chat_messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: chat_messages_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.chat_messages_id_seq OWNED BY public.chat_messages.id;


--
-- Name: chat_messages id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_messages ALTER COLUMN id SET DEFAULT nextval('public.chat_messages_id_seq'::regclass);


--
-- Data for Name: chat_messages; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.chat_messages (id, session_id, seq, speaker, body, lang, created_at) FROM stdin;
1	3a350978-865b-5ee5-80ba-03038b7e5baf	1	human	孩子三岁，现在开始学英语会不会太早？	zh	2024-03-04 09:06:12
2	38d66a84-9e28-5e4c-aeae-b21739ba5862	1	human	Why do French words have so many silent letters?	en	2024-03-04 09:10:51
3	38d66a84-9e28-5e4c-aeae-b21739ba5862	2	ai	Mostly because spelling froze while pronunciation kept changing. Many final consonants were pronounced in Old French and faded away over centuries, but printers and the Académie française kept the old spellings, partly to show a word's Latin roots and to tell homophones apart in writing. They haven't completely vanished: they come back in liaison, as in "les amis", where the s is pronounced as a z before a vowel.	en	2024-03-04 09:13:30
4	65919994-4370-52cd-bd17-cdc8482bc779	1	human	零基础自学日语，五十音需要背多久？	zh	2024-03-04 09:18:34
5	1aa74db2-46d7-51d4-b100-d63960341bed	1	human	test	en	2024-03-04 09:19:56
6	3a350978-865b-5ee5-80ba-03038b7e5baf	2	ai	不算早，但方式很重要。这个年龄不适合坐下来背单词，而是要让英语自然地出现在生活里：一起看适合年龄的英文绘本和动画，唱英文儿歌，在游戏里用简单的英语说颜色、数字和动物。每天十几二十分钟，坚持下来比一次学很久有用。不要担心会和中文混淆，孩子能分清两种语言。如果你还有其他问题，请随时提问。	zh	2024-03-04 09:20:56
7	65919994-4370-52cd-bd17-cdc8482bc779	2	ai	认真学的话，一到两周就能把平假名和片假名认全。不要只靠死记硬背，可以配合单词一起记，比如学“あ”的时候顺便记住“あめ（雨）”。每天用假名抄写几个简单的单词，读一些只有假名的儿童读物。片假名很多人容易忘，因为平时用得少，可以多读外来语，比如“コーヒー”“テレビ”。作为一个AI语言模型，我建议你坚持下去。	zh	2024-03-04 09:33:30
8	1aa74db2-46d7-51d4-b100-d63960341bed	2	human	test 2	en	2024-03-04 09:33:59
9	68cf2883-6d76-5335-9a54-7d7cd42ac15e	1	human	When do I use ser and when estar in Spanish?	en	2024-03-04 09:38:27
10	0db1a49a-9de4-5239-a851-8e9d0756eef2	1	human	雅思口语 Part 2 总是说不满两分钟，有什么技巧？	zh	2024-03-04 09:40:12
11	5d22a647-ac1c-5a91-b9ed-69efb25a5053	1	human	Any trick for remembering German article cases?	en	2024-03-04 09:40:52
12	5d22a647-ac1c-5a91-b9ed-69efb25a5053	2	ai	Learn each noun with its article, never alone: "der Tisch", not "Tisch". For the cases, memorise one table of definite articles as a chant (der, den, dem, des for masculine, and so on), then practise with whole phrases like "mit dem Auto", "für den Hund". Prepositions decide a lot of cases, so learning which ones take dative or accusative removes most of the guesswork.	en	2024-03-04 09:43:52
13	0db1a49a-9de4-5239-a851-8e9d0756eef2	2	ai	准备的那一分钟很关键，不要写完整的句子，只写关键词，按 when、where、who、what happened、how I felt 列出四五个点。说的时候每个点展开两三句，多加细节和例子，比如 "What made it special was..."。平时可以用手机计时练习，把常见话题（一个人、一个地方、一件事、一个物品）各准备一两个万能素材，考试时灵活套用。值得注意的是，考官更看重流利度和连贯性，不要为了凑时间而重复。	zh	2024-03-04 09:45:43
14	68cf2883-6d76-5335-9a54-7d7cd42ac15e	2	ai	Ser is for what something is: identity, origin, profession, time, and characteristics seen as defining ("Soy médica", "Es de México", "Son las tres"). Estar is for states and locations: how something is right now or where it is ("Estoy cansado", "La sopa está fría", "Madrid está en España"). Some adjectives change meaning: "es aburrido" means he's boring, "está aburrido" means he's bored.	en	2024-03-04 09:50:38
15	3a754593-320f-50c9-84d6-d6f2316fce00	1	human	When do I use ser and when estar in Spanish?	en	2024-03-04 09:57:52
16	68cf2883-6d76-5335-9a54-7d7cd42ac15e	3	human	But why is it "está muerto" if being dead is permanent?	en	2024-03-04 10:02:48
17	3a754593-320f-50c9-84d6-d6f2316fce00	2	ai	Ser is for what something is: identity, origin, profession, time, and characteristics seen as defining ("Soy médica", "Es de México", "Son las tres"). Estar is for states and locations: how something is right now or where it is ("Estoy cansado", "La sopa está fría", "Madrid está en España"). Some adjectives change meaning: "es aburrido" means he's boring, "está aburrido" means he's bored.	en	2024-03-04 10:11:54
18	3a754593-320f-50c9-84d6-d6f2316fce00	3	human	But why is it "está muerto" if being dead is permanent?	en	2024-03-04 10:16:46
19	68cf2883-6d76-5335-9a54-7d7cd42ac15e	4	ai	Good catch, it's the classic exception. Spanish treats death as a state someone is in, the result of a change, not a defining characteristic, so it takes estar. The rule "ser is permanent, estar is temporary" is a rough shortcut; "defining versus state or result" works better.	en	2024-03-04 10:16:59
20	3a754593-320f-50c9-84d6-d6f2316fce00	4	ai	Good catch, it's the classic exception. Spanish treats death as a state someone is in, the result of a change, not a defining characteristic, so it takes estar. The rule "ser is permanent, estar is temporary" is a rough shortcut; "defining versus state or result" works better.	en	2024-03-04 10:23:20
21	8cb0a8bd-d245-5c76-9b0f-7f25c0b4a0f3	1	human	零基础自学日语，五十音要背多久？	zh	2024-03-04 10:36:41
22	8cb0a8bd-d245-5c76-9b0f-7f25c0b4a0f3	2	ai	认真学的话，一到两周就能把平假名和片假名认全。不要只靠死记硬背，可以配合单词一起记，比如学“あ”的时候顺便记住“あめ（雨）”。每天用假名抄写几个简单的单词，读一些只有假名的儿童读物。片假名很多人容易忘，因为平时用得少，可以多读外来语，比如“コーヒー”“テレビ”。作为一个AI语言模型，我建议你持之以恒。	zh	2024-03-04 10:39:24
23	f94c357d-2cef-57a3-b236-d40aba1fc7c8	1	human	How many kanji do I need to read a Japanese newspaper?	en	2024-03-04 10:51:40
24	61431123-ef62-5bcb-a6b0-eb9ff264b25f	1	human	拼音打字太慢了，要不要学五笔？	zh	2024-03-04 10:53:11
25	b50655d1-bd65-5bee-8229-d377c774c803	1	human	背了很多英语单词，但是一到说的时候就想不起来，怎么办？	zh	2024-03-04 10:55:20
26	418ccd03-b8af-5d87-9ede-652ac54d233c	1	human	Is Korean hard to read?	en	2024-03-04 10:57:15
27	ffa1fc39-f0b3-5239-98e8-1c22df649126	1	human	Is Duolingo enough to become fluent?	en	2024-03-04 10:59:10
28	418ccd03-b8af-5d87-9ede-652ac54d233c	2	ai	Reading Hangul is the easy part: the alphabet has 24 basic letters combined into syllable blocks, and most people can sound out words after a few days of study. It was designed in the 15th century precisely to be easy to learn. What takes years is vocabulary, grammar and the speech levels that change verb endings depending on who you talk to.	en	2024-03-04 11:02:13
29	f94c357d-2cef-57a3-b236-d40aba1fc7c8	2	ai	The official list of "jōyō" kanji for everyday use has 2,136 characters, and newspapers mostly stay within it. In practice, knowing about 1,000 to 1,500 well lets you follow most articles with a dictionary at hand, because a small set of characters covers the vast majority of text. Learning them in words, rather than as isolated characters with all their readings, makes them stick much better.	en	2024-03-04 11:03:17
30	61431123-ef62-5bcb-a6b0-eb9ff264b25f	2	ai	现在一般不太建议专门去学五笔了。现代的拼音输入法有智能联想、整句输入和简拼，熟练以后速度并不比五笔慢，而且不用记字根。想提高速度的话，可以试试双拼，学习成本只要一两天，能明显减少击键次数。五笔的优势是重码少、不依赖读音，适合需要大量录入生僻字的工作。作为一个 AI 语言模型，我没有自己的打字习惯，但从效率上看，双拼是性价比最高的选择。	zh	2024-03-04 11:06:23
31	b50655d1-bd65-5bee-8229-d377c774c803	2	ai	这是因为单词是“认识”了，但还没有变成能“用”出来的词。背单词的时候不要只记中文意思，要连着例句和常用搭配一起记，比如记 make a decision 而不是单独记 decision。每天找机会把新学的词说出来或者写出来，比如用它们写三句关于自己生活的话，或者对着手机录一段自言自语。跟读和影子练习也很有效。	zh	2024-03-04 11:06:46
32	ffa1fc39-f0b3-5239-98e8-1c22df649126	2	ai	On its own, no, and it doesn't claim to be. It's good for building a daily habit and basic vocabulary, but fluency needs a lot of listening to real speech and a lot of speaking practice. Use it as one piece: add podcasts or TV series for listening, graded readers for reading, and conversation practice with tutors or language exchange partners once you have the basics. I hope this helps!	en	2024-03-04 11:10:03
\.


--
-- Name: chat_messages_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.chat_messages_id_seq', 32, true);


--
-- Name: chat_messages chat_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_pkey PRIMARY KEY (id);


--
-- Name: chat_messages_session_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chat_messages_session_idx ON public.chat_messages USING btree (session_id, seq);


--
-- PostgreSQL database dump complete
--

\unrestrict rawtuneSampleDump

