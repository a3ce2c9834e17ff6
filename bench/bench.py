"""Fleet benchmark: generates a fixed fleet of sites (seeded), then times the commands a
provider's CI runs on every commit against the floor: only reading and parsing the YAML
with libyaml's C loader, and writing as many output bytes. A script, not a test.

    python bench/bench.py [--sites 1000] [--handsets 100] [--runs 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from compiler.cache import directory_of

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-26 12:00"
SEED = 720
FIRST_NAMES = ("Anna", "Ben", "Carl", "Dörte", "Émile", "Fatma", "Günter", "Hanna", "Ines",
               "Jürgen", "Kai", "Lena", "Malte", "Nils", "O'Brien", "Paula", "Ralf", "Sören")
ROOMS = ("Empfang", "Station", "Küche", "Labor", "Lager", "Büro", "Zimmer", "Werkstatt")


# -- the fleet ------------------------------------------------------------------------------


def _ipui(rng: random.Random, used: set[int]) -> str:
    while True:
        number = rng.randrange(1, 1 << 36)
        if number not in used:
            used.add(number)
            break
    hex_form = f"{number:010X}"
    if rng.random() < 0.3:  # some boxes print the decimal IPEI
        emc, psn = number >> 20, number & 0xFFFFF
        digits = f"{emc:05d}{psn:07d}"
        check = sum(i * int(d) for i, d in enumerate(digits, start=1)) % 11
        return f"{digits[:5]} {digits[5:]} {'*' if check == 10 else check}"
    return hex_form


def site_text(index: int, handsets: int, rng: random.Random, used: set[int]) -> str:
    name = f"site-{index:05d}"
    lines = [
        "# yaml-language-server: $schema=../schemas/site.schema.json",
        f"site: {name}", f'mac: "7C:2F:{index >> 16 & 255:02X}:'
        f'{index >> 8 & 255:02X}:{index & 255:02X}:{rng.randrange(256):02X}"',
        f"profile_name: Customer {index}", "profile: care-home", "",
        "providers:", "  - Hosted PBX", "  - name: Trunk",  # the first from fleet.yaml
        "    domain: trunk.example.net", "    outbound_proxy: sbc.example.net:5061", "",
        "registration:", "  window:", "    start: 2026-12-01 08:00", "    duration: 2d",
        "", "handsets:",
    ]
    for slot in range(handsets):
        login = f"{1000 + slot}"
        display = f"{rng.choice(ROOMS)} {slot} {rng.choice(FIRST_NAMES)}"
        lines += [f'  - ipui: "{_ipui(rng, used)}"', f'    login: "{login}"',
                  f"    password: {{secret: {name}/{login}}}",
                  f'    display_name: "{display}"']
        if slot % 10 == 9:
            lines.append("    provider: Trunk")
    return "\n".join(lines) + "\n"


# What every generated site shares: its first provider, its model, firmware, zone, NTP
# server and PIN, and (by its profile) its handsets' voicemail.
FLEET = """\
providers:
  - name: Hosted PBX
    domain: voip.example-provider.de
    proxy: sip.example-provider.de:5060
sites:
  model: N720
  firmware: 110
  timezone: Europe/Berlin
  time: {ntp_server: ptbtime1.ptb.de}
  registration: {pin: "0000"}
profiles:
  care-home:
    defaults: {voicemail: "*55"}
"""


def generate(root: Path, sites: int, handsets: int) -> None:
    rng = random.Random(SEED)
    used: set[int] = set()
    (root / "sites").mkdir(parents=True)
    (root / "fleet.yaml").write_text(FLEET, encoding="utf-8")
    for index in range(sites):
        (root / "sites" / f"site-{index:05d}.yaml").write_text(
            site_text(index, handsets, rng, used), encoding="utf-8")


def edit_one_site(root: Path, round_number: int) -> None:
    path = root / "sites" / "site-00000.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "profile_name: Customer 0"
    path.write_text(text.replace(text[text.index(marker):text.index("\n", text.index(marker))],
                                 f"{marker} r{round_number}"), encoding="utf-8")


# -- measuring ------------------------------------------------------------------------------


def floor(root: Path, output_bytes: int) -> None:
    """The least any compiler of these inputs must do: read and parse every site with the
    C loader, and write as many bytes as the build writes."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((root / "sites").glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=loader)
    out = root / "floor-output"
    out.mkdir(exist_ok=True)
    chunk = b"x" * 4096
    per_file = max(1, output_bytes // max(1, len(list((root / "sites").glob("*.yaml")))))
    for index in range(len(list((root / "sites").glob("*.yaml")))):
        with open(out / f"{index}.xml", "wb") as stream:
            remaining = per_file
            while remaining > 0:
                stream.write(chunk[:remaining])
                remaining -= len(chunk)
    shutil.rmtree(out)


def run(root: Path, *args: str) -> tuple[float, int]:
    """Seconds and peak resident memory (KiB) of one dectprov command."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "compiler", *args, "--root", str(root)],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):
        raise SystemExit(f"dectprov {' '.join(args)} failed ({code}): "
                         f"{process.stderr.read().decode()[-2000:] if process.stderr else ''}")
    return elapsed, usage.ru_maxrss


def measure(runs: int, prepare: Callable[[int], None], action: Callable[[], tuple[float, int]],
            ) -> dict[str, float]:
    seconds, memory = [], []
    for number in range(runs):
        prepare(number)
        elapsed, rss = action()
        seconds.append(elapsed)
        memory.append(rss)
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
            "peak_rss_mib": max(memory) / 1024}


def output_size(root: Path) -> int:
    return sum(p.stat().st_size for p in (root / "build").rglob("*") if p.is_file())


def benchmark(sites: int, handsets: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="dectprov-bench-") as directory:
        root = Path(directory)
        try:
            return _benchmark(root, sites, handsets, runs)
        finally:  # the cache of a root that is gone
            shutil.rmtree(directory_of(root), ignore_errors=True)


def _benchmark(root: Path, sites: int, handsets: int, runs: int) -> dict[str, object]:
    generate(root, sites, handsets)
    nothing = lambda number: None  # noqa: E731
    run(root, "build", "--now", NOW)  # to learn the output size
    size = output_size(root)

    def clean(number: int) -> None:
        shutil.rmtree(root / "build", ignore_errors=True)
        shutil.rmtree(directory_of(root), ignore_errors=True)

    def timed_floor() -> tuple[float, int]:
        start = time.perf_counter()
        floor(root, size)
        return time.perf_counter() - start, 0

    results = {
        "floor": measure(runs, nothing, timed_floor),
        "validate": measure(runs, clean, lambda: run(root, "validate")),
        "full build": measure(runs, clean, lambda: run(root, "build", "--now", NOW)),
    }
    run(root, "build", "--now", NOW)
    results["no-op build"] = measure(runs, nothing, lambda: run(root, "build", "--now", NOW))

    def edit(number: int) -> None:
        edit_one_site(root, number)

    results["build, one site edited"] = measure(
        runs, edit, lambda: run(root, "build", "--now", NOW))
    edit_counter = iter(range(100, 200))
    results["plan, one site edited"] = measure(
        runs, lambda n: edit_one_site(root, next(edit_counter)),
        lambda: run(root, "plan", "--now", NOW))
    results["check, one site edited"] = measure(
        runs, lambda n: edit_one_site(root, next(edit_counter)),
        lambda: _check(root))
    return {"sites": sites, "handsets": handsets, "runs": runs, "output_bytes": size,
            "machine": _machine(), "results": results}


def _check(root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "compiler", "check", "--root", str(root)],
                             cwd=REPO, capture_output=True, check=False)
    if process.returncode not in (0, 1):  # 1: stale, as it must be after an edit
        raise SystemExit(process.stderr.decode()[-2000:])
    return time.perf_counter() - start, 0


def _machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(),
            "libyaml": str(hasattr(yaml, "CSafeLoader"))}


def table(report: dict[str, object]) -> str:
    results: dict[str, dict[str, float]] = report["results"]  # type: ignore[assignment]
    base = results["floor"]["median"]
    full = results["full build"]["median"]
    lines = [f"{report['sites']} sites x {report['handsets']} handsets, {report['runs']} runs, "
             f"{report['machine']}",
             f"{'':26} {'median s':>9} {'min s':>8} {'max s':>8} {'x floor':>8} "
             f"{'% full':>7} {'RSS MiB':>8}"]
    for name, figures in results.items():
        rss = f"{figures['peak_rss_mib']:8.0f}" if figures["peak_rss_mib"] else f"{'':8}"
        lines.append(f"{name:26} {figures['median']:9.3f} {figures['min']:8.3f} "
                     f"{figures['max']:8.3f} {figures['median'] / base:8.2f} "
                     f"{100 * figures['median'] / full:6.1f}% {rss}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--handsets", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results.json")
    options = parser.parse_args()
    report = benchmark(options.sites, options.handsets, options.runs)
    sys.stdout.write(table(report))
    options.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
