"""Benchmark the card renderer against the obvious reportlab way and WeasyPrint.

Run from the project root:  .venv/bin/python bench/render.py [--runs 300] [--profile]
Prints one table from one run. Every card has its own customer name and its own
feedback URL (a fresh 130-bit base32 token), so nothing per-URL can be reused.

Before/after a change:  .venv/bin/python bench/render.py --against main [--bursts 12]
renders the same cards with this tree and with REF (checked out by `git archive` into a
temporary folder), in two worker processes taking turns burst by burst, so that load
from elsewhere on the machine falls on both alike.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import dataclasses
import html
import io
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "cards")]

from reportlab import rl_config  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.lib.utils import ImageReader  # noqa: E402
from samples import make_card  # noqa: E402

from greetings.cards.renderer import render_card, render_wave  # noqa: E402
from greetings.cards.renderer.render import format_day  # noqa: E402

GOALS = {"ms": 3.0, "kb": 18.0, "wave_s": 1.0, "wave_mb": 1.1}
FIRST = ["Søren", "Jürgen", "Åse", "Ingeborg", "Birthe", "Mikkel", "Sofie", "Lars", "Anja", "Ola"]


CJK_FIRST = ["さくら", "李雷", "陈静", "ゆうき", "王芳"]


def make_items(count: int, theme: str = "warm", names=FIRST) -> list:
    """Distinct cards: each its own name and its own 130-bit feedback token.

    With the short address printed under the code, as the app prints it.
    """
    base = make_card(language="da", theme=theme, accent="#1f6f5c")
    items = []
    for i in range(count):
        token = base64.b32encode(secrets.token_bytes(17)).decode()[:26]
        groups = "-".join(token[j:j + 4] for j in range(0, 26, 4))
        items.append(dataclasses.replace(
            base, first_name=f"{names[i % len(names)]} {i}",
            feedback_url=f"HTTPS://GREET.EXAMPLE.COM/F/{token}",
            printed_url=f"greet.example.com/f/{groups}"))
    return items


def timed(fn, items) -> tuple[float, float]:
    """Median ms and median KB of fn over the items."""
    times, sizes = [], []
    for data in items:
        start = time.perf_counter()
        pdf = fn(data)
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(len(pdf))
    return statistics.median(times), statistics.median(sizes) / 1024


def obvious(data) -> bytes:
    """The card as most reportlab code would do it: load everything on every call."""
    import qrcode
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph

    pdfmetrics.registerFont(TTFont("ObviousSans", str(ROOT / "fonts" / "DejaVuSans.ttf")))
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(105 * mm, 148 * mm))
    c.drawImage(ImageReader(io.BytesIO(data.logo)), 30 * mm, 124 * mm, 45 * mm, 15 * mm,
                mask="auto", preserveAspectRatio=True)
    style = ParagraphStyle("p", fontName="ObviousSans", fontSize=9.2, leading=13)
    for y, text, size in ((102, data.words.salutation % {"name": html.escape(data.first_name)}, 14),
                          (65, html.escape(data.greeting_text).replace("\n", "<br/>"), 9.2)):
        p = Paragraph(text, ParagraphStyle("s", parent=style, fontSize=size, leading=size * 1.4))
        p.wrapOn(c, 81 * mm, 40 * mm)
        p.drawOn(c, 12 * mm, y * mm)
    c.drawImage(ImageReader(io.BytesIO(data.signature_png)), 10 * mm, 39 * mm, 46 * mm, 14 * mm,
                mask="auto", preserveAspectRatio=True)
    c.setFont("ObviousSans", 6.8)
    c.drawString(12 * mm, 34 * mm, data.words.signoff % {"packer": data.packer_display_name})
    c.drawString(12 * mm, 31 * mm, format_day(data.date, data.language))
    c.drawString(12 * mm, 24 * mm, data.words.caption % {"packer": data.packer_display_name})
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data.feedback_url)
    matrix = code.get_matrix()
    cell = 27 * mm / len(matrix)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(69 * mm + col * cell, 47 * mm - (r + 1) * cell + 27 * mm - 27 * mm,
                       cell, cell, stroke=0, fill=1)
    c.setFont("ObviousSans", 5.4)
    c.drawRightString(96 * mm, 15 * mm, data.feedback_url)
    c.showPage()
    c.save()
    return buffer.getvalue()


def weasy_html(data) -> str:
    """The same card as HTML + CSS, QR as inline SVG, images as data URIs."""
    import qrcode
    import qrcode.image.svg

    svg = qrcode.make(data.feedback_url, image_factory=qrcode.image.svg.SvgPathImage,
                      error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr_svg = svg.to_string(encoding="unicode")
    logo = base64.b64encode(data.logo).decode()
    sig = base64.b64encode(data.signature_png).decode()
    fonts = (ROOT / "fonts").as_uri()
    return f"""<html><head><style>
@font-face {{ font-family: G; src: url({fonts}/DejaVuSans.ttf); }}
@page {{ size: 105mm 148mm; margin: 9mm 12mm; }}
body {{ font-family: G; font-size: 9.2pt; line-height: 1.42; color: #222; }}
.logo {{ text-align: center; }} .logo img {{ height: 15mm; }}
h1 {{ font-size: 14pt; font-weight: normal; margin: 8mm 0 2mm; }}
.sig img {{ height: 14mm; }} small {{ color: #666; font-size: 6.8pt; }}
.qr {{ float: right; width: 27mm; }} .url {{ font-size: 5.4pt; text-align: right; }}
</style></head><body>
<div class="logo"><img src="data:image/png;base64,{logo}"></div>
<h1>{data.words.salutation % {"name": html.escape(data.first_name)}}</h1>
<p>{html.escape(data.greeting_text).replace(chr(10), '<br>')}</p>
<div class="sig"><img src="data:image/png;base64,{sig}"></div>
<small>{data.words.signoff % {"packer": data.packer_display_name}}<br>
{format_day(data.date, data.language)}</small>
<div class="qr">{qr_svg}</div><p>{data.words.caption % {"packer": data.packer_display_name}}</p>
<p class="url">{data.feedback_url}</p></body></html>"""


def weasy(data) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=weasy_html(data), base_url=str(ROOT)).write_pdf()


def qr_decodes(pdf: bytes, url: str, dpi: int = 203, page: int = 0) -> bool:
    """Rasterise at dpi and scan, as a thermal print read by a phone would be."""
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(pdf)[page].render(scale=dpi / 72).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def qr_table(items) -> None:
    """Time the QR symbol alone: our qr.build against qrcode's own make(), same URLs."""
    import qrcode

    from greetings.cards.renderer import qr

    def theirs(url):
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(url)
        code.make()
        return tuple(qr._row_bits(row) for row in code.modules)

    urls = [data.feedback_url for data in items]
    ours_ms, theirs_ms, same = [], [], 0
    for url in urls:
        start = time.perf_counter()
        _n, rows, _mask = qr.build(url)
        ours_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        expected = theirs(url)
        theirs_ms.append((time.perf_counter() - start) * 1000)
        same += rows == expected
    print(f"\nQR symbol alone, median of {len(urls)} URLs (the same ones as above)")
    print("| builder                        | ms/symbol | symbol equal to qrcode's |")
    print("|--------------------------------|-----------|--------------------------|")
    equal = f"{same} of {len(urls)}"
    print(f"| greetings qr.build             | {statistics.median(ours_ms):9.3f} | {equal:24s} |")
    print(f"| qrcode {qrcode_version():23s} | {statistics.median(theirs_ms):9.3f} "
          f"| (the reference)          |")


def qrcode_version() -> str:
    from importlib.metadata import version

    return version("qrcode") + " make()"


def wave(fn_wave, items) -> tuple[float, float]:
    start = time.perf_counter()
    pdf = fn_wave(items)
    return time.perf_counter() - start, len(pdf) / 1024 / 1024


def profile(items) -> None:
    """Print where the time of our renderer goes, grouped by kind of work."""
    prof = cProfile.Profile()
    prof.enable()
    for data in items:
        render_card(data)
    prof.disable()
    stats = pstats.Stats(prof)
    # (file, function) whose cumulative time stands for the group.
    groups = {"QR matrix (qr.build)": ("qr.py", "build"),
              "  of which mask scoring (qr.penalty)": ("qr.py", "penalty"),
              "drawing (render.draw_card)": ("render.py", "draw_card"),
              "  of which layout (flow.arrange)": ("flow.py", "arrange"),
              "  of which text fitting (fit_lines)": ("fonts.py", "fit_lines"),
              "  of which text encoding (pdf.text)": ("pdf.py", "text"),
              "page content compressed (pdf.add)": ("pdf.py", "add"),
              "fonts embedded, file written (pdf.finish)": ("pdf.py", "finish"),
              "  of which font subsetting (makeSubset)": ("ttfonts.py", "makeSubset"),
              "babel date (format_date)": ("dates.py", "format_date"),
              "zlib compress (all streams)": ("~", "<built-in method zlib.compress>")}
    total = max(v[3] for v in stats.stats.values())
    print(f"\ncProfile over {len(items)} cards (cumulative, overlapping; profiler inflates):")
    for label, (file, func) in groups.items():
        cum = max((v[3] for k, v in stats.stats.items() if k[0].endswith(file) and k[2] == func),
                  default=0.0)
        print(f"  {label:42s} {cum / len(items) * 1000:6.2f} ms  {cum / total:5.0%}")


# Runs in a worker process inside one source tree (argv[1]): renders what stdin asks for.
WORKER = r"""
import base64, dataclasses, json, random, statistics, sys, time
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests/cards"]
from samples import make_card
from greetings.cards.renderer import render_card, render_wave
base = make_card(language="da")
def items(count, seed):
    rnd = random.Random(seed)
    return [dataclasses.replace(base, first_name=f"Kunde {i}", feedback_url=(
        "HTTPS://GREET.EXAMPLE.COM/F/" + base64.b32encode(rnd.randbytes(17)).decode()[:26]))
        for i in range(count)]
render_card(items(1, 0)[0])
for line in sys.stdin:
    kind, count, seed = line.split()
    batch = items(int(count), int(seed))
    if kind == "card":
        wall, cpu, sizes = [], [], []
        for data in batch:
            start, start_cpu = time.perf_counter(), time.process_time()
            sizes.append(len(render_card(data)))
            cpu.append(time.process_time() - start_cpu)
            wall.append(time.perf_counter() - start)
        out = [statistics.median(wall) * 1000, statistics.median(cpu) * 1000,
               statistics.median(sizes) / 1024]
    else:
        start, start_cpu = time.perf_counter(), time.process_time()
        size = len(render_wave(batch))
        out = [time.perf_counter() - start, time.process_time() - start_cpu, size / 2 ** 20]
    print(json.dumps(out), flush=True)
"""


def compare(ref: str, bursts: int, cards: int) -> None:
    """Render the same cards with REF's code and this tree's, taking turns; print a table."""
    import json
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        # The catalogs are compiled by `make install`, not kept in git: the samples need them.
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                        f"{tmp}/greetings/translations"], check=True, capture_output=True)
        trees = {f"before ({ref})": tmp, "after (this tree)": str(ROOT)}
        workers = {label: subprocess.Popen([sys.executable, "-c", WORKER, root], cwd=root,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           text=True) for label, root in trees.items()}
        results = {label: {"card": [], "wave": []} for label in workers}
        for burst in range(bursts):
            order = list(workers) if burst % 2 == 0 else list(reversed(workers))
            for kind, count in (("card", cards), ("wave", 500)):
                for label in order:
                    workers[label].stdin.write(f"{kind} {count} {burst}\n")
                    workers[label].stdin.flush()
                    results[label][kind].append(json.loads(workers[label].stdout.readline()))
        for proc in workers.values():
            proc.stdin.close()
            proc.wait()
    med = statistics.median
    print(f"\nA6 card, {bursts} bursts taking turns; per burst the median of {cards} cards, "
          "and one 500-card wave.\nWall clock: median (best) burst. CPU: the process's own "
          "CPU time (what load from\nother processes changes least), median burst.")
    print("| code                 | ms/card wall  | ms/card CPU | KB/card | wave s wall   "
          "| wave s CPU | wave MB |")
    print("|----------------------|---------------|-------------|---------|---------------"
          "|------------|---------|")
    for label, got in results.items():
        wall, cpu = [r[0] for r in got["card"]], [r[1] for r in got["card"]]
        wave_wall, wave_cpu = [r[0] for r in got["wave"]], [r[1] for r in got["wave"]]
        print(f"| {label:20s} | {med(wall):5.2f} ({min(wall):5.2f}) | {med(cpu):11.2f} "
              f"| {got['card'][0][2]:7.1f} | {med(wave_wall):5.2f} ({min(wave_wall):5.2f}) "
              f"| {med(wave_cpu):10.2f} | {got['wave'][0][2]:7.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--weasy-runs", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--against", metavar="REF", help="compare with a git ref, A/B")
    parser.add_argument("--bursts", type=int, default=12)
    args = parser.parse_args()
    if args.against:
        compare(args.against, args.bursts, min(args.runs, 100))
        return
    rows = []
    for label, theme, names in (("greetings, warm theme", "warm", FIRST),
                                ("greetings, minimal theme", "minimal", FIRST),
                                ("greetings, warm, CJK names (lazy CJK face)", "warm",
                                 CJK_FIRST)):
        themed = make_items(max(args.runs, 500), theme, names)
        render_card(themed[-1])                  # register fonts once, as a server would
        ms, kb = timed(render_card, themed[: args.runs])
        ok = qr_decodes(render_card(themed[0]), themed[0].feedback_url)
        ws, wmb = wave(render_wave, themed[:500])
        wave_pdf = render_wave(themed[:500])
        wave_ok = qr_decodes(wave_pdf, themed[499].feedback_url, page=499)
        rows.append((label, ms, kb, ws, wmb, ok and wave_ok))
    items = make_items(max(args.runs, 500))
    rl_config.useA85 = 1                           # reportlab's default, as the obvious code gets
    ms, kb = timed(obvious, items[: args.runs])
    ok = qr_decodes(obvious(items[0]), items[0].feedback_url)
    start = time.perf_counter()
    for data in items[:500]:
        obvious(data)
    rows.append(("obvious reportlab (per-call load)", ms, kb,
                 time.perf_counter() - start, None, ok))
    rl_config.useA85 = 0
    try:
        import weasyprint  # noqa: F401

        ms, kb = timed(weasy, items[: args.weasy_runs])
        ok = qr_decodes(weasy(items[0]), items[0].feedback_url)
        start = time.perf_counter()
        pages = [weasyprint.HTML(string=weasy_html(d)).render() for d in items[:500]]
        doc = pages[0].copy([p for d in pages for p in d.pages])
        wmb = len(doc.write_pdf()) / 1024 / 1024
        rows.append((f"WeasyPrint {weasyprint.__version__} (n={args.weasy_runs})", ms, kb,
                     time.perf_counter() - start, wmb, ok))
    except Exception as exc:  # report why, in the table, rather than crash the run
        rows.append((f"WeasyPrint: not run ({type(exc).__name__}: {exc})", None, None, None,
                     None, None))
    print_table(rows, args.runs)
    qr_table(items[: args.runs])
    if args.profile:
        profile(items[:100])


def print_table(rows, runs) -> None:
    fmt = lambda v, spec: "—" if v is None else format(v, spec)  # noqa: E731
    print(f"\nA6 insert, median of {runs} (one process, {sys.version.split()[0]}); "
          f"500-insert wave into one PDF")
    print(f"| {'renderer':44s} | ms/insert | KB/insert | wave s | wave MB | QR @203dpi |")
    print(f"|{'-' * 46}|-----------|-----------|--------|---------|------------|")
    for name, ms, kb, ws, wmb, ok in rows:
        print(f"| {name:44s} | {fmt(ms, '9.2f')} | {fmt(kb, '9.1f')} | {fmt(ws, '6.2f')} "
              f"| {fmt(wmb, '7.2f')} | {'—' if ok is None else ('yes' if ok else 'NO'):10s} |")
    g = GOALS
    print(f"| {'goal':44s} | {g['ms']:9.2f} | {g['kb']:9.1f} | {g['wave_s']:6.2f} "
          f"| {g['wave_mb']:7.2f} | yes        |")


if __name__ == "__main__":
    main()
