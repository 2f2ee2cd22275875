#!/usr/bin/env python3
"""prodgy-mock benchmark driver (run it through bench/run.sh, which builds the binaries).

Measures prodgy-mock against the bare-hyper baseline in the same run: startup, throughput and
latency (wrk), memory (RSS) and scale (list pages, namespaces over a big seed). Prints a
markdown report and writes it to bench/RESULTS.md. Standard library only.
"""
import argparse
import datetime
import http.client
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
LIST_PATH = "/api/agent-base?page=1&pageSize=20"


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
            raise RuntimeError(f"{binary} did not start (first line: {line!r})")
        self.host, self.port = match.group(1), int(match.group(2))
        self.url = f"http://{self.host}:{self.port}"

    def rss_mb(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        hdrs = {"X-API-Token": TOKEN, **(headers or {})}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=hdrs)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status

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
    """Runs wrk (1 thread) and returns req/s, p50 ms, p99 ms, requests, errors, non-2xx."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(BENCH / "lua" / lua), url],
        capture_output=True, text=True, check=True,
    ).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": parse_ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": parse_ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
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
    return (
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}\n"
        f"- Machine: {os.cpu_count()} CPUs (`nproc`), {cpu}, {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}\n"
        f"- Load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other work on the machine skews results)\n"
        f"- Toolchain: {rustc}; commit {commit}\n"
    )


class Report:
    def __init__(self):
        self.lines = []
        self.notes = []

        self.facts = {}

    def section(self, title, header):
        block = ["", f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        self.lines += block
        print("\n".join(block), flush=True)

    def targets(self):
        """The issue's targets, each with the measured value and whether it is met."""
        f = self.facts
        checks = [
            ("startup ≤ 2× baseline (default fixtures)", "startup_ratio", lambda v: v <= 2, "{:.2f}×"),
            ("GET by id ≥ 70% of baseline req/s", "get_rps_ratio", lambda v: v >= 0.7, "{:.0%}"),
            ("GET by id p99 ≤ 2× baseline", "get_p99_ratio", lambda v: v <= 2, "{:.2f}×"),
            ("idle RSS ≤ 10 MB", "idle_rss", lambda v: v <= 10, "{:.1f} MB"),
            ("RSS with the big seed ≤ 150 MB", "big_rss", lambda v: v <= 150, "{:.1f} MB"),
            ("startup with the big seed < 1 s", "big_startup", lambda v: v < 1000, "{:.0f} ms"),
            ("first list page at the big seed ≤ 2× at 100", "page_ratio", lambda v: v <= 2, "{:.2f}×"),
            ("last list page at the big seed ≤ 2× at 100", "deep_page_ratio", lambda v: v <= 2, "{:.2f}×"),
            ("RSS after all requests within 10% of after the warm-up", "rss_growth", lambda v: v <= 0.10, "{:+.1%}"),
            ("ratelimit scenario (limits not hit) ≥ 90% of default-scenario GET req/s (issue #4)",
             "ratelimit_ratio", lambda v: v >= 0.9, "{:.0%}"),
        ]
        rows = ["", "## Targets (from issues #6 and #4)", "", "| target | measured | met |", "|---|---|---|"]
        for name, key, ok, fmt in checks:
            if key in f:
                rows.append(f"| {name} | {fmt.format(f[key])} | {'yes' if ok(f[key]) else '**no**'} |")
        self.lines += rows
        print("\n".join(rows), flush=True)

    def row(self, *cells):
        self.lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        print(self.lines[-1], flush=True)


def ratelimit_args(mock):
    """Arguments for the rate-limit scenario with high limits, or None (with the reason)."""
    scenario = os.environ.get("BENCH_RATELIMIT_SCENARIO", str(BENCH / "ratelimit-high.json"))
    args = ["--scenario", scenario]
    try:
        server = Server(mock, args)
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


def throughput(report, mock, baseline, seconds):
    report.section(
        "Throughput and latency (wrk, 1 thread, 32 connections)",
        ["workload", "req/s", "p50 ms", "p99 ms", "req/s vs baseline", "p50 vs baseline", "p99 vs baseline", "non-2xx"],
    )
    with Server(baseline) as base:
        b = wrk(base.url + GET_PATH, "get.lua", seconds)
    report.row("baseline (bare hyper, fixed JSON)", f"{b['rps']:.0f}", f"{b['p50']:.3f}", f"{b['p99']:.3f}", "1.00×", "1.00×", "1.00×", b["non2xx"])
    runs = [("GET /api/agent-base/{id}", [], GET_PATH, "get.lua"),
            ("GET /api/agent-base/{id}, --journal-size 0", ["--journal-size", "0"], GET_PATH, "get.lua"),
            ("GET list page (20 of 3)", [], LIST_PATH, "get.lua"),
            ("POST /api/integrations-base", [], "/api/integrations-base", "post.lua")]
    rl_args, note = ratelimit_args(mock)
    if rl_args:
        runs.append(("GET by id, ratelimit scenario (high limits)", rl_args, GET_PATH, "get.lua"))
    else:
        report.notes.append(note)
    default_get = None
    for name, args, path, lua in runs:
        with Server(mock, args) as server:
            r = wrk(server.url + path, lua, seconds)
        if path == GET_PATH and not args:
            default_get = r
            report.facts["get_rps_ratio"] = r["rps"] / b["rps"]
            report.facts["get_p99_ratio"] = r["p99"] / b["p99"]
        if args is rl_args and default_get:
            report.facts["ratelimit_ratio"] = r["rps"] / default_get["rps"]
            name += f" ({ratio(r['rps'], default_get['rps'])} the default-scenario GET)"
        report.row(name, f"{r['rps']:.0f}", f"{r['p50']:.3f}", f"{r['p99']:.3f}", ratio(r["rps"], b["rps"]),
                   ratio(r["p50"], b["p50"]), ratio(r["p99"], b["p99"]), r["non2xx"] + r["errors"])
    return b


def ratelimit_overhead(report, mock, seconds, rounds):
    """`--only ratelimit`: the default scenario and the high-limit ratelimit scenario, GET by id,
    alternated for `rounds` rounds so load from other work on the machine hits both alike;
    the ratio of the medians is issue #4's target."""
    rl_args, note = ratelimit_args(mock)
    if not rl_args:
        report.notes.append(note)
        return
    report.section(
        f"Rate-limit scenario overhead (GET by id, wrk 1 thread, 32 connections, {rounds} alternating rounds of {seconds} s)",
        ["scenario", "median req/s", "median p50 ms", "median p99 ms", "req/s vs default", "non-2xx"],
    )
    runs = {"default": [], "ratelimit": []}
    for _ in range(rounds):
        for key, args in (("default", []), ("ratelimit", rl_args)):
            with Server(mock, args) as server:
                runs[key].append(wrk(server.url + GET_PATH, "get.lua", seconds))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("rps", "p50", "p99")} for k, v in runs.items()}
    bad = {k: sum(r["non2xx"] + r["errors"] for r in v) for k, v in runs.items()}
    report.facts["ratelimit_ratio"] = med["ratelimit"]["rps"] / med["default"]["rps"]
    for key, label in (("default", "default"), ("ratelimit", " ".join(rl_args))):
        m = med[key]
        report.row(label, f"{m['rps']:.0f}", f"{m['p50']:.3f}", f"{m['p99']:.3f}",
                   ratio(m["rps"], med["default"]["rps"]), bad[key])


def startup(report, mock, baseline, tmp, runs, big):
    report.section(f"Startup (spawn → first authenticated GET answered, median of {runs})", ["server", "ms", "vs baseline"])
    base = startup_ms(baseline, [], runs)
    report.row("baseline", f"{base:.1f}", "1.00×")
    default = startup_ms(mock, [], runs)
    report.row("prodgy-mock, default fixtures", f"{default:.1f}", ratio(default, base))
    report.facts["startup_ratio"] = default / base
    seeded = startup_ms(mock, ["--fixtures", fixture_dir(tmp, big)], runs)
    report.facts["big_startup"] = seeded
    report.row(f"prodgy-mock, {big:,} agents", f"{seeded:.1f}", ratio(seeded, base))


def memory(report, mock, tmp, big, total):
    report.section("Memory (RSS)", ["state", "MB"])
    with Server(mock) as server:
        time.sleep(0.2)
        report.facts["idle_rss"] = server.rss_mb()
        report.row("idle after start, default fixtures", f"{report.facts['idle_rss']:.1f}")
        warm = max(10_000, total // 100)
        drive(server, warm)
        after_warm = server.rss_mb()
        report.row(f"after {warm:,} requests", f"{after_warm:.1f}")
        drive(server, total - warm)
        after_all = server.rss_mb()
        report.row(f"after {total:,} requests", f"{after_all:.1f}")
        report.facts["rss_growth"] = after_all / after_warm - 1
    with Server(mock, ["--fixtures", fixture_dir(tmp, big)]) as server:
        time.sleep(0.2)
        report.facts["big_rss"] = server.rss_mb()
        report.row(f"idle with {big:,} agents seeded", f"{report.facts['big_rss']:.1f}")


def drive(server, count):
    """Sends about `count` GETs by id with wrk (mixed with list pages), stopping at the count."""
    done = 0
    while done < count:
        seconds = max(1, min(30, int((count - done) / 40_000) + 1))
        done += wrk(server.url + GET_PATH, "get.lua", seconds)["requests"]


def scale(report, mock, tmp, sizes, seconds):
    report.section("Scale: one list page (20 agents, wrk 1×32)", ["agents seeded", "page", "req/s", "p50 ms", "p99 ms", "p50 vs 100"])
    first = None
    for size in sizes:
        with Server(mock, ["--fixtures", fixture_dir(tmp, size)]) as server:
            for label, page in (("first", 1), ("last", max(1, size // 20))):
                r = wrk(f"{server.url}/api/agent-base?page={page}&pageSize=20", "get.lua", seconds)
                first = first or r["p50"]
                report.facts["page_ratio" if page == 1 else "deep_page_ratio"] = r["p50"] / first
                report.row(f"{size:,}", f"{label} ({page})", f"{r['rps']:.0f}", f"{r['p50']:.3f}", f"{r['p99']:.3f}", ratio(r["p50"], first))


def namespaces(report, mock, tmp, big, tries):
    report.section(f"Namespaces over a {big:,}-agent seed (median of {tries}, one client)", ["request", "ms"])
    with Server(mock, ["--fixtures", fixture_dir(tmp, big)]) as server:
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


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mock", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--quick", action="store_true", help="smoke run: short and small")
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    parser.add_argument("--only", choices=["ratelimit"],
                        help="run one part and print it without writing --out "
                             "(ratelimit: the rate-limit scenario overhead, issue #4)")
    opts = parser.parse_args()
    quick = opts.quick
    seconds = 2 if quick else 10
    big = 20_000 if quick else 100_000
    report = Report()
    if opts.only == "ratelimit":
        print("# prodgy-mock: rate-limit scenario overhead\n\n" + machine())
        ratelimit_overhead(report, opts.mock, seconds, 3 if quick else 5)
        report.targets()
        print("\n".join(f"- {n}" for n in report.notes))
        return
    header = f"# prodgy-mock benchmark results{' (--quick smoke run)' if quick else ''}\n\n" + machine()
    print(header)
    with tempfile.TemporaryDirectory(prefix="prodgy-bench-") as tmp:
        startup(report, opts.mock, opts.baseline, tmp, 5 if quick else 21, big)
        throughput(report, opts.mock, opts.baseline, seconds)
        memory(report, opts.mock, tmp, big, 100_000 if quick else 1_000_000)
        scale(report, opts.mock, tmp, [100, 10_000, big], 1 if quick else 5)
        namespaces(report, opts.mock, tmp, big, 5 if quick else 21)
    report.targets()
    text = header + "\n".join(report.lines) + "\n"
    if report.notes:
        text += "\n## Notes\n\n" + "\n".join(f"- {n}" for n in report.notes) + "\n"
    text += "\nReproduce: `bench/run.sh" + (" --quick" if quick else "") + "` (see README, \"Benchmarks and robustness\").\n"
    Path(opts.out).write_text(text)
    print("\n".join(f"- {n}" for n in report.notes))
    print(f"\nwritten to {opts.out}")


if __name__ == "__main__":
    main()
