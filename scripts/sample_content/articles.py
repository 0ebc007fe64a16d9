"""Plain articles for document mode: (file stem, title, language, body HTML).

The bodies are real article markup (headings, paragraphs, lists, code, tables); the build script
wraps them in a page with navigation, sidebar, footer, scripts and styles like a real site.
Chinese bodies use inline tags inside sentences so extraction must not add spaces between
CJK characters.
"""

ARTICLES: list[tuple[str, str, str, str]] = [
    (
        "logrotate-basics",
        "Keeping logs under control with logrotate",
        "en",
        """
<h1>Keeping logs under control with logrotate</h1>
<p class="lead">Every long-running server eventually fills a disk with logs. <em>logrotate</em>
has shipped with nearly every Linux distribution for decades, and a few lines of configuration
are usually all it takes to keep logs from becoming a problem.</p>
<h2>How it runs</h2>
<p>logrotate is not a daemon. A systemd timer (or a daily cron job on older systems) runs it once
a day; it reads <code>/etc/logrotate.conf</code> and every file in <code>/etc/logrotate.d/</code>,
decides which logs are due, and rotates them. Its memory of when each file was last rotated is
kept in <code>/var/lib/logrotate/status</code>.</p>
<h2>A typical configuration</h2>
<pre><code>/var/log/myapp/*.log {
    daily
    rotate 14
    compress
    delaycompress
    missingok
    notifempty
    copytruncate
}</code></pre>
<p>This keeps two weeks of daily logs, compresses all but the most recent rotated file, and
does not complain if the log is missing or empty.</p>
<h2>copytruncate or a signal?</h2>
<p>An application that keeps its log file open keeps writing to the old, renamed file after
rotation. There are two ways around this:</p>
<ul>
<li><strong>copytruncate</strong> copies the log and then truncates the original in place. It
works with any program, but lines written between the copy and the truncation are lost.</li>
<li><strong>postrotate</strong> with a signal tells the program to reopen its files, for example
<code>systemctl kill -s HUP myapp</code>. Nothing is lost, but the program has to support it.</li>
</ul>
<h2>Testing a rule</h2>
<p>Run <code>logrotate -d /etc/logrotate.d/myapp</code> for a dry run that prints what would
happen, and <code>logrotate -f</code> to force a rotation now. Both save a lot of waiting for
the next day to see whether a change worked.</p>
<table>
<thead><tr><th>Directive</th><th>Meaning</th></tr></thead>
<tbody>
<tr><td>rotate N</td><td>keep N old files</td></tr>
<tr><td>maxsize 100M</td><td>rotate early when the file grows past 100 MB</td></tr>
<tr><td>dateext</td><td>name old files by date instead of a number</td></tr>
</tbody>
</table>
""",
    ),
    (
        "three-sisters",
        "The Three Sisters: an old way to plant corn, beans and squash",
        "en",
        """
<h1>The Three Sisters</h1>
<p>Long before European settlers arrived, Haudenosaunee and many other Indigenous farmers in
North America grew corn, climbing beans and squash together in the same mound. The method,
known as the Three Sisters, is still one of the best examples of plants helping each other.</p>
<h2>Why it works</h2>
<p>The corn gives the beans a pole to climb. The beans, with the help of bacteria in their root
nodules, fix nitrogen that later feeds the soil. The squash spreads its large, prickly leaves
over the ground, shading out weeds, holding in moisture and discouraging raccoons.</p>
<h2>Planting it yourself</h2>
<ol>
<li>After the last frost, build low mounds about 30 cm across and a metre apart.</li>
<li>Plant four to six corn seeds in each mound and wait until the corn is about 15 cm tall.</li>
<li>Then sow four bean seeds around each group of corn stalks.</li>
<li>A week later, plant squash seeds between the mounds.</li>
</ol>
<p>Choose a pole bean rather than a bush bean, and a sturdy field corn or popcorn; very sweet
modern corn varieties are often too weak to carry the beans. The planting looks messy compared
with neat rows, but a single small plot produces a surprising amount of food.</p>
<blockquote>Together the three crops also make a balanced diet: carbohydrates from the corn,
protein from the beans, and vitamins from the squash.</blockquote>
""",
    ),
    (
        "why-python-gil",
        "What the GIL is, and why Python 3.13 lets you turn it off",
        "en",
        """
<h1>What the GIL is, and why Python 3.13 lets you turn it off</h1>
<p>CPython, the standard Python interpreter, has a <strong>global interpreter lock</strong>: a
single mutex that a thread must hold to run Python bytecode. It makes the interpreter's internals,
above all reference counting, simple and safe, at the cost of letting only one thread execute
Python code at a time.</p>
<h2>What it means in practice</h2>
<p>Threads still help with waiting. While one thread waits for the network or the disk, it
releases the lock and another thread runs. CPU-heavy pure Python code, however, does not get
faster with more threads. The usual answers have been <code>multiprocessing</code>, or libraries
like NumPy that release the lock while they do their heavy work in C.</p>
<pre><code>from concurrent.futures import ProcessPoolExecutor

with ProcessPoolExecutor() as pool:
    results = list(pool.map(crunch, chunks))</code></pre>
<h2>Free-threaded builds</h2>
<p>PEP 703 made the lock optional. Python 3.13 ships an experimental free-threaded build
(often installed as <code>python3.13t</code>) in which threads really run in parallel. Single-
threaded code runs somewhat slower in that build, and C extensions must declare that they are
safe without the lock, so it is not yet the default.</p>
""",
    ),
    (
        "zh-chaoshan-tea",
        "潮汕工夫茶入门",
        "zh",
        """
<h1>潮汕工夫茶入门</h1>
<p>在潮汕地区，喝茶不是一件<strong>讲究</strong>的事，而是每天都离不开的<em>日常</em>。
客人进门，主人第一件事就是烧水、烫杯、泡茶。所谓“工夫”，指的是泡茶的功夫和耐心。</p>
<h2>需要准备的器具</h2>
<ul>
<li><b>茶壶</b>或<b>盖碗</b>：容量很小，一般只有一百毫升左右。</li>
<li><b>品茗杯</b>：通常三只，所以有“茶三酒四”的说法。</li>
<li>炭炉或电热水壶：水一定要滚烫。</li>
</ul>
<h2>基本步骤</h2>
<p>先用开水把茶壶和杯子烫一遍，叫作“温壶烫杯”。然后放入茶叶，一般用的是<a href="/tea/dancong">凤凰单丛</a>，
投茶量大约占壶的七八成。第一泡的水很快倒掉，用来洗茶和“醒茶”。之后每一泡出汤都要快，
并且用“关公巡城”“韩信点兵”的手法，把茶汤均匀地分到每只杯子里，使每一杯的浓淡一致。</p>
<p>喝工夫茶讲究趁热，小口品尝，先闻香再入口。一泡好的单丛可以冲十几次，每一泡的香气都有变化。</p>
""",
    ),
    (
        "zh-linux-users",
        "Linux 用户和权限管理基础",
        "zh",
        """
<h1>Linux 用户和权限管理基础</h1>
<p>Linux 是一个多用户系统，每个文件都属于一个<strong>用户</strong>和一个<strong>用户组</strong>。
理解权限模型，是管理服务器的第一步。</p>
<h2>查看权限</h2>
<p>执行 <code>ls -l</code>，每一行开头的十个字符就是权限，例如 <code>-rwxr-x---</code>：
第一个字符表示文件类型，后面三组分别是属主、属组和其他人的读（r）、写（w）、执行（x）权限。</p>
<h2>常用命令</h2>
<table>
<tr><th>命令</th><th>作用</th></tr>
<tr><td>useradd -m alice</td><td>创建用户并建立家目录</td></tr>
<tr><td>usermod -aG sudo alice</td><td>把用户加入 sudo 组</td></tr>
<tr><td>chown alice:dev file</td><td>修改文件的属主和属组</td></tr>
<tr><td>chmod 640 file</td><td>设置权限为 rw-r-----</td></tr>
</table>
<p>注意，<code>usermod -G</code> 如果不加 <code>-a</code>，会把用户从其他附加组中<em>移除</em>，
这是新手很容易踩的坑。修改用户组之后，需要重新登录才会生效。</p>
""",
    ),
]
