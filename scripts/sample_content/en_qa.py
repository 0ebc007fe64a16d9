"""English single-turn Q&A: the wide FAQ CSV and the English FAQ pages draw from these."""

from . import parse

# ---------------------------------------------------------------- faq.csv (a help-desk export)
FAQ_CSV = parse(r"""
## linux-disk-usage
U: How do I find out what is eating my disk space on a Linux server?
A: Start broad and narrow down. `df -h` shows which filesystem is full. Then run `du -xh --max-depth=1 / | sort -h` as root to see which top-level directory is biggest; the `-x` keeps du on one filesystem so it doesn't wander into /proc or network mounts. Repeat inside the biggest directory until you find the culprit. The usual suspects are /var/log, old kernels in /boot, Docker images under /var/lib/docker and forgotten backups in home directories. If you prefer something interactive, `ncdu` does the same thing with a nicer interface.

## linux-deleted-file-space
U: I deleted a 20 GB log file but df still shows the disk as full. Why?
A: Some process still has the file open. On Linux, deleting a file only removes its name; the blocks are freed when the last open file handle is closed. Find the process with `lsof +L1` (open files with a link count below one) or `lsof | grep deleted`. Restarting that service releases the space. If you can't restart it, you can truncate the file through the process's file descriptor: `: > /proc/PID/fd/FD`. Next time, truncate big logs instead of deleting them, or let logrotate handle it with `copytruncate`.

## linux-cron-not-running
U: My cron job works when I run the script by hand but does nothing from cron.
A: Nine times out of ten it's the environment. Cron runs with a minimal PATH (usually just /usr/bin:/bin), no login shell and a different working directory. Use absolute paths for every command and file in the script, or set PATH at the top of the crontab. Redirect output so you can see what happens: `*/5 * * * * /home/ana/bin/sync.sh >> /tmp/sync.log 2>&1`. Also check that the script is executable and has a shebang line, and remember that `%` has a special meaning in crontab lines and must be escaped as `\%`.

## linux-ssh-keys
U: What's the simplest way to set up SSH key login to a new server?
A: On your own machine, create a key if you don't have one: `ssh-keygen -t ed25519`. Then copy the public half to the server with `ssh-copy-id user@server`, which appends it to ~/.ssh/authorized_keys and fixes the permissions. Log in once to check that it works without a password. Only then, if you want, set `PasswordAuthentication no` in /etc/ssh/sshd_config and reload sshd. Keep your current session open while you test a new one, so a typo doesn't lock you out.

## linux-systemd-restart
U: How can I make a systemd service restart automatically when it crashes?
A: Add `Restart=on-failure` to the `[Service]` section, ideally with `RestartSec=5` so it doesn't spin in a tight loop. Don't edit the unit file under /lib/systemd; use `systemctl edit myservice`, which creates an override file that survives package upgrades. After saving, systemd reloads automatically. You can check the restart counter with `systemctl show myservice -p NRestarts`. If the service keeps dying, `journalctl -u myservice -b` shows the logs since the last boot.

## linux-find-large-files
U: Command to list the 10 biggest files under a directory?
A: `find /path -type f -printf '%s %p\n' | sort -nr | head -10` works on any GNU system and prints sizes in bytes. If you want human-readable sizes, `du -ah /path | sort -rh | head -10` is shorter, but it mixes directories in with files. Add `-xdev` to find if you want to stay on one filesystem.

## py-venv
U: Should I use a virtual environment for every Python project?
A: Yes, it saves you a lot of grief. A virtual environment keeps each project's packages separate, so upgrading a library for one project can't break another, and you never need sudo to install anything. `python3 -m venv .venv` creates one; activate it with `source .venv/bin/activate`, or just call `.venv/bin/python` directly. Write your dependencies down (pyproject.toml or requirements.txt) so you can rebuild the environment anywhere. It's important to note that you should never commit the .venv folder itself to git.

## py-mutable-default
U: Why does my Python function remember values between calls? I have def add(item, items=[]).
A: Default values are evaluated once, when the function is defined, not each time it is called. So every call that doesn't pass `items` shares the same list object, and appends pile up. The standard fix is to use None as the default and create the list inside:

    def add(item, items=None):
        if items is None:
            items = []
        items.append(item)
        return items

The same trap applies to dicts and sets as defaults.

## py-read-large-file
U: How do I read a 10 GB text file in Python without running out of memory?
A: Iterate over the file object instead of calling read() or readlines(). `for line in open(path, encoding="utf-8"):` reads one buffered line at a time, so memory stays flat no matter how large the file is. For CSV, pandas can do the same with `chunksize=100_000`, which gives you DataFrames of that many rows one after another. For binary data, read fixed-size blocks in a loop with `f.read(1 << 20)`.

## py-f-strings
U: What's the difference between f-strings and .format() in Python?
A: They produce the same result; f-strings are just shorter and usually faster because the expressions are compiled in place. `f"{name} has {n:,} points"` reads better than `"{} has {:,} points".format(name, n)`. Use .format() when the template comes from somewhere else, like a config file or a translation catalogue, because an f-string has to be written literally in the source. Never build SQL queries with either; use the database driver's parameters.

## py-dict-get
U: When should I use dict.get() instead of square brackets?
A: Use `d[key]` when the key must be there and a missing key is a bug: you want the KeyError. Use `d.get(key, default)` when a missing key is normal, like optional settings. If you find yourself doing `d[key] = d.get(key, 0) + 1` in a loop, `collections.Counter` or `defaultdict(int)` expresses that more clearly.

## py-list-sort
U: How do I sort a list of dicts by one of the keys?
A: Pass a key function: `sorted(people, key=lambda p: p["age"])`. For several keys, return a tuple: `key=lambda p: (p["last"], p["first"])`. Add `reverse=True` for descending order. `operator.itemgetter("age")` does the same as the lambda and is a bit faster. Python's sort is stable, so you can also sort by the secondary key first and then by the primary one. I hope this helps!

## cook-rice
U: My rice always comes out mushy. What am I doing wrong?
A: Usually too much water, too much stirring, or both. Rinse long-grain rice until the water runs almost clear to wash off surface starch. Use roughly 1 part rice to 1.5 parts water for jasmine or basmati (less than the packet usually says), bring it to a boil, then cover, turn the heat to the lowest setting and leave it alone for 12 minutes. Don't lift the lid. Take it off the heat and let it rest, still covered, for 10 minutes before fluffing it with a fork. The rest is what makes the grains firm up.

## cook-cast-iron
U: How do I clean a cast iron pan without ruining the seasoning?
A: Clean it while it's still warm. Hot water and a stiff brush or a chain-mail scrubber handle most of it; a little dish soap is fine, modern soap won't strip polymerized oil. What does hurt it is soaking it in the sink or putting it in the dishwasher. Dry it straight away on the stove over low heat, then rub in a few drops of oil with a paper towel and wipe off the excess. If food is really stuck, simmer some water in the pan for a few minutes and scrape.

## cook-bread-dense
U: My homemade bread is dense and heavy. Any tips?
A: Dense bread usually means the dough didn't develop enough gluten or didn't rise long enough. Knead until the dough is smooth and passes the windowpane test: a small piece stretches thin enough to see light through without tearing. Let it rise somewhere warm until it has really doubled, which can take two hours in a cold kitchen, not the 45 minutes the recipe promised. Also check your yeast: proof it in warm water with a pinch of sugar, and if it doesn't foam in ten minutes, it's dead.

## cook-onions
U: How do you caramelize onions properly?
A: Slowly. Slice them evenly, put them in a wide pan with butter or oil and a pinch of salt, and cook over medium-low heat, stirring every few minutes. Proper caramelized onions take 40 minutes to an hour; recipes that say 10 minutes are lying. When brown bits stick to the pan, add a splash of water and scrape them back in. They're done when they are deep brown, jammy and sweet. Make a big batch: they freeze well in small portions.

## cook-knife
U: Which kitchen knife should a beginner buy first?
A: One good chef's knife, about 20 cm (8 inches), is worth more than a block of mediocre ones. Hold a few in a shop if you can: the handle should feel comfortable and the balance should sit near where the blade meets the handle. Mid-priced German or Japanese knives are both fine; German steel is softer and more forgiving, Japanese holds a sharper edge but chips more easily. Add a honing rod and learn to use it, and get the knife professionally sharpened once or twice a year.

## travel-jetlag
U: What actually helps with jet lag when flying east?
A: Shift your schedule before you leave: go to bed an hour earlier each night for two or three days. On the plane, set your watch to the destination time and sleep or stay awake accordingly. When you arrive, get outside in the morning light, which is the strongest signal for resetting your body clock, and avoid bright light in the late afternoon. Keep naps short, under 30 minutes, and skip alcohol on the flight. Most people adjust about one day per time zone without help, faster with light exposure.

## travel-packing
U: How do you pack for two weeks with only a carry-on?
A: Pack for one week and plan to do laundry once. Choose clothes in two or three colours that all go together, so every top works with every bottom. Wear your bulkiest shoes and jacket on the plane. Roll soft items, use packing cubes to compress them, and keep toiletries to travel sizes or buy them there. Merino wool shirts can be worn several days without smelling, which is why hikers love them. Leave "just in case" items at home; you can buy almost anything you forgot.

## travel-insurance
U: Is travel insurance worth it?
A: For medical cover abroad, almost always. A broken leg or an evacuation can cost tens of thousands, and your home health insurance may not pay anything outside your country. Cancellation cover is worth it for expensive, non-refundable trips. Before buying, check what your credit card already includes, since many cards cover cancellation or rental cars. Read the exclusions: pre-existing conditions, adventure sports and alcohol-related accidents are the usual ones.

## travel-train-europe
U: Is it better to buy a rail pass or single tickets in Europe?
A: It depends on how much you move. Passes pay off if you take long trips on most days, or if you like deciding on the spot. If you're doing a few fixed city hops, single tickets bought well in advance are usually cheaper, especially on high-speed lines in France, Spain and Italy, where pass holders still have to pay for seat reservations. Compare the total of the point-to-point fares against the pass before you decide.

## fin-emergency-fund
U: How big should my emergency fund be?
A: The common rule is three to six months of essential expenses: rent or mortgage, food, utilities, insurance, minimum debt payments. Not income, expenses. Aim for the higher end if your income is irregular, you're the only earner in the household, or your job would be hard to replace quickly. Keep it in a separate savings account that is easy to reach but not linked to your everyday card, so it doesn't slowly turn into spending money.

## fin-index-funds
U: Why do people recommend index funds over picking stocks?
A: Because most people, including most professional fund managers, don't beat the market after fees over long periods. An index fund simply buys everything in an index, so you get the market's return minus a very small fee, usually well under 0.2 percent a year. It's diversified, cheap and boring, which is exactly what you want for long-term savings. Picking individual stocks concentrates your risk and takes time, and the occasional big winner is easy to remember while the losers are quietly forgotten.

## fin-debt-order
U: Should I pay off my student loan or invest?
A: Compare the interest rate on the loan with what you could reasonably expect to earn, and be honest about risk. Paying off a 6 percent loan is a guaranteed 6 percent return; the stock market might do better on average but with no guarantee. A common order is: take any employer retirement match first (it's free money), build a small emergency fund, pay off high-interest debt like credit cards, then split between extra loan payments and investing depending on the rate. It's important to note that everyone's situation is different.

## fin-budget
U: I've tried budgeting apps and always give up. Any simpler approach?
A: Try the "pay yourself first" approach and skip tracking every coffee. On payday, automatically move a fixed amount into savings and another into a bills account that covers rent and subscriptions. Whatever is left in your main account is yours to spend guilt-free. If the money runs out before the month does, lower the savings amount slightly rather than giving up. Review once a month instead of every day; the automation does most of the work.

## garden-tomato-leaves
U: The lower leaves on my tomato plants are turning yellow. Should I worry?
A: A few yellow leaves at the bottom are normal as the plant grows and shades them out; just pinch them off. If the yellowing spreads upward with brown spots, it's probably early blight, a fungus that splashes up from the soil. Remove affected leaves, mulch around the base so water doesn't splash soil onto the plant, water the soil instead of the leaves, and give the plants more space for air to move. Yellowing between green veins on older leaves can also mean magnesium deficiency.

## garden-compost
U: My compost pile smells terrible. How do I fix it?
A: A rotten smell means it's too wet and has too little air, so anaerobic bacteria have taken over. Mix in plenty of dry "brown" material: shredded cardboard, dry leaves, straw or wood chips. Turn the pile with a fork to get air into it. Aim for roughly two or three parts brown to one part green (kitchen scraps, grass clippings) by volume. A healthy pile should smell earthy, like a forest floor, and feel like a wrung-out sponge.

## garden-basil
U: How do I keep my basil from flowering and getting woody?
A: Pinch it regularly. Every time a stem has six to eight leaves, cut it just above a pair of leaves; two new shoots grow from that point and the plant gets bushier. As soon as you see flower buds forming at the tips, pinch them off, because once basil flowers it puts its energy into seeds and the leaves get bitter. Basil also loves heat and sun and hates cold nights, so don't put it outside too early in spring.

## garden-watering
U: Is it better to water the garden in the morning or the evening?
A: Early morning is best. The soil and roots take up the water before the heat of the day, less evaporates, and the leaves dry quickly in the sun, which keeps fungal diseases down. Evening watering is second best; the risk is leaves staying wet all night. Whatever the time, water deeply and less often rather than a little every day, so roots grow down into the soil instead of staying near the surface.

## hist-great-wall
U: Can you really see the Great Wall of China from space?
A: Not with the naked eye from the Moon, and only barely, if at all, from low Earth orbit. The wall is long but narrow, mostly five to eight metres wide, and built from materials close in colour to the land around it. Astronauts have said that highways, airports and city lights are much easier to spot. The myth is older than spaceflight: versions of it appeared in print in the 1930s, decades before anyone could check.

## hist-printing
U: Did Gutenberg invent printing?
A: No. Woodblock printing was used in China by the 7th century, and the oldest dated printed book, a copy of the Diamond Sutra, is from 868. Movable type made of baked clay was invented by Bi Sheng in China around 1040, and metal movable type was used in Korea in the 13th century. What Gutenberg developed around 1450 was a complete system for Latin script: a hand mould for casting type quickly, an oil-based ink and a press adapted from wine and paper presses. That combination is what made printing cheap in Europe.

## hist-roman-concrete
U: Why has Roman concrete lasted so long?
A: Partly the ingredients and partly the way it was mixed. The Romans used volcanic ash, lime and seawater or fresh water, and the ash reacts to form very stable minerals. Research published in 2023 found that they also mixed in quicklime hot, leaving small lime clasts in the concrete. When cracks form and water gets in, these clasts dissolve and recrystallise, sealing the crack. Modern concrete is much stronger when new, but it is usually reinforced with steel, and rusting steel is what breaks most modern concrete apart.

## bike-chain
U: How often should I clean and lube my bike chain?
A: Whenever it looks dirty or starts to sound dry, and always after riding in the rain. For most commuters that's every couple of weeks. Wipe the chain with a rag while turning the pedals backwards, apply one drop of lube on each roller, let it soak in for a few minutes and then wipe off the excess. The excess is what attracts grit. Measure chain wear with a cheap checker tool every few months; replacing a stretched chain early saves the much more expensive cassette and chainrings.

## bike-tire-pressure
U: What tire pressure should I run on my bike?
A: Lower than you'd think, for most riders. The maximum printed on the sidewall is not a target. For road bikes with 28 mm tires, somewhere around 5 to 6 bar (70 to 85 psi) works for an average-weight rider; wider tires need less. Heavier riders need more, lighter riders less. If the ride feels harsh and skittish, let some air out; if the tire squashes a lot on corners or you get pinch flats, add some. Check the pressure weekly, because tires lose air slowly even without a puncture.

## photo-blurry
U: Why are my photos blurry indoors?
A: Indoor light is much dimmer than it looks, so the camera uses a slow shutter speed and your hand moves during the exposure. Raise the ISO, use a lens with a wider aperture (a smaller f-number), or let more light in. As a rule of thumb, keep the shutter speed at least one over your focal length, so 1/50 s for a 50 mm lens, and faster for moving children or pets. Also check that the focus point is on the subject and not the background.

## home-drain
U: How do I unclog a slow bathroom sink without chemicals?
A: The clog is almost always hair and soap just below the stopper. Pull the stopper out (some lift straight up, others are held by a nut behind the pipe under the sink) and clean it. Then use a cheap plastic drain snake, the kind with barbs, to pull out what's left. If it's still slow, unscrew the P-trap under the sink with a bucket underneath and clean it out. Boiling water can help with grease in kitchen sinks, but don't use it on PVC pipes that are already warm or old.

## home-paint
U: Do I really need primer before painting a wall?
A: Not always. If you are repainting a wall in good condition with a similar colour and the same type of paint, a second coat of paint does the job. You do need primer on bare plaster or new drywall, on patched areas, over stains (water marks and smoke bleed through otherwise), when going from a dark colour to a light one, and when painting latex over oil-based paint. "Paint and primer in one" products help with coverage but are not a replacement for a real primer on bare surfaces.

## fit-running-start
U: I want to start running but get out of breath after two minutes. How do I build up?
A: Slow down; almost every beginner runs too fast. You should be able to speak in short sentences while running. Alternate running and walking: for example one minute running, two minutes walking, repeated eight times, three days a week. Every week, make the running parts a bit longer and the walking parts shorter. Programs like "couch to 5K" follow this pattern and take about nine weeks. Good shoes that fit matter more than expensive ones. As an AI language model, I can't assess your health, so check with a doctor if you have heart or joint problems.
""")

# ---------------------------------------------------------------- html/qa/linux-faq.html (<dl>)
LINUX_FAQ_PAGE = parse(r"""
## linux-hostname
U: How do I change the hostname permanently?
A: On any systemd-based distribution, run `sudo hostnamectl set-hostname newname`. That updates /etc/hostname and the running system at once. Also edit /etc/hosts and replace the old name on the 127.0.1.1 line, otherwise sudo will complain that it cannot resolve the host. Open a new shell to see the new name in your prompt.

## linux-port-in-use
U: How can I tell which process is listening on a port?
A: `sudo ss -ltnp` lists all listening TCP sockets with the process that owns each one; add `| grep :8080` to look for a specific port. The older `netstat -tlnp` does the same thing if net-tools is installed, and `sudo lsof -i :8080` works too. You need root to see processes that belong to other users.

## linux-swap-file
U: How do I add a swap file?
A: Create the file, protect it, format it and turn it on:

    sudo fallocate -l 2G /swapfile
    sudo chmod 600 /swapfile
    sudo mkswap /swapfile
    sudo swapon /swapfile

To keep it after a reboot, add `/swapfile none swap sw 0 0` to /etc/fstab. On Btrfs, fallocate doesn't work for swap; use `btrfs filesystem mkswapfile` instead.

## linux-permissions-755
U: What does chmod 755 mean?
A: Each digit is a set of permissions for, in order, the owner, the group and everyone else. The digit is the sum of read (4), write (2) and execute (1). So 7 is rwx for the owner, and 5 is r-x for the group and for others: they can read and run the file but not change it. 755 is typical for scripts and directories; for ordinary files, 644 (rw-r--r--) is the usual choice.

## linux-tail-logs
U: How do I follow a log file as it grows?
A: `tail -f /var/log/syslog` prints new lines as they are written. Use `tail -F` if the file gets rotated, so tail reopens the new file instead of staring at the old one. For services managed by systemd, `journalctl -fu nginx` follows the journal for one unit. I hope this helps! Feel free to ask if you have any other questions.

## linux-disk-usage
U: How do I find out what is eating my disk space on a Linux server?
A: Start broad and narrow down. `df -h` shows which filesystem is full. Then run `du -xh --max-depth=1 / | sort -h` as root to see which top-level directory is biggest; the `-x` keeps du on one filesystem so it doesn't wander into /proc or network mounts. Repeat inside the biggest directory until you find the culprit. The usual suspects are /var/log, old kernels in /boot, Docker images under /var/lib/docker and forgotten backups in home directories. If you prefer something interactive, `ncdu` does the same thing with a nicer interface.

## linux-update-debian
U: What's the difference between apt upgrade and apt full-upgrade?
A: `apt upgrade` installs newer versions of the packages you have but never removes a package, so if an update needs a package removed, it's held back. `apt full-upgrade` (the old dist-upgrade) is allowed to remove packages to resolve dependencies. For routine updates, `upgrade` is the safe choice; use `full-upgrade` for release upgrades and read what it wants to remove before you say yes.
""")

# ---------------------------------------------------------------- html/qa/garden-faq.html (schema.org blocks)
GARDEN_FAQ_PAGE = parse(r"""
## garden-seedlings-leggy
U: Why are my seedlings tall, thin and floppy?
A: They're stretching for light. A windowsill, even a sunny one, gives far less light than seedlings need in early spring. Put them under a simple LED shop light hung 5 to 10 cm above the leaves for 14 to 16 hours a day, raising it as they grow. A small fan blowing gently on them for an hour a day makes the stems sturdier, and keeping the room a bit cooler slows the stretching too.

## garden-raised-bed-soil
U: What should I fill a raised bed with?
A: A mix of roughly 60 percent good topsoil and 40 percent compost works for most vegetables. Bagged "raised bed mix" is convenient but expensive for large beds; buying topsoil and compost in bulk by the cubic metre is much cheaper. If the bed is deep, you can fill the bottom third with logs, branches and leaves (the hügelkultur method), which rot slowly and save on soil. Top up with a few centimetres of compost each spring, because the level sinks.

## garden-slugs
U: How do I stop slugs eating my lettuce without poison?
A: Go out with a torch after dark and pick them off; it's gross but it works better than anything else, especially in the first weeks. Beer traps (a jar sunk into the soil and half filled with beer) catch a lot of them. Copper tape around raised beds helps, and so does removing hiding places like boards and long grass close to the bed. Water in the morning instead of the evening so the surface is dry at night when slugs are active. Encourage birds, frogs and hedgehogs, which eat them.

## garden-when-harvest-garlic
U: When should I harvest garlic?
A: When the lower third to half of the leaves have turned brown but the top ones are still green, usually early to mid summer for garlic planted in autumn. Each green leaf corresponds to a papery layer around the bulb, so if you wait until all the leaves are dead, the bulbs split and don't store well. Loosen the soil with a fork before pulling, then cure the bulbs somewhere dry and airy, out of the sun, for two to three weeks.

## garden-lawn-moss
U: My lawn is full of moss. What causes it?
A: Moss doesn't push grass out; it moves in where grass is struggling. Common causes are shade, compacted soil, poor drainage, acidic soil and mowing too short. Rake the moss out in spring or autumn, aerate compacted areas with a fork, overseed the bare patches and mow higher, at about 5 cm. In deep shade, grass may never do well, and a shade-tolerant ground cover or simply accepting the moss is less work. It's important to note that killing the moss without fixing the cause only helps for a season.

## garden-tomato-leaves
U: The lower leaves on my tomato plants are turning yellow. Should I worry?
A: A few yellow leaves at the bottom are normal as the plant grows and shades them out; just pinch them off. If the yellowing spreads upward with brown spots, it's probably early blight, a fungus that splashes up from the soil. Remove affected leaves, mulch around the base so water doesn't splash soil onto the plant, water the soil instead of the leaves, and give the plants more space for air to move. Yellowing between green veins on older leaves can also mean magnesium deficiency.
""")

# ---------------------------------------------------------------- html/qa/travel-faq.html (<dl>)
TRAVEL_FAQ_PAGE = parse(r"""
## travel-passport-validity
U: How long does my passport need to be valid to travel?
A: Many countries require at least six months of validity beyond your arrival or departure date, and the Schengen area requires three months beyond your planned departure and a passport issued within the last ten years. Airlines check this at the gate and will refuse boarding, so don't rely on the border being lenient. Check the official rules for each country on your route, including transit countries, well before you book.

## travel-currency
U: Should I exchange money before I travel?
A: Usually not much. Exchange counters at home and at airports give poor rates. A debit or credit card without foreign transaction fees gives close to the real rate, and you can withdraw local cash from an ATM when you arrive. When a card terminal or ATM offers to charge you in your home currency, say no: that "dynamic currency conversion" uses a bad rate. Carry a small amount of cash for the first taxi or bus, just in case.

## travel-overbooked
U: What are my rights if my flight is overbooked in Europe?
A: Under EU regulation 261/2004, if you're denied boarding against your will on a flight departing from the EU, or arriving in the EU on an EU airline, you are entitled to compensation of 250 to 600 euros depending on the distance, plus a choice between a refund and rerouting, and meals and a hotel if you have to wait. The airline must first ask for volunteers. Get the denial in writing at the desk, and claim directly with the airline before using a claims company that takes a cut.

## travel-altitude
U: How do I avoid altitude sickness in Cusco?
A: Cusco is at about 3,400 m, so most people feel something. Take it easy the first two days: walk slowly, drink plenty of water, eat light meals and skip alcohol. Many travellers go down to the Sacred Valley first, which is lower, and come back up to Cusco after a couple of days. Coca tea is traditional and harmless. Ask a doctor about acetazolamide before the trip if you've had altitude sickness before. If you get a severe headache, confusion or breathlessness at rest, descend and get medical help.

## travel-jetlag-near
U: What actually helps with jet lag when flying east?
A: Shift your schedule before you leave: go to bed an hour earlier each night for two or three days. On the plane, set your watch to the destination time and sleep or stay awake accordingly. When you arrive, get outside in the morning sunlight, which is the strongest signal for resetting your body clock, and avoid bright light in the late afternoon. Keep naps short, under 30 minutes, and skip alcohol on the flight. Most people adjust about one day per time zone without help, faster with light exposure.

## travel-solo-safety
U: Any safety tips for solo travel as a woman?
A: Book the first night's accommodation before you arrive and arrive in daylight if you can. Share your itinerary with someone at home and check in regularly. Choose guesthouses and hostels with good recent reviews from other solo women. Keep a copy of your passport and cards in your email, carry a little emergency cash separately, and trust your gut: it's fine to be rude or leave if something feels off. Local SIM cards are cheap almost everywhere, and having maps and a ride app on your phone is a big safety net.
""")
