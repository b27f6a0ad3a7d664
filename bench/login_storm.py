"""An authenticated request's latency on an idle server and during a storm of
failed logins.

Starts `dangan serve` (embedded defaults) in a throw-away DANGAN_HOME on a
free port, logs one staff member in, and times GET /api/v1/auth/me back to
back: first on the idle server, then while a second process keeps 60 failed
logins in flight — half of them for one username (the staff member's own,
who stays logged in), half for a new username each time. With --addresses
many (the default) each storm connection comes from an address of its own
(127.0.1.N), so the per-address throttle does not end the storm and the
password-check pool bears it; --addresses one sends it all from 127.0.0.1.
Prints p50/p95/max of both series side by side, their ratio, and how the
storm was answered. The target: under the storm within 2× idle.

    .venv/bin/python bench/login_storm.py [--samples 300] [--storm 60] [--addresses many|one] [--json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DANGAN = str(ROOT / ".venv/bin/dangan")
PASSWORD = "bench password 1"
USER = "bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300, help="timed requests in each series")
    parser.add_argument("--storm", type=int, default=60, help="failed logins kept in flight")
    parser.add_argument("--addresses", choices=["many", "one"], default="many")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(home: Path) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    port = free_port()
    env.update(DANGAN_HOME=str(home), DANGAN_PORT=str(port))
    subprocess.run([DANGAN, "users", "add", USER, "--role", "staff", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
    home.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen([DANGAN, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=(home / "serve.log").open("w"), start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return server, url


def timed(client: httpx.Client, count: int) -> list[float]:
    """Milliseconds of ``count`` GET /api/v1/auth/me, one after another."""
    took = []
    for _ in range(count):
        started = time.perf_counter()
        client.get("/api/v1/auth/me").raise_for_status()
        took.append((time.perf_counter() - started) * 1000)
    return took


# --------------------------------------------------------------------------- the storm


def storm(url: str, size: int, many_addresses: bool, stop: Event, tally: multiprocessing.Queue
          ) -> None:
    """In a process of its own: ``size`` failed logins in flight until ``stop``."""
    tally.put(asyncio.run(_storm(url, size, many_addresses, stop)))


async def _storm(url: str, size: int, many_addresses: bool, stop: Event) -> dict[str, int]:
    answers: Counter[str] = Counter()

    async def attacker(n: int) -> None:
        address = f"127.0.1.{n + 1}" if many_addresses else "127.0.0.1"
        transport = httpx.AsyncHTTPTransport(local_address=address)
        async with httpx.AsyncClient(base_url=url, transport=transport, timeout=120) as client:
            attempt = 0
            while not stop.is_set():
                attempt += 1
                username = USER if n % 2 == 0 else f"guess-{n}-{attempt}"
                response = await client.post("/api/v1/auth/token",
                                             data={"username": username, "password": "wrong"})
                code = response.json().get("error", {}).get("code", "")
                answers[f"{response.status_code} {code}".strip()] += 1

    await asyncio.gather(*(attacker(n) for n in range(size)))
    return dict(answers)


# --------------------------------------------------------------------------- report


def figures(took: list[float]) -> dict[str, float]:
    ordered = sorted(took)
    return {"p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[int(len(ordered) * 0.95) - 1], 2), "max": round(ordered[-1], 2)}


def report(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    idle, loaded, ratio = result["idle_ms"], result["storm_ms"], result["ratio"]
    print(f"GET /api/v1/auth/me, {result['samples']} requests per series (ms); storm: "
          f"{result['storm']} failed logins in flight from {result['addresses']} address(es)")
    print(f"{'':14}{'p50':>9}{'p95':>9}{'max':>9}")
    print(f"{'idle':14}{idle['p50']:9.2f}{idle['p95']:9.2f}{idle['max']:9.2f}")
    print(f"{'under storm':14}{loaded['p50']:9.2f}{loaded['p95']:9.2f}{loaded['max']:9.2f}")
    print(f"{'ratio':14}{ratio['p50']:8.2f}×{ratio['p95']:8.2f}×{ratio['max']:8.2f}×"
          "   (target: within 2×)")
    answers = ", ".join(f"{n} × {what}" for what, n in sorted(result["storm_answers"].items()))
    print(f"storm answered in {result['storm_seconds']:.1f} s: {answers}")


def main() -> int:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    server, url = start(work / "home")
    try:
        client = httpx.Client(base_url=url, timeout=120)
        token = client.post("/api/v1/auth/token", data={"username": USER, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        timed(client, 20)  # warm up
        idle = timed(client, args.samples)
        stop, tally = multiprocessing.Event(), multiprocessing.Queue()
        attackers = multiprocessing.Process(target=storm, args=(
            url, args.storm, args.addresses == "many", stop, tally))
        began = time.monotonic()
        attackers.start()
        time.sleep(2)  # the storm at full strength
        loaded = timed(client, args.samples)
        stop.set()
        answers = tally.get(timeout=300)
        attackers.join()
        lasted = time.monotonic() - began
    finally:
        os.killpg(server.pid, 9)
        server.wait()
    idle_f, loaded_f = figures(idle), figures(loaded)
    report({"samples": args.samples, "storm": args.storm, "addresses": args.addresses,
            "idle_ms": idle_f, "storm_ms": loaded_f,
            "ratio": {k: round(loaded_f[k] / idle_f[k], 2) for k in idle_f},
            "storm_answers": answers, "storm_seconds": round(lasted, 1)}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
