#!/usr/bin/env python3
"""prodgy-mock benchmark driver (run it through bench/run.sh, which builds the binaries).

Measures prodgy-mock against a bare-hyper baseline in the same run. For each workload it first
captures the mock's exact answer (status, headers, body) to the workload's request, starts the
baseline answering those very bytes, then alternates the two (mock, baseline, mock, baseline, ...)
under wrk, reading each server's CPU time (utime+stime, /proc/PID/stat) before and after every
wrk run. CPU per request is the steadiest figure on a shared machine; each is reported next to
req/s and latency, as medians over the rounds and as ratios mock/baseline, and judged against
issue 13's targets. Also measured: startup, memory (RSS), list cost at scale, namespace cost.

Prints a markdown report; a full run (no --only) writes it to bench/RESULTS.md, and --json FILE
writes a machine-readable summary that --compare FILE reads back. Standard library only.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOKEN = "prodgy_AcmeSupportDefaultToken000000001"
AGENT = "a9e1f3b5-0001-4c6d-8e7f-100000000001"
GET_PATH = f"/api/agent-base/{AGENT}"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# prodgy-mock runs with default settings (journal on, default scenario) and watching off.
MOCK_DEFAULTS = ["--no-watch"]
# Set by hyper on both sides, or connection-level: not replayed by the baseline.
NOT_REPLAYED = {"date", "content-length", "transfer-encoding", "connection", "keep-alive"}


class Server:
    """A spawned server (prodgy-mock or the baseline) and its URL from the first stdout line."""

    def __init__(self, binary, args=(), env=None):
        self.proc = subprocess.Popen(
            [binary, "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        line = self.proc.stdout.readline().decode().strip()
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if not match:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"{binary} {' '.join(args)} did not start (first line: {line!r})")
        self.host, self.port = match.group(1), int(match.group(2))
        self.url = f"http://{self.host}:{self.port}"

    def rss_mb(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self):
        """utime + stime of the whole process (all threads), fields 14 and 15 of /proc/PID/stat."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; field 3 is fields[0]
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def exchange(self, method, path, body=None, headers=None):
        """One request on a fresh connection: (status, [(name, value)...], body bytes)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.request(method, path, body=body, headers={"X-API-Token": TOKEN, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, response.getheaders(), data

    def request(self, method, path, body=None, headers=None):
        hdrs = dict(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json")
        return self.exchange(method, path, body, hdrs)[0]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def mock_server(mock, args=()):
    return Server(mock, [*MOCK_DEFAULTS, *args])


def startup_ms(binary, args, runs):
    """Median milliseconds from spawn to the first successful authenticated GET."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        server = Server(binary, args)
        try:
            while True:
                try:
                    if server.request("GET", GET_PATH) == 200:
                        break
                except OSError:
                    pass
            times.append((time.perf_counter() - started) * 1000)
        finally:
            server.stop()
    return statistics.median(times)


def parse_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, lua, seconds, connections=32):
    """Runs wrk (1 thread, --latency) and returns req/s, p50 ms, p99 ms, requests, bytes read,
    errors, non-2xx."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(BENCH / "lua" / lua), url],
        capture_output=True, text=True, check=True,
    ).stdout
    read, unit = re.search(r"requests in \S+, ([\d.]+)(B|KB|MB|GB) read", out).groups()
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": parse_ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": parse_ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "bytes": float(read) * {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}[unit],
        "non2xx": 0,
        "errors": 0,
    }
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        result["non2xx"] = int(non2xx.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        result["errors"] = sum(int(g) for g in errors.groups())
    return result


# Seconds of load each fresh server gets, unmeasured, before a measured run: both servers are
# then measured in their steady state (allocator pages taken, the journal's window filled,
# every connection's per-connection memory made) rather than partly in their first second.
WARMUP_SECONDS = 1


def measure(server, path, lua, seconds):
    """wrk against `server` after a warm-up (WARMUP_SECONDS, not counted), plus the server's
    CPU µs per request served during the measured run."""
    wrk(server.url + path, lua, WARMUP_SECONDS)
    before = server.cpu_seconds()
    result = wrk(server.url + path, lua, seconds)
    spent = server.cpu_seconds() - before
    result["cpu_us"] = spent / max(result["requests"], 1) * 1e6
    return result


def ratio(value, base):
    return f"{value / base:.2f}×" if base else "n/a"


def fixture_dir(tmp, count):
    out = Path(tmp) / f"agents-{count}"
    if not out.exists():
        subprocess.run(
            [sys.executable, str(BENCH / "gen_fixtures.py"), str(ROOT / "fixtures"), str(out), str(count)],
            check=True,
        )
    return str(out)


def lua_request(lua):
    """The method, headers and body a wrk script in bench/lua sends, so the capture sends the same."""
    text = (BENCH / "lua" / lua).read_text()
    method = re.search(r'wrk\.method\s*=\s*"(\w+)"', text)
    body = re.search(r"wrk\.body\s*=\s*'([^']*)'", text)
    headers = dict(re.findall(r'wrk\.headers\["([^"]+)"\]\s*=\s*"([^"]*)"', text))
    return (method.group(1) if method else "GET"), headers, (body.group(1) if body else None)


def machine():
    cpu = platform.processor() or "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")
    )
    load = os.getloadavg()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", "src", "Cargo.toml", "Cargo.lock"],
        capture_output=True, text=True,
    ).stdout.strip()
    meta = {
        "date": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        "cpus": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}", "load_start": [round(x, 2) for x in load],
        "rustc": rustc, "commit": commit + (" + uncommitted changes to src/ or Cargo files" if dirty else ""),
    }
    text = (
        f"- Date: {meta['date']}\n"
        f"- Machine: {meta['cpus']} CPUs (`nproc`), {cpu}, {meta['mem_gib']} GiB RAM, {meta['os']}\n"
        f"- Load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other work on the machine skews results)\n"
        f"- Toolchain: {rustc}; commit {meta['commit']}\n"
    )
    return text, meta


# Issue 13's targets (ratios to the baseline, medians of alternating rounds), then the memory
# targets and the earlier ones still held (issue #6). (name, fact key, test, format).
TARGETS = [
    ("GET by id: CPU per request ≤ 1.3× baseline", "get.cpu", lambda v: v <= 1.3, "{:.2f}×"),
    ("GET by id: req/s ≥ 0.85× baseline", "get.rps", lambda v: v >= 0.85, "{:.2f}×"),
    ("GET by id: p99 ≤ 1.5× baseline", "get.p99", lambda v: v <= 1.5, "{:.2f}×"),
    ("list page (20 of 100): CPU per request ≤ 1.5× baseline", "list.cpu", lambda v: v <= 1.5, "{:.2f}×"),
    ("POST create: CPU per request ≤ 2.0× baseline", "post.cpu", lambda v: v <= 2.0, "{:.2f}×"),
    ("POST create: req/s ≥ 0.65× baseline", "post.rps", lambda v: v >= 0.65, "{:.2f}×"),
    ("rate-limit scenario, limits never hit, GET by id: CPU per request ≤ 1.4× baseline",
     "get-ratelimit.cpu", lambda v: v <= 1.4, "{:.2f}×"),
    ("idle RSS ≤ 10 MB", "idle_rss", lambda v: v <= 10, "{:.1f} MB"),
    ("RSS with {big:,} agents ≤ 150 MB (issue: 100k)", "big_rss", lambda v: v <= 150, "{:.1f} MB"),
    ("flat RSS: after {total:,} requests within 10% of after the warm-up", "rss_growth", lambda v: v <= 0.10, "{:+.1%}"),
    ("startup ≤ 2× baseline (default fixtures)", "startup_ratio", lambda v: v <= 2, "{:.2f}×"),
    ("startup with {big:,} agents < 1 s", "big_startup", lambda v: v < 1000, "{:.0f} ms"),
    ("first list page at {big:,} agents ≤ 2× at 100", "page_ratio", lambda v: v <= 2, "{:.2f}×"),
    ("last list page at {big:,} agents ≤ 2× at 100", "deep_page_ratio", lambda v: v <= 2, "{:.2f}×"),
    ("ratelimit scenario (limits not hit) ≥ 0.90× default-scenario GET req/s (issue #4)",
     "ratelimit_ratio", lambda v: v >= 0.9, "{:.2f}×"),
]


class Report:
    def __init__(self, scale):
        self.scale = scale  # {"big": agents in the big seed, "total": requests in the RSS run}
        self.lines = []
        self.notes = []
        self.facts = {}
        self.workloads = {}
        self.targets_met = []

    def section(self, title, header, intro=None):
        block = ["", f"## {title}", ""]
        if intro:
            block += [intro, ""]
        block += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        self.lines += block
        print("\n".join(block), flush=True)

    def row(self, *cells):
        self.lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        print(self.lines[-1], flush=True)

    def targets(self):
        """The targets measured in this run, each with its figure and PASS/FAIL."""
        checks = [t for t in TARGETS if t[1] in self.facts]
        if not checks:
            return
        self.section("Targets (issue 13; memory and startup from issue 6; rate limit from issue 4)",
                     ["target", "measured", "verdict"])
        for name, key, ok, fmt in checks:
            name = name.format(**self.scale)
            passed = ok(self.facts[key])
            self.targets_met.append({"target": name, "key": key, "measured": self.facts[key], "pass": passed})
            self.row(name, fmt.format(self.facts[key]), "PASS" if passed else "**FAIL**")


class Workload:
    """One request measured on the mock and on a baseline answering the mock's bytes for it."""

    def __init__(self, key, label, path, lua, args=()):
        self.key, self.label, self.path, self.lua, self.args = key, label, path, lua, list(args)

    def capture(self, mock, tmp):
        """The mock's answer to this workload's request, as baseline arguments (body in a file)."""
        method, headers, body = lua_request(self.lua)
        with mock_server(mock, self.args) as server:
            status, answer_headers, data = server.exchange(method, self.path, body, headers)
        if not 200 <= status < 300:
            raise RuntimeError(f"{self.label}: the mock answered {status}: {data[:200]!r}")
        body_file = Path(tmp) / f"answer-{self.key}.bin"
        body_file.write_bytes(data)
        args = ["--body", str(body_file), "--status", str(status)]
        for name, value in answer_headers:
            if name.lower() not in NOT_REPLAYED:
                args += ["--header", f"{name}: {value}"]
        return args, status, len(data)

    def run(self, mock, baseline, tmp, rounds, seconds):
        """Alternating rounds, a fresh server each time; returns {"mock": [...], "baseline": [...]}."""
        base_args, status, size = self.capture(mock, tmp)
        replayed = base_args.count("--header")
        self.answer = f"{status}, {size}-byte body, {replayed} header{'s' * (replayed != 1)} replayed"
        runs = {"mock": [], "baseline": []}
        for _ in range(rounds):
            with mock_server(mock, self.args) as server:
                runs["mock"].append(measure(server, self.path, self.lua, seconds))
            with Server(baseline, base_args) as server:
                runs["baseline"].append(measure(server, self.path, self.lua, seconds))
        return runs


def workloads(mock, tmp, report):
    """The four workloads of issue 13, by key (the rate-limit one only when its scenario fits)."""
    found = [
        Workload("get", "GET /api/agent-base/{id}", GET_PATH, "get.lua"),
        Workload("list", "GET list page 2 of 100 agents, 20 a page", "/api/agent-base?page=2&pageSize=20",
                 "get.lua", ["--fixtures", fixture_dir(tmp, 100)]),
        Workload("post", "POST /api/integrations-base (create)", "/api/integrations-base", "post.lua"),
    ]
    rl_args, note = ratelimit_args(mock)
    if rl_args:
        found.append(Workload("get-ratelimit", f"GET by id, `{shown(rl_args)}` (limits never hit)",
                              GET_PATH, "get.lua", rl_args))
    else:
        report.notes.append(note)
    return found


MEDIANS = ("cpu_us", "rps", "p50", "p99")


def summarize(runs):
    """Medians per side, ratios of the medians, and the spread of the per-round CPU ratios."""
    med = {side: {m: statistics.median(r[m] for r in rs) for m in MEDIANS} for side, rs in runs.items()}
    for side, rs in runs.items():
        med[side]["bad"] = sum(r["non2xx"] + r["errors"] for r in rs)
        med[side]["bytes_per_req"] = statistics.median(r["bytes"] / max(r["requests"], 1) for r in rs)
    ratios = {m.replace("_us", ""): med["mock"][m] / med["baseline"][m] for m in MEDIANS}
    per_round = [m["cpu_us"] / b["cpu_us"] for m, b in zip(runs["mock"], runs["baseline"])]
    return med, ratios, per_round


def throughput(report, mock, baseline, tmp, rounds, seconds, only):
    selected = [w for w in workloads(mock, tmp, report) if only is None or w.key in only]
    if not selected:
        return
    report.section(
        f"CPU per request, throughput and latency (wrk -t1 -c32 -d{seconds}s --latency, "
        f"{rounds} alternating rounds, medians)",
        ["workload", "server", "CPU µs/req", "req/s", "p50 ms", "p99 ms",
         "CPU ratio", "req/s ratio", "p50 ratio", "p99 ratio", "CPU ratio per round", "non-2xx/errors"],
        intro="Each workload's baseline is bare hyper answering the bytes the mock answered to the same "
              "request (status, body, headers but Date/Content-Length). Rounds alternate mock, baseline, "
              f"a fresh server each, warmed up by an unmeasured {WARMUP_SECONDS}-s wrk run; CPU is the server's "
              "utime+stime over the measured wrk run divided by the requests served. Ratios are mock/baseline of the medians.",
    )
    loads = []
    for w in selected:
        loads.append(f"{w.key} {os.getloadavg()[0]:.2f}")
        runs = w.run(mock, baseline, tmp, rounds, seconds)
        med, ratios, per_round = summarize(runs)
        for kind, value in ratios.items():
            report.facts[f"{w.key}.{kind}"] = value
        report.workloads[w.key] = {"label": w.label, "path": w.path, "mock_args": MOCK_DEFAULTS + w.args,
                                   "answer": w.answer, "rounds": runs, "median": med, "ratio": ratios,
                                   "cpu_ratio_per_round": per_round}
        b, m = med["baseline"], med["mock"]
        report.row(f"{w.label} ({w.answer})", "baseline", f"{b['cpu_us']:.1f}", f"{b['rps']:.0f}",
                   f"{b['p50']:.3f}", f"{b['p99']:.3f}", "", "", "", "", "", b["bad"])
        report.row("", "prodgy-mock", f"{m['cpu_us']:.1f}", f"{m['rps']:.0f}", f"{m['p50']:.3f}", f"{m['p99']:.3f}",
                   f"**{ratios['cpu']:.2f}×**", f"{ratios['rps']:.2f}×", f"{ratios['p50']:.2f}×",
                   f"{ratios['p99']:.2f}×", f"{min(per_round):.2f}–{max(per_round):.2f}×", m["bad"])
        if m["bad"] or b["bad"]:
            report.notes.append(f"{w.label}: non-2xx answers or socket errors during the runs "
                                f"(mock {m['bad']}, baseline {b['bad']}); its figures are suspect.")
        if abs(m["bytes_per_req"] / b["bytes_per_req"] - 1) > 0.02:
            report.notes.append(f"{w.label}: wrk read {m['bytes_per_req']:.0f} bytes a response from the mock "
                                f"but {b['bytes_per_req']:.0f} from its baseline: the replay is not like for like.")
    report.notes.append(f"Load average (1 min) as each workload started: {', '.join(loads)}.")


def ratelimit_args(mock):
    """Arguments for the rate-limit scenario with high limits, or None (with the reason)."""
    scenario = os.environ.get("BENCH_RATELIMIT_SCENARIO", str(BENCH / "ratelimit-high.json"))
    args = ["--scenario", scenario]
    try:
        server = mock_server(mock, args)
    except RuntimeError:
        return None, f"`--scenario {scenario}` is not available in this build; skipped."
    with server:
        statuses = [server.request("GET", GET_PATH) for _ in range(30)]
    if any(s == 429 for s in statuses):
        return None, (
            f"`--scenario {scenario}` limits trigger within 30 requests; set BENCH_RATELIMIT_SCENARIO "
            "to a scenario file with high limits to measure its overhead. Skipped."
        )
    return args, None


def shown(args):
    """Arguments as a reader would type them from the repository root."""
    return " ".join(str(Path(a).relative_to(ROOT)) if a.startswith(str(ROOT) + "/") else a for a in args)


def ratelimit_overhead(report, mock, rounds, seconds):
    """`--only ratelimit` (issue #4): the default scenario and the high-limit ratelimit scenario,
    both on the mock, GET by id, alternated for `rounds` rounds; the ratio of the median req/s."""
    rl_args, note = ratelimit_args(mock)
    if not rl_args:
        report.notes.append(note)
        return
    report.section(
        f"Rate-limit scenario overhead (issue #4; GET by id, wrk -t1 -c32 -d{seconds}s, {rounds} alternating rounds, medians)",
        ["scenario", "CPU µs/req", "req/s", "p50 ms", "p99 ms", "CPU vs default", "req/s vs default", "non-2xx"],
    )
    runs = {"default": [], "ratelimit": []}
    for _ in range(rounds):
        for key, args in (("default", []), ("ratelimit", rl_args)):
            with mock_server(mock, args) as server:
                runs[key].append(measure(server, GET_PATH, "get.lua", seconds))
    med = {k: {m: statistics.median(r[m] for r in v) for m in MEDIANS} for k, v in runs.items()}
    bad = {k: sum(r["non2xx"] + r["errors"] for r in v) for k, v in runs.items()}
    report.facts["ratelimit_ratio"] = med["ratelimit"]["rps"] / med["default"]["rps"]
    for key, label in (("default", "default"), ("ratelimit", shown(rl_args))):
        m = med[key]
        report.row(label, f"{m['cpu_us']:.1f}", f"{m['rps']:.0f}", f"{m['p50']:.3f}", f"{m['p99']:.3f}",
                   ratio(m["cpu_us"], med["default"]["cpu_us"]), ratio(m["rps"], med["default"]["rps"]), bad[key])


def startup(report, mock, baseline, tmp, runs, big):
    report.section(f"Startup (spawn → first authenticated GET answered, median of {runs})", ["server", "ms", "vs baseline"])
    base = startup_ms(baseline, [], runs)
    report.row("baseline", f"{base:.1f}", "1.00×")
    default = startup_ms(mock, MOCK_DEFAULTS, runs)
    report.row("prodgy-mock, default fixtures", f"{default:.1f}", ratio(default, base))
    report.facts["startup_ratio"] = default / base
    seeded = startup_ms(mock, [*MOCK_DEFAULTS, "--fixtures", fixture_dir(tmp, big)], runs)
    report.facts["big_startup"] = seeded
    report.row(f"prodgy-mock, {big:,} agents", f"{seeded:.1f}", ratio(seeded, base))


def memory(report, mock, tmp, big, total):
    report.section("Memory (RSS)", ["state", "MB"])
    with mock_server(mock) as server:
        time.sleep(0.2)
        report.facts["idle_rss"] = server.rss_mb()
        report.row("idle after start, default fixtures", f"{report.facts['idle_rss']:.1f}")
        warm = max(10_000, total // 100)
        drive(server, warm)
        after_warm = server.rss_mb()
        report.row(f"after {warm:,} requests (GET by id)", f"{after_warm:.1f}")
        drive(server, total - warm)
        after_all = server.rss_mb()
        report.row(f"after {total:,} requests", f"{after_all:.1f}")
        report.facts["rss_growth"] = after_all / after_warm - 1
    with mock_server(mock, ["--fixtures", fixture_dir(tmp, big)]) as server:
        time.sleep(0.2)
        report.row(f"{big:,} agents seeded, 0.2 s after start", f"{server.rss_mb():.1f}")
        # Loading frees about as much as it keeps; the allocator gives it back once its purge
        # delay has passed, which the binary sees to 1.2 s after start (settle_allocator in
        # src/main.rs). The target reads the settled figure.
        time.sleep(1.3)
        report.facts["big_rss"] = server.rss_mb()
        report.row(f"idle with {big:,} agents seeded, settled (1.5 s after start)",
                   f"{report.facts['big_rss']:.1f}")


def drive(server, count):
    """Sends about `count` GETs by id with wrk, stopping at the count."""
    done = 0
    while done < count:
        seconds = max(1, min(30, int((count - done) / 40_000) + 1))
        done += wrk(server.url + GET_PATH, "get.lua", seconds)["requests"]


def scale(report, mock, tmp, sizes, seconds):
    report.section("Scale: one list page (20 agents, wrk -t1 -c32)",
                   ["agents seeded", "page", "CPU µs/req", "req/s", "p50 ms", "p99 ms", "p50 vs 100"])
    first = None
    for size in sizes:
        with mock_server(mock, ["--fixtures", fixture_dir(tmp, size)]) as server:
            for label, page in (("first", 1), ("last", max(1, size // 20))):
                r = measure(server, f"/api/agent-base?page={page}&pageSize=20", "get.lua", seconds)
                first = first or r["p50"]
                if size == sizes[-1]:
                    report.facts["page_ratio" if page == 1 else "deep_page_ratio"] = r["p50"] / first
                report.row(f"{size:,}", f"{label} ({page})", f"{r['cpu_us']:.1f}", f"{r['rps']:.0f}",
                           f"{r['p50']:.3f}", f"{r['p99']:.3f}", ratio(r["p50"], first))


def namespaces(report, mock, tmp, big, tries):
    report.section(f"Namespaces over a {big:,}-agent seed (median of {tries}, one client)", ["request", "ms"])
    with mock_server(mock, ["--fixtures", fixture_dir(tmp, big)]) as server:
        def timed(method, path, namespace, body=None):
            started = time.perf_counter()
            status = server.request(method, path, body, {"X-Mock-Namespace": namespace})
            assert status < 300, f"{method} {path} in {namespace}: {status}"
            return (time.perf_counter() - started) * 1000
        warm, first, write, write2 = [], [], [], []
        for n in range(tries):
            ns = f"bench-{n}"
            first.append(timed("GET", GET_PATH, ns))
            warm.append(timed("GET", GET_PATH, ns))
            write.append(timed("PUT", GET_PATH, ns, '{"name": "renamed"}'))
            write2.append(timed("PUT", GET_PATH, ns, '{"name": "again"}'))
        report.row("GET by id in an existing namespace", f"{statistics.median(warm):.2f}")
        report.row("first request with a new X-Mock-Namespace", f"{statistics.median(first):.2f}")
        report.row("first write (PUT agent) in that namespace", f"{statistics.median(write):.2f}")
        report.row("second write in that namespace", f"{statistics.median(write2):.2f}")


def compare(report, old_file):
    """Prints this run's workload ratios next to those of an earlier --json summary."""
    old = json.loads(Path(old_file).read_text())
    keys = [k for k in report.workloads if k in old.get("workloads", {})]
    if not keys:
        report.notes.append(f"--compare {old_file}: no workload in common with this run.")
        return
    report.section(f"Compared with {old_file} ({old['meta']['date']}, commit {old['meta']['commit']})",
                   ["workload", "CPU ratio before → now", "mock CPU µs/req before → now",
                    "req/s ratio before → now", "p99 ratio before → now"])
    for k in keys:
        o, n = old["workloads"][k], report.workloads[k]
        report.row(n["label"], f"{o['ratio']['cpu']:.2f}× → {n['ratio']['cpu']:.2f}×",
                   f"{o['median']['mock']['cpu_us']:.1f} → {n['median']['mock']['cpu_us']:.1f}",
                   f"{o['ratio']['rps']:.2f}× → {n['ratio']['rps']:.2f}×",
                   f"{o['ratio']['p99']:.2f}× → {n['ratio']['p99']:.2f}×")
    report.notes.append("Compare the ratios: each is against a baseline measured in its own run, so they "
                        "travel between runs far better than the absolute µs and req/s do.")


WORKLOADS = ["get", "list", "post", "get-ratelimit"]
SECTIONS = ["startup", "memory", "scale", "namespaces"]
EXTRA = ["ratelimit"]  # only when asked for: issue #4's comparison of two mock scenarios


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mock", required=True, help="the prodgy-mock binary")
    parser.add_argument("--baseline", required=True, help="the prodgy-baseline binary")
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer, shorter rounds, smaller seeds")
    parser.add_argument("--rounds", type=int, help="alternating rounds per workload (default 5, --quick 2)")
    parser.add_argument("--seconds", type=int, help="seconds per wrk run (default 4, --quick 2)")
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"), help="markdown report of a full run")
    parser.add_argument("--json", metavar="FILE", help="also write a machine-readable summary to FILE")
    parser.add_argument("--compare", metavar="FILE", help="show the workload ratios next to an earlier --json FILE")
    parser.add_argument("--only", metavar="NAME[,NAME]",
                        help=f"run only these parts and leave --out alone. Workloads: {', '.join(WORKLOADS)}; "
                             f"sections: {', '.join(SECTIONS)}; and ratelimit (issue #4: ratelimit scenario vs "
                             "the default one, both on the mock)")
    opts = parser.parse_args()
    only = None
    if opts.only:
        only = set(opts.only.split(","))
        unknown = only - set(WORKLOADS + SECTIONS + EXTRA)
        if unknown:
            parser.error(f"--only: unknown {', '.join(sorted(unknown))} (choose from {', '.join(WORKLOADS + SECTIONS + EXTRA)})")
    quick = opts.quick
    rounds = opts.rounds or (2 if quick else 5)
    seconds = opts.seconds or (2 if quick else 4)
    big = 20_000 if quick else 100_000
    total = 100_000 if quick else 1_000_000

    def wanted(part):
        return only is None or part in only

    report = Report({"big": big, "total": total})
    info, meta = machine()
    title = "# prodgy-mock benchmark results" + (" (--quick smoke run)" if quick else "") + \
        (f" (--only {opts.only})" if only else "")
    header = f"{title}\n\n{info}"
    print(header)
    with tempfile.TemporaryDirectory(prefix="prodgy-bench-") as tmp:
        if wanted("startup"):
            startup(report, opts.mock, opts.baseline, tmp, 5 if quick else 21, big)
        if only is None or only & set(WORKLOADS):
            throughput(report, opts.mock, opts.baseline, tmp, rounds, seconds, only)
        if only and "ratelimit" in only:
            ratelimit_overhead(report, opts.mock, rounds, seconds)
        if wanted("memory"):
            memory(report, opts.mock, tmp, big, total)
        if wanted("scale"):
            scale(report, opts.mock, tmp, [100, 10_000, big], 1 if quick else 5)
        if wanted("namespaces"):
            namespaces(report, opts.mock, tmp, big, 5 if quick else 21)
    report.targets()
    if opts.compare:
        compare(report, opts.compare)
    load = os.getloadavg()
    meta["load_end"] = [round(x, 2) for x in load]
    report.notes.append(f"Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.")
    notes = "\n## Notes\n\n" + "\n".join(f"- {n}" for n in report.notes) + "\n"
    print(notes)
    if opts.json:
        summary = {"meta": {**meta, "quick": quick, "only": opts.only, "rounds": rounds, "seconds": seconds},
                   "workloads": report.workloads, "facts": report.facts, "targets": report.targets_met,
                   "notes": report.notes}
        Path(opts.json).write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
        print(f"summary written to {opts.json}")
    if only is None:
        text = header + "\n".join(report.lines) + "\n" + notes
        text += "\nReproduce: `bench/run.sh" + (" --quick" if quick else "") + "` (see README, \"Benchmarks and robustness\").\n"
        Path(opts.out).write_text(text)
        print(f"written to {opts.out}")


if __name__ == "__main__":
    main()
