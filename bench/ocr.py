"""Character error rate and speed of the OCR engines on generated scans.

Renders ``--pages`` seeded A4 pages at 300 dpi (2480 x 3508 px): contract,
business-licence and ID-card layouts, Chinese only or mixed Chinese/English,
in the CJK fonts installed (WenQuanYi Zen Hei, Noto Sans/Serif CJK SC), text
28-48 px, rotated up to +-1.5 degrees, slightly blurred, with Gaussian noise.
Then, for each engine, OCRs them with ``OcrPool`` (one process per
core) and, as a baseline, runs the raw ``tesseract`` CLI over the same PNG
files with the same number of parallel processes: with ``-l chi_sim+eng``
once with Tesseract's own OpenMP threads and once with OMP_THREAD_LIMIT=1, and
with ``-l chi_sim`` alone (OMP_THREAD_LIMIT=1).

CER = Levenshtein distance / reference length, summed over all pages, after
NFKC normalisation (full-width ： and ASCII : count as the same) with all
whitespace removed; "CER Chinese" keeps only Han characters (and 〇) on both
sides, "CER Latin" only ASCII letters and digits. Confusions are the edit
operations of that alignment (∅ = nothing).

    .venv/bin/python bench/ocr.py [--pages 30] [--workers N] [--engines tesseract,rapidocr]
                                  [--psm 6] [--no-raw] [--repeat 1] [--keep DIR] [--json]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from services.ingest.ocr import OcrPool

A4_300DPI = (2480, 3508)
RAW_RUNS = (("chi_sim+eng", False), ("chi_sim+eng", True), ("chi_sim", True))
SIZES = (28, 32, 36, 40, 44, 48)
FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
HAN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z0-9]")

COMPANIES = ("厦门鹭洲贸易有限公司", "福建闽南建设工程有限公司", "厦门海沧港务物流股份有限公司",
             "泉州丰泽纺织品有限公司", "漳州龙海食品有限责任公司", "厦门思明区鼓浪屿茶叶商行")
PEOPLE = ("王小明", "陈美玲", "林志强", "黄淑芬", "郑国栋", "苏雅琴", "蔡鸿斌")
STREETS = ("思明区鹭江道〇号巷", "湖里区仙岳路", "海沧区沧林东路", "集美区银江路", "同安区环城南路")
AMOUNTS = (("壹万贰仟元整", "12,000.00"), ("叁仟伍佰元整", "3,500.00"),
           ("捌万陆仟肆佰元整", "86,400.00"), ("玖拾万元整", "900,000.00"))
SCOPES = ("经营范围：货物进出口；技术进出口；纺织品批发", "经营范围：预包装食品销售；仓储服务（不含危险品）",
          "经营范围：房屋建筑工程施工；市政公用工程；装饰装修")
CLAUSES = ("Party A shall deliver the premises to Party B on or before 1 March 2024.",
           "This contract is governed by the laws of the People's Republic of China.",
           "Rent is payable monthly in advance by bank transfer.",
           "Either party may terminate this contract with 30 days written notice.",
           "Scope: import and export of goods and technology; wholesale of textiles.")


@dataclass
class Row:
    engine: str
    cer_chinese: float
    cer_latin: float
    cer_overall: float
    pages_per_s: float
    seconds: float
    confusions: list[tuple[str, str, int]]


# --------------------------------------------------------------------------- pages

def fonts() -> list[ImageFont.FreeTypeFont]:
    """The Simplified-Chinese face of each installed CJK font file (at size 40)."""
    found = []
    for path in FONT_FILES:
        if not Path(path).exists():
            continue
        for index in range(8):
            try:
                font = ImageFont.truetype(path, 40, index=index)
            except OSError:
                break
            family = font.getname()[0]
            if "CJK" not in family or family.endswith(" SC"):
                found.append(font)
                break
    if not found:
        sys.exit("no CJK font: apt-get install fonts-wqy-zenhei (and fonts-noto-cjk)")
    return found


def _address(rng: random.Random) -> str:
    return f"福建省厦门市{rng.choice(STREETS)}{rng.randint(1, 399)}号"


def _code(rng: random.Random) -> str:
    tail = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return f"91350200MA2{tail}"


def _birth(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(1960, 2003), rng.randint(1, 12), rng.randint(1, 28)


def _id_number(rng: random.Random, birth: tuple[int, int, int] | None = None) -> str:
    year, month, day = birth or _birth(rng)
    return f"350203{year}{month:02d}{day:02d}{rng.randint(0, 999):03d}{rng.choice('0123456789X')}"


def layout_lines(kind: str, rng: random.Random, mixed: bool) -> list[str]:
    """Ground-truth lines of one page (the first one is the title)."""
    company, person = rng.choice(COMPANIES), rng.choice(PEOPLE)
    if kind == "contract":
        words, figure = rng.choice(AMOUNTS)
        lines = ["房屋租赁合同", f"合同编号：XM-2024-{rng.randint(1, 9999):04d}",
                 f"甲方：{company}", f"地址：{_address(rng)}", f"乙方：{person}",
                 f"公民身份号码 {_id_number(rng)}", f"租金：人民币{words}（¥{figure}）",
                 "第一条 租赁期限自2024年3月1日起至2026年2月28日止。"]
        english = rng.sample(CLAUSES[:4], 2)
    elif kind == "licence":
        lines = ["营业执照", f"统一社会信用代码 {_code(rng)}", f"名称：{company}",
                 "类型：有限责任公司（自然人投资或控股）", f"法定代表人：{person}",
                 "注册资本：壹佰万元整", f"住所：{_address(rng)}", rng.choice(SCOPES),
                 "登记机关：厦门市思明区市场监督管理局"]
        english = ["Business Licence (copy)", CLAUSES[4]]
    else:
        birth = _birth(rng)
        lines = ["居民身份证", f"姓名 {person}", f"性别 {rng.choice('男女')}  民族 汉",
                 "出生 {}年{}月{}日".format(*birth), f"住址 {_address(rng)}",
                 f"公民身份号码 {_id_number(rng, birth)}"]
        english = ["Resident Identity Card", "Valid until 2034.05.01"]
    return lines + english if mixed else lines


def _wrap(line: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    out, current = [], ""
    for char in line:
        if current and font.getlength(current + char) > width:
            out.append(current.rstrip())
            current = char.lstrip()
        else:
            current += char
    return out + [current]


def draw_page(lines: list[str], kind: str, font: ImageFont.FreeTypeFont,
              rng: random.Random) -> tuple[Image.Image, list[str]]:
    """Clean page with the lines drawn; returns it and the lines as drawn."""
    image = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(image)
    size = rng.choice(SIZES)
    body, title = font.font_variant(size=size), font.font_variant(size=int(size * 1.4))
    left, y, width = 240, 300, A4_300DPI[0] - 480
    if kind == "id":  # inside a card outline, wider than a real card so the lines fit
        left, y, width = 300, 500, 1880
    drawn: list[str] = []
    for number, line in enumerate(lines):
        face = title if number == 0 else body
        for part in _wrap(line, face, width):
            x = (A4_300DPI[0] - face.getlength(part)) / 2 if number == 0 else left
            draw.text((x, y), part, fill=rng.randint(0, 40), font=face)
            drawn.append(part)
            y += int(face.size * 1.8)
    if kind == "id":
        draw.rounded_rectangle((240, 420, 2240, y + 60), 30, outline=80, width=4)
    return image, drawn


def degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    """Slight rotation, blur and Gaussian noise, as from a flatbed scanner."""
    image = image.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC,
                         fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    noise = np.random.default_rng(rng.getrandbits(32)).standard_normal(image.size[::-1],
                                                                       dtype=np.float32)
    pixels = np.asarray(image, dtype=np.float32) + noise * rng.uniform(6, 14)
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "L")


def make_pages(folder: Path, count: int, seed: int) -> tuple[list[Path], list[str]]:
    """Write page-NNN.png (300 dpi) and page-NNN.txt; return paths and truths."""
    faces = fonts()
    paths, truths = [], []
    for number in range(count):
        rng = random.Random(seed * 100_003 + number)
        kind = ("contract", "licence", "id")[number % 3]
        lines = layout_lines(kind, rng, mixed=bool(number // 3 % 2))
        image, drawn = draw_page(lines, kind, faces[number // 6 % len(faces)], rng)
        path = folder / f"page-{number:03d}.png"
        degrade(image, rng).save(path, dpi=(300, 300), compress_level=1)
        path.with_suffix(".txt").write_text("\n".join(drawn) + "\n", encoding="utf-8")
        paths.append(path)
        truths.append("\n".join(drawn))
    return paths, truths


# --------------------------------------------------------------------------- scoring

def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


SUBSETS = {"han": lambda s: "".join(HAN.findall(s)),
           "latin": lambda s: "".join(LATIN.findall(s)), "all": lambda s: s}


def score(truths: list[str], texts: list[str]) -> tuple[dict[str, float],
                                                        list[tuple[str, str, int]]]:
    """({"han"|"latin"|"all": CER}, top 10 confusions) over all pages."""
    edits = dict.fromkeys(SUBSETS, 0)
    length = dict.fromkeys(SUBSETS, 0)
    confusions: Counter[tuple[str, str]] = Counter()
    for truth, text in zip(truths, texts, strict=True):
        ref, hyp = normalise(truth), normalise(text)
        for key, subset in SUBSETS.items():
            edits[key] += Levenshtein.distance(subset(ref), subset(hyp))
            length[key] += len(subset(ref))
        for op in Levenshtein.editops(ref, hyp):
            if op.tag == "replace":
                confusions[ref[op.src_pos], hyp[op.dest_pos]] += 1
            elif op.tag == "delete":
                confusions[ref[op.src_pos], "∅"] += 1
            else:
                confusions["∅", hyp[op.dest_pos]] += 1
    top = [(a, b, n) for (a, b), n in confusions.most_common(10)]
    return {key: edits[key] / max(1, length[key]) for key in SUBSETS}, top


# --------------------------------------------------------------------------- runs

def run_engine(name: str, paths: list[Path], truths: list[str], workers: int) -> Row:
    """Through the worker's OcrPool, warmed first: a worker starts its processes
    and loads its models once, then OCRs page after page."""
    pool = OcrPool(name, workers)
    try:
        pool.recognise(list(paths[:workers]))
        start = time.perf_counter()
        texts = pool.recognise(list(paths))
        seconds = time.perf_counter() - start
    finally:
        pool.close()
    cer, top = score(truths, texts)
    return Row(name, cer["han"], cer["latin"], cer["all"], len(paths) / seconds, seconds, top)


def run_raw_tesseract(paths: list[Path], truths: list[str], workers: int, psm: int,
                      languages: str, one_thread: bool) -> Row:
    """``tesseract PAGE stdout`` for every page, ``workers`` processes at a time."""
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    if one_thread:
        env["OMP_THREAD_LIMIT"] = "1"

    def one(path: Path) -> str:
        command = ["tesseract", str(path), "stdout", "-l", languages, "--psm", str(psm)]
        done = subprocess.run(command, capture_output=True, env=env, check=True)
        return done.stdout.decode("utf-8", "replace")

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        texts = list(pool.map(one, paths))
    seconds = time.perf_counter() - start
    cer, top = score(truths, texts)
    label = f"raw tesseract CLI -l {languages}, " + (
        "OMP_THREAD_LIMIT=1" if one_thread else "default threads")
    return Row(label, cer["han"], cer["latin"], cer["all"], len(paths) / seconds, seconds, top)


def run_all(args: argparse.Namespace, paths: list[Path], truths: list[str]) -> list[Row]:
    rows = [run_engine(name, paths, truths, args.workers)
            for name in filter(None, args.engines.split(","))]
    if not args.no_raw:
        rows += [run_raw_tesseract(paths, truths, args.workers, args.psm, languages, one)
                 for languages, one in RAW_RUNS]
    return rows


def fastest(rounds: Iterable[list[Row]]) -> list[Row]:
    """Each row of the round where it ran fastest (the machine may be shared)."""
    best: list[Row] = []
    for rows in rounds:
        best = [min(pair, key=lambda row: row.seconds) for pair in zip(best, rows, strict=False)] or rows
    return best


def versions() -> dict[str, str]:
    found = {}
    for package in ("rapidocr-onnxruntime", "onnxruntime", "opencv-python", "numpy",
                    "rapidfuzz", "pillow"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    for command, key in ((["tesseract", "--version"], "tesseract"),
                         (["dpkg-query", "-W", "-f=${Version}", "tesseract-ocr-chi-sim"],
                          "tesseract-ocr-chi-sim")):
        try:
            out = subprocess.run(command, capture_output=True, text=True, check=False)
            found[key] = (out.stdout or out.stderr).splitlines()[0].removeprefix("tesseract ")
        except (OSError, IndexError):
            pass
    return found


# --------------------------------------------------------------------------- report

def print_markdown(rows: list[Row], pages: int, workers: int, info: dict[str, str]) -> None:
    print(f"{pages} pages, {workers} parallel processes; "
          + ", ".join(f"{k} {v}" for k, v in info.items()))
    print()
    print("| engine | CER Chinese | CER Latin | CER overall | pages/s | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row.engine} | {row.cer_chinese:.2%} | {row.cer_latin:.2%} "
              f"| {row.cer_overall:.2%} "
              f"| {row.pages_per_s:.2f} | {row.seconds:.1f} |")
    for row in rows:
        if row.engine.startswith("raw") and "chi_sim+eng" in row.engine:
            continue  # the same text as the tesseract engine's
        print(f"\n10 most common confusions, {row.engine} (truth→OCR ×count):")
        print(", ".join(f"{a}→{b} ×{n}" for a, b, n in row.confusions) or "none")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engines", default="tesseract,rapidocr",
                        help="comma-separated; empty for the raw baseline only")
    parser.add_argument("--psm", type=int, default=6, help="page segmentation of the raw CLI")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw tesseract CLI runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1,
                        help="run everything N times, report each row's fastest run")
    parser.add_argument("--keep", type=Path, help="write the pages here and keep them")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="dangan-ocr-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        paths, truths = make_pages(folder, args.pages, args.seed)
        load_before = os.getloadavg()[0]
        rows = fastest(run_all(args, paths, truths) for _ in range(args.repeat))
    info = versions()
    info["load average (1 min) before, after"] = f"{load_before:.1f}, {os.getloadavg()[0]:.1f}"
    if args.json:
        print(json.dumps({"pages": args.pages, "workers": args.workers, "psm": args.psm,
                          "versions": info, "rows": [row.__dict__ for row in rows]},
                         ensure_ascii=False, indent=2))
    else:
        print_markdown(rows, args.pages, args.workers, info)


if __name__ == "__main__":
    main()
