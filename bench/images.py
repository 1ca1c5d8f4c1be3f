"""Benchmark the image intake: hostile uploads and real photos, before and after.

Run from the project root:  .venv/bin/python bench/images.py [--runs 5] [--no-before]
Prints one table from one run. "before" is the signature pipeline as it was before
admission and photo clean-up (commit BEFORE, read with git and run from a temporary
file); "after" is prepare_signature / prepare_logo as they are now. Every case runs in
its own process, and the peak memory column (the peak resident set during the calls, above the
resident set before them) belongs to that case alone. CPU ms is the process's CPU time,
steadier than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

BEFORE = "374fdb3"      # main before this work: signatures.py without admission
SIGNATURE = "greetings/cards/renderer/signatures.py"


def make_cases(folder: Path) -> list[tuple[str, str, Path]]:
    """Write the inputs once; return (label, function, path) for each case."""
    from PIL import Image

    from tests.cards.samples import (
        make_logo,
        make_paper_photo,
        make_png_bomb,
        make_signature_scan,
    )

    inputs = {
        "PNG 1 x 49,000,000 px (tall strip)": make_png_bomb(1, 49_000_000),
        "PNG 49,000,000 x 1 px (wide strip)": make_png_bomb(49_000_000, 1),
        "PNG 7,000 x 7,000 px, 1-bit (49 MP, over the PNG limit)": make_png_bomb(
            7000, 7000, depth=1),
        "PNG 4,898 x 4,898 px, RGBA (largest admitted PNG)": make_png_bomb(
            4898, 4898, colour=6),
        "JPEG 8,000 x 6,000 px, flat (largest admitted JPEG)": _flat_jpeg((8000, 6000)),
        "phone photo 12 MP JPEG (wood, shadows)": make_paper_photo(size=(4000, 3000)),
        "phone photo 12 MP JPEG (lined, pencil)": make_paper_photo(
            size=(4000, 3000), lined=True, pencil=True, table="grey"),
        "scan 2480 x 1748 PNG (A5, 300 dpi)": make_signature_scan(size=(2480, 1748)),
    }
    big_logo = io.BytesIO()
    Image.effect_noise((3000, 2000), 60).convert("RGB").save(big_logo, "JPEG", quality=92)
    cases = []
    for i, (label, raw) in enumerate(inputs.items()):
        path = folder / f"case{i}"
        path.write_bytes(raw)
        cases.append((label, "prepare_signature", path))
    for label, raw in (("logo PNG 583 x 145 (RGBA)", make_logo()),
                       ("logo JPEG 3000 x 2000 (a photo)", big_logo.getvalue())):
        path = folder / f"logo{len(cases)}"
        path.write_bytes(raw)
        cases.append((label, "prepare_logo", path))
    return cases


def _flat_jpeg(size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", size, 235).save(out, "JPEG", quality=90)
    return out.getvalue()


def child(module_path: str, function: str, input_path: str, runs: int) -> None:
    """Run one case in this process and print its measurements as JSON."""
    import importlib.util

    if module_path == "-":
        from greetings.cards.renderer import images, signatures
        fn = getattr(signatures if function == "prepare_signature" else images, function)
    else:
        spec = importlib.util.spec_from_file_location("before_signatures", module_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        fn = getattr(module, function)
    raw = Path(input_path).read_bytes()
    start_kb = _reset_peak()
    walls, cpus, outcome = [], [], ""
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            result = fn(raw)
            outcome = "ok " + _size(result[0] if isinstance(result, tuple) else result)
        except Exception as error:     # the "before" code fails in several ways: report each
            outcome = f"{type(error).__name__}: {getattr(error, 'reason', '') or str(error)[:24]}"
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    peak = (_status_kb("VmHWM") - start_kb) / 1024
    print(json.dumps({"ms": statistics.median(walls), "cpu": statistics.median(cpus),
                      "mb": peak, "outcome": outcome}))


def _reset_peak() -> int:
    """Reset this process's peak resident size (Linux clear_refs 5); return the current KB.

    The imports (reportlab, fonts) peak higher than an image's work, so the peak since
    start would hide it; after the reset, VmHWM - VmRSS is the call's own peak.
    """
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _size(png: bytes) -> str:
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    return f"{width}x{height}"


def measure(module_path: str, function: str, path: Path, runs: int) -> dict | None:
    """Run a case in a fresh process; None when it cannot run there."""
    done = subprocess.run([sys.executable, __file__, "--child", module_path, function, str(path),
                           str(runs)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    if done.returncode != 0:
        return {"ms": 0, "cpu": 0, "mb": 0, "outcome": "crashed: " + done.stderr[-60:].strip()}
    return json.loads(done.stdout.strip().splitlines()[-1])


def before_module(folder: Path) -> str | None:
    """Write the signature pipeline of BEFORE to a file; None without git or the commit."""
    try:
        source = subprocess.run(["git", "show", f"{BEFORE}:{SIGNATURE}"], cwd=ROOT, check=True,
                                capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = folder / "before_signatures.py"
    path.write_bytes(source)
    return str(path)


def cell(result: dict | None) -> str:
    if result is None:
        return "- | - | - | -"
    return (f"{result['outcome']} | {result['ms']:,.1f} | {result['cpu']:,.1f} | "
            f"{max(0.0, result['mb']):,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median)")
    parser.add_argument("--no-before", action="store_true",
                        help="skip the old pipeline (its tall strip takes ~15 s and 3 GB)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"Machine: nproc {os.cpu_count()}, load average {load:.1f} before the run"
          f"{' (busy: wall times inflated, CPU ms steadier)' if load > 1 else ''}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = make_cases(folder)
        old = None if args.no_before else before_module(folder)
        print(f"before = {SIGNATURE} at {BEFORE}" if old else "before: not run")
        print("\n| case | input KB | before: result | ms | CPU ms | peak MB "
              "| after: result | ms | CPU ms | peak MB |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for label, function, path in cases:
            before = None
            if old and function == "prepare_signature":
                # The old code takes ~15 s and 3 GB on the tall strip: once is enough.
                slow = "49,000,000" in label or "largest" in label or "7,000" in label
                before = measure(old, function, path, 1 if slow else args.runs)
            after = measure("-", function, path, args.runs)
            print(f"| {label} | {path.stat().st_size / 1024:,.0f} | {cell(before)} "
                  f"| {cell(after)} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
