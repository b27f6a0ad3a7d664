"""How much the SERVER's memory grows while it receives one big upload.

Starts `dangan serve` in a throw-away DANGAN_HOME (embedded SQLite and local
objects unless --database-url / --s3-* are given; an S3 bucket must exist and
be versioned), uploads a 1 MiB PDF as a baseline, then a --size-mib PDF, and
samples the server's RSS (children included) every 20 ms from just before each
request until its response. Prints wall time, throughput and RSS before / peak
/ after / growth (peak - before). The spec's bar: a 200 MiB upload grows server
memory by less than 100 MiB. The verdict is printed, not asserted; the exit
status is 1 only when an upload itself fails.

    .venv/bin/python bench/upload_memory.py [--size-mib 200] [--json]
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.samples import make_big_file

MIB = 1024 * 1024
BAR_MIB = 100
DEFAULT_LIMIT_MIB = 200
SAMPLE_SECONDS = 0.02
BACKEND_OPTIONS = ("database_url", "s3_endpoint", "s3_bucket", "s3_access_key", "s3_secret_key")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=200, help="size of the big upload")
    for option in BACKEND_OPTIONS:  # unset: SQLite and local objects in the temp home
        parser.add_argument(f"--{option.replace('_', '-')}", help=f"DANGAN_{option.upper()}")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


def server_env(args: argparse.Namespace, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["DANGAN_HOME"] = str(home)
    if args.size_mib > DEFAULT_LIMIT_MIB:
        env["DANGAN_MAX_UPLOAD_BYTES"] = str(args.size_mib * MIB)
    for option in BACKEND_OPTIONS:
        if getattr(args, option):
            env[f"DANGAN_{option.upper()}"] = getattr(args, option)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_user(env: dict[str, str], username: str, password: str) -> None:
    subprocess.run([str(ROOT / ".venv/bin/dangan"), "users", "add", username, "--role", "clerk",
                    "--clearance", "1", "--password-stdin"],
                   input=password + "\n", env=env, text=True, check=True, capture_output=True)


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        server = subprocess.Popen([str(ROOT / ".venv/bin/dangan"), "serve", "--port", str(port)],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"the server did not answer /healthz within 60 s:\n{log.read_text()[-2000:]}")


def rss(process: psutil.Process) -> int:
    total = 0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total


class Sampler(threading.Thread):
    """Peak RSS of a process tree, sampled every SAMPLE_SECONDS until stop()."""

    def __init__(self, process: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.before = self.peak = rss(process)
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, rss(self.process))

    def stop(self) -> int:
        self._done.set()
        self.join()
        after = rss(self.process)
        self.peak = max(self.peak, after)
        return after


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def measure(client: httpx.Client, process: psutil.Process, path: Path) -> dict:
    fields = {"type": "contract", "title": f"bench {path.name}", "document_date": "2024-01-01"}
    sampler = Sampler(process)
    sampler.start()
    started = time.monotonic()
    try:
        with path.open("rb") as handle:
            response = client.post("/api/v1/documents", data=fields,
                                   files={"file": (path.name, handle, "application/pdf")})
    finally:
        seconds = time.monotonic() - started
        after = sampler.stop()
    if response.status_code != 201:
        raise RuntimeError(f"upload of {path.name} answered {response.status_code}: {response.text}")
    expected = sha256_of(path)
    if response.json().get("sha256") != expected:
        raise RuntimeError(f"upload of {path.name}: sha256 {response.json().get('sha256')} != {expected}")
    size = path.stat().st_size
    return {"size_mib": size / MIB, "seconds": seconds, "mib_per_s": size / MIB / seconds,
            "rss_before_mib": sampler.before / MIB, "rss_peak_mib": sampler.peak / MIB,
            "rss_after_mib": after / MIB, "growth_mib": (sampler.peak - sampler.before) / MIB}


def report(results: dict[str, dict], size_mib: int, as_json: bool) -> None:
    growth = results["big"]["growth_mib"]
    verdict = "PASS" if growth < BAR_MIB else "FAIL"
    if as_json:
        print(json.dumps({**results, "bar_mib": BAR_MIB, "verdict": verdict}, indent=2))
        return
    header = ("upload", "MiB", "wall s", "MiB/s", "RSS before", "peak", "after", "growth")
    print("{:<9}{:>8}{:>9}{:>9}{:>12}{:>9}{:>9}{:>9}".format(*header))
    for label, r in results.items():
        print(f"{label:<9}{r['size_mib']:>8.1f}{r['seconds']:>9.2f}{r['mib_per_s']:>9.1f}"
              f"{r['rss_before_mib']:>12.1f}{r['rss_peak_mib']:>9.1f}{r['rss_after_mib']:>9.1f}"
              f"{r['growth_mib']:>9.1f}")
    print(f"growth for {size_mib} MiB: {growth:.1f} MiB (bar: < {BAR_MIB} MiB) {verdict}")


def run(args: argparse.Namespace, work: Path) -> dict[str, dict]:
    env = server_env(args, work / "home")
    username, password = f"bench-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    add_user(env, username, password)
    seed = time.time_ns() % 10**9  # fresh bytes, so a shared database never sees a duplicate
    files = {"baseline": make_big_file(work / "files", size_bytes=MIB, name="baseline.pdf", seed=seed),
             "big": make_big_file(work / "files", size_bytes=args.size_mib * MIB, name="big.pdf",
                                  seed=seed)}
    port = free_port()
    server = start_server(env, port, work / "server.log")
    try:
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": username, "password": password}).raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        process = psutil.Process(server.pid)
        with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
            return {label: measure(client, process, path) for label, path in files.items()}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> int:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    try:
        results = run(args, work)
    except (RuntimeError, httpx.HTTPError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"upload benchmark failed: {exc}\n{detail}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.size_mib, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
