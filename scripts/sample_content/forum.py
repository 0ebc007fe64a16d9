"""Forum threads: the first post and the original poster's follow-ups are the user, replies are assistants.

Each thread is written as a dialog; the build script turns every `U:` turn into a post by the
thread's author (marked `op`) and every `A:` turn into a reply by one of the `helpers`.
"""

from . import parse

EN_THREADS = parse(r"""
## thread-nginx-502
U: Getting 502 Bad Gateway from nginx after upgrading PHP from 8.1 to 8.2 on Ubuntu. The site was fine yesterday. nginx error log says "connect() to unix:/run/php/php8.1-fpm.sock failed (2: No such file or directory)". What did I break?
A: Your nginx config still points at the 8.1 socket, and the upgrade removed the 8.1 FPM service. Look for `fastcgi_pass unix:/run/php/php8.1-fpm.sock;` in your site config (usually /etc/nginx/sites-available/) and change it to php8.2-fpm.sock. Then `sudo nginx -t && sudo systemctl reload nginx`.
U: That was it, thanks! One more thing: do I need to copy my php.ini changes over too? I had raised upload_max_filesize.
A: Yes, each PHP version has its own config tree. Your old settings are in /etc/php/8.1/fpm/php.ini and the new one reads /etc/php/8.2/fpm/php.ini. Don't copy the whole file, since defaults change between versions; just re-apply the lines you changed, or better, put them in a small file like /etc/php/8.2/fpm/conf.d/99-local.ini so the next upgrade is painless. Restart php8.2-fpm afterwards.

## thread-sourdough
U: Day 9 of my sourdough starter and it's still not doubling. It bubbles a bit after feeding and then smells like nail polish remover. Flour is all-purpose, kitchen is around 19°C. Should I start over?
A: Don't throw it out. The acetone smell means it's hungry: the yeast and bacteria have eaten everything and are producing those compounds. At 19°C things are slow, so feed it twice a day, discard all but a spoonful, and feed 1:5:5 (starter:flour:water by weight). Mixing in some whole wheat or rye flour helps a lot because it has more nutrients and wild yeast.
A: Agree with the above. Also try to find a warmer spot, like the oven with only the light on (leave the door cracked so it doesn't get too hot). Mine took almost three weeks in winter before it was reliable.
U: Switched to 20% rye and the oven-light trick and it doubled in 6 hours today. Thank you both!

## thread-git-undo-commit
U: I committed to main instead of my feature branch and haven't pushed yet. How do I move the commit?
A: Since you haven't pushed, it's easy. Create the branch where you are, then move main back:

    git branch feature-x
    git reset --hard HEAD~1
    git switch feature-x

The commit now lives only on feature-x. If you had uncommitted changes, stash them first, because `reset --hard` throws them away. If the branch already exists, use `git switch feature-x && git cherry-pick main` before resetting main instead.

## thread-balcony-chili
U: I'm growing chili peppers on a north-facing balcony. The plants are tall and healthy but hardly any flowers, and the few that appear just drop off. Is it hopeless?
A: North-facing is tough for chilies; they want six or more hours of direct sun to set fruit. Flower drop is also common when nights are cold or when it's above 32°C during the day. You can help by hand-pollinating: tap the flowers or brush inside them with a small paintbrush around midday. Cut back on nitrogen fertilizer too, since it makes lots of leaves and few flowers. Switch to a tomato feed.
A: I have a shaded balcony too and gave up on big varieties. Small, fast ones like 'Apache' or 'Prairie Fire' did much better for me in pots. It's important to note that chilies are perennial: bring them inside over winter and they start much earlier the next year.

## thread-mortgage-overpay
U: We have a fixed mortgage at 4.1% for another 3 years and about 15k in savings beyond our emergency fund. Overpay the mortgage or put it in an index fund? We're in our early 30s.
A: Check your mortgage terms first: many fixed deals allow overpayments of only 10 percent a year without a penalty. After that, it's mostly about risk preference. Overpaying gives a guaranteed 4.1 percent, tax-free in effect. Over a long horizon an index fund has historically returned more, but with years where you'd be down 20 percent. Plenty of people split it, for example half and half, which also takes the regret out of the decision.
U: Our limit is 10% per year, so we could do both. Is there anything else we should think about?
A: A few things. If your employer matches pension contributions and you aren't taking the full match, do that first, since it beats both options. Think about when your fixed rate ends: if rates are higher then, having paid the balance down gives you a smaller loan to refinance. And keep some flexibility, because money paid into a mortgage is hard to get back out if you need it for something else.

## thread-python-asyncio
U: My asyncio script downloads 500 URLs but it's no faster than the requests version. Code is roughly:

    async def main():
        for url in urls:
            data = await fetch(url)
            save(data)

What am I missing?
A: You're awaiting each download before starting the next, so it's still sequential; async only helps when many operations are in flight at once. Create the tasks and gather them, with a semaphore so you don't open 500 connections at once:

    sem = asyncio.Semaphore(20)

    async def fetch_one(session, url):
        async with sem:
            async with session.get(url) as r:
                return url, await r.read()

    async def main():
        async with aiohttp.ClientSession() as session:
            results = await asyncio.gather(*(fetch_one(session, u) for u in urls))

Also make sure `fetch` uses an async HTTP client like aiohttp or httpx. If it calls requests inside, it blocks the event loop and you gain nothing. I hope this helps!
""")

ZH_THREADS = parse(r"""
## thread-zh-docker-disk
U: 服务器上 Docker 占了 80 多个 G，/var/lib/docker 下面的 overlay2 特别大，可以直接删吗？
A: 千万别直接删 overlay2 目录，会把镜像和容器搞坏。先用 docker system df 看看空间都被什么占了，然后用 docker system prune 清理停止的容器、悬空镜像和没用的网络；加上 -a 会把没有被容器使用的镜像也删掉，加 --volumes 会删没用的数据卷，删之前确认一下里面没有重要数据。
U: 执行了 prune -a 之后释放了 50G，但还有一个容器的日志文件有 20 多 G，这个怎么处理？
A: 容器日志默认没有大小限制。临时处理可以直接清空：truncate -s 0 $(docker inspect --format='{{.LogPath}}' 容器名)。长期的办法是在 /etc/docker/daemon.json 里配置 "log-opts": {"max-size": "100m", "max-file": "3"}，重启 Docker 之后对新建的容器生效，老容器需要重新创建。如果你还有其他问题，请随时提问。

## thread-zh-baby-food
U: 宝宝六个月了，准备添加辅食，第一口应该吃什么？
A: 现在一般建议第一口吃强化铁的婴儿米粉，因为六个月以后宝宝体内储存的铁基本用完了，需要从食物里补充。刚开始调得稀一点，一两勺就行，每次只添加一种新食物，观察三天左右没有过敏反应再加下一种。之后可以慢慢加入菜泥、果泥、肉泥。一岁以内的辅食不要加盐和糖，也不要喂蜂蜜。
A: 补充一下，辅食的性状要随着月龄慢慢变稠变粗，从泥糊状到碎末状再到小颗粒，这样可以锻炼宝宝的咀嚼能力。别一直喂太细的，不然以后容易挑食、不爱嚼。
U: 谢谢两位！那奶量需要减少吗？
A: 刚开始加辅食的时候，奶还是主要的营养来源，奶量基本不用刻意减少，一般每天还是在 600 到 800 毫升左右。辅食先安排在两顿奶之间或者喂奶之前，随着辅食吃得越来越多，奶量会自然地慢慢下降。

## thread-zh-sourdough
U: 做了一个月的酸面包，每次切开里面都是湿湿黏黏的，是没烤熟吗？
A: 有可能没烤透，也有可能是切得太早了。酸面包出炉后内部还在继续“烘烤”，至少要放凉一到两个小时再切，刚出炉就切，里面的水汽散不掉，组织就会发黏。可以买个探针温度计，中心温度到 96 度左右才算熟。另外含水量太高、发酵过度也会让组织黏糊糊的，新手建议先从 70% 左右的含水量做起。
""")

# A mixed Chinese-English thread, the way many developer forums in China read.
MIXED_THREADS = parse(r"""
## thread-mixed-pandas
U: 请教一个 pandas 的问题：groupby 之后想保留每组 sales 最大的那一行，用 df.groupby("store").max() 结果各列的值都混在一起了，不是同一行的数据。
A: max() 是对每一列分别求最大值，所以拼出来的不是同一行。要拿整行，可以用 idxmax 先找到每组最大值所在的 index，再用 loc 取出来：

    best = df.loc[df.groupby("store")["sales"].idxmax()]

如果同一组里有并列最大值，idxmax 只会返回第一个。另一种写法是先 sort_values("sales", ascending=False)，再 drop_duplicates("store")，效果一样。
U: 用 idxmax 解决了，多谢！顺便问一下，如果想要每组 top 3 呢？
A: 用 nlargest：df.groupby("store", group_keys=False).apply(lambda g: g.nlargest(3, "sales"))。数据量大的话，sort_values 之后再 groupby().head(3) 会快很多：df.sort_values("sales", ascending=False).groupby("store").head(3)。
""")
