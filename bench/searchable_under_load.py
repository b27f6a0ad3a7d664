"""Upload-to-searchable latency of a one-page text PDF, on an idle server and
while a long scan (500 pages by default) is being OCRed by the same server.

Starts `dangan serve` (embedded, one extraction lane: DANGAN_WORKERS=1) in a
throw-away DANGAN_HOME. First the baseline: N one-page text PDFs uploaded one
after another on the idle server, each timed from the start of its upload
until a word of its text is found by GET /api/v1/search. Then the long scan is
uploaded; once its OCR is under way, the same N uploads are timed again, and
the scan's progress (pages done) is read from the job table. Prints both
series (median, max) side by side. Nothing is asserted.

    .venv/bin/python bench/searchable_under_load.py [--pages 500] [--samples 5] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.samples import make_pdf, make_scanned_pdf

DANGAN = str(ROOT / ".venv/bin/dangan")
PASSWORD = "bench password 1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="pages of the long scan")
    parser.add_argument("--samples", type=int, default=5, help="short uploads in each series")
    parser.add_argument("--engine", default="rapidocr", choices=["rapidocr", "tesseract"])
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(home: Path, engine: str) -> tuple[subprocess.Popen, httpx.Client]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    port = free_port()
    env.update(DANGAN_HOME=str(home), DANGAN_PORT=str(port), DANGAN_WORKERS="1",
               DANGAN_OCR_ENGINE=engine)
    subprocess.run([DANGAN, "users", "add", "bench", "--role", "clerk", "--clearance", "1",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, env=env, check=True,
                   capture_output=True)
    server = subprocess.Popen([DANGAN, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=(home / "serve.log").open("w"), start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    client = httpx.Client(base_url=url, timeout=600)
    token = client.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return server, client


def upload(client: httpx.Client, path: Path, title: str) -> str:
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)},
                               data={"type": "contract", "title": title})
    response.raise_for_status()
    return response.json()["id"]


def time_to_searchable(client: httpx.Client, folder: Path, n: int) -> float:
    word = f"样本{n:03d}号"  # unique per upload, only in the text (the title differs)
    pdf = make_pdf(folder, text=f"框架协议 {word} Framework agreement", seed=10_000 + n,
                   name=f"short-{n}.pdf")
    started = time.monotonic()
    document_id = upload(client, pdf, "合同")
    while True:
        hits = client.get("/api/v1/search", params={"q": word}).json()["hits"]
        if any(h["id"] == document_id for h in hits):
            return time.monotonic() - started
        time.sleep(0.05)


def scan_progress(client: httpx.Client, scan_id: str) -> str:
    document = client.get(f"/api/v1/documents/{scan_id}").json()
    return document["extraction_state"]


def series(client: httpx.Client, folder: Path, first: int, count: int) -> list[float]:
    return [time_to_searchable(client, folder, n) for n in range(first, first + count)]


def main() -> int:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    server, client = start(work / "home", args.engine)
    try:
        idle = series(client, work, 0, args.samples)
        scan = make_scanned_pdf(work, text="抵押合同 第一页 Mortgage contract", pages=args.pages)
        scan_id = upload(client, scan, "长扫描件")
        time.sleep(5)  # OCR of the first slice under way
        loaded = series(client, work, args.samples, args.samples)
        state = scan_progress(client, scan_id)
    finally:
        client.close()
        os.killpg(server.pid, 9)
        server.wait()
    result = {
        "pages_of_long_scan": args.pages, "engine": args.engine,
        "idle_seconds": [round(x, 2) for x in idle],
        "during_scan_seconds": [round(x, 2) for x in loaded],
        "idle_median": round(statistics.median(idle), 2), "idle_max": round(max(idle), 2),
        "during_median": round(statistics.median(loaded), 2), "during_max": round(max(loaded), 2),
        "scan_state_after": state,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"one-page text PDF, upload → searchable by a word of its text (s), {args.engine}")
        print(f"  idle server:              median {result['idle_median']:6.2f}  "
              f"max {result['idle_max']:6.2f}")
        print(f"  while a {args.pages}-page scan OCRs: median {result['during_median']:6.2f}  "
              f"max {result['during_max']:6.2f}   (scan still {state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
