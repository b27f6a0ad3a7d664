"""An authenticated request's latency on an idle server and during a storm of
failed logins.

Starts `dangan serve` (embedded defaults) in a throw-away DANGAN_HOME on a
free port, logs one staff member in, and times GET /api/v1/auth/me, one
request every 10 ms: first on the idle server, then while a second process keeps 60 failed
logins in flight — half of them for one username (the staff member's own,
who stays logged in), half for a new username each time. With --addresses
many (the default) each storm connection comes from an address of its own
(127.0.1.N), so the per-address throttle does not end the storm and the
login lane bears it; --addresses one sends it all from 127.0.0.1.
Prints p50/p95/max of both series side by side, their ratio, and how the
storm was answered. The target: under the storm within 2× idle.
Then times a successful login (at the archive's own argon2 cost) on the idle
server and while a busy loop runs on every core at normal priority, as other
requests would: the password check yields the CPU but must not starve.

    .venv/bin/python bench/login_storm.py [--samples 500] [--every 0.01] [--storm 60]
        [--addresses many|one] [--logins 10] [--json]
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
from multiprocessing.synchronize import Event, Semaphore
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DANGAN = str(ROOT / ".venv/bin/dangan")
PASSWORD = "bench password 1"
USER = "bench"
QUIET_USER = "bench-quiet"  # one the storm never names, for the timed successful logins


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=500, help="timed requests in each series")
    parser.add_argument("--every", type=float, default=0.01,
                        help="seconds between the starts of two timed requests")
    parser.add_argument("--storm", type=int, default=60, help="failed logins kept in flight")
    parser.add_argument("--addresses", choices=["many", "one"], default="many")
    parser.add_argument("--logins", type=int, default=10,
                        help="successful logins timed idle and with every core busy")
    parser.add_argument("--set", action="append", default=[], metavar="DANGAN_X=VALUE",
                        help="a setting of the server, e.g. DANGAN_LOGIN_HASH_WORKERS=1 (repeatable)")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(home: Path, settings: list[str]) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    port = free_port()
    env.update(item.split("=", 1) for item in settings)
    env.update(DANGAN_HOME=str(home), DANGAN_PORT=str(port))
    for user in (USER, QUIET_USER):
        subprocess.run([DANGAN, "users", "add", user, "--role", "staff", "--password-stdin"],
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


def timed(client: httpx.Client, count: int, every: float) -> tuple[list[float], Counter[int]]:
    """Milliseconds of ``count`` GET /api/v1/auth/me, one at a time, started
    ``every`` seconds apart (or as soon as the last ended), and their statuses
    (any but 200 is a failure the figures must show)."""
    took, statuses = [], Counter[int]()
    for _ in range(count):
        started = time.perf_counter()
        statuses[client.get("/api/v1/auth/me").status_code] += 1
        took.append((time.perf_counter() - started) * 1000)
        time.sleep(max(0.0, every - (time.perf_counter() - started)))
    return took, statuses


# --------------------------------------------------------------------------- the storm


def storm(url: str, size: int, many_addresses: bool, stop: Event, tally: multiprocessing.Queue
          ) -> None:
    """In a process of its own: ``size`` failed logins in flight until ``stop``.
    The attackers would be other machines: here, on the server's own cores,
    the storm's client runs at the lowest CPU priority so that what is timed
    is the server's answer, not this process's competition for the cores."""
    os.nice(19)
    tally.put(asyncio.run(_storm(url, size, many_addresses, stop)))


async def _storm(url: str, size: int, many_addresses: bool, stop: Event) -> dict[str, int]:
    answers: Counter[str] = Counter()

    async def attacker(n: int) -> None:
        address = f"127.0.1.{n + 1}" if many_addresses else "127.0.0.1"
        transport = httpx.AsyncHTTPTransport(local_address=address)
        async with httpx.AsyncClient(base_url=url, transport=transport, timeout=120) as client:
            attempt = 0
            while True:
                attempt += 1
                username = USER if n % 2 == 0 else f"guess-{n}-{attempt}"
                response = await client.post("/api/v1/auth/token",
                                             data={"username": username, "password": "wrong"})
                code = response.json().get("error", {}).get("code", "")
                answers[f"{response.status_code} {code}".strip()] += 1

    tasks = [asyncio.create_task(attacker(n)) for n in range(size)]
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for task in tasks:  # what is still in flight when the timing ends is not waited for
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return dict(answers)


# --------------------------------------------------------------------------- busy cores


def _burn(started: Semaphore, stop: Event) -> None:
    started.release()
    while not stop.is_set():
        pass


def logins(url: str, count: int) -> list[float]:
    """Milliseconds of ``count`` successful logins, one after another, from an
    address the storm did not use."""
    took = []
    transport = httpx.HTTPTransport(local_address="127.0.2.1")
    with httpx.Client(base_url=url, timeout=300, transport=transport) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = client.post("/api/v1/auth/token",
                                   data={"username": QUIET_USER, "password": PASSWORD})
            took.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return took


def logins_on_busy_cores(url: str, count: int) -> list[float]:
    started, stop = multiprocessing.Semaphore(0), multiprocessing.Event()
    burners = [multiprocessing.Process(target=_burn, args=(started, stop))
               for _ in range(os.cpu_count() or 1)]
    for burner in burners:
        burner.start()
    try:
        for _ in burners:
            started.acquire()
        return logins(url, count)
    finally:
        stop.set()
        for burner in burners:
            burner.join()


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
    print(f"GET /api/v1/auth/me, {result['samples']} requests per series, "
          f"{result['every'] * 1000:.0f} ms apart (ms); storm: "
          f"{result['storm']} failed logins in flight from {result['addresses']} address(es)")
    print(f"{'':14}{'p50':>9}{'p95':>9}{'max':>9}")
    print(f"{'idle':14}{idle['p50']:9.2f}{idle['p95']:9.2f}{idle['max']:9.2f}")
    print(f"{'under storm':14}{loaded['p50']:9.2f}{loaded['p95']:9.2f}{loaded['max']:9.2f}")
    print(f"{'ratio':14}{ratio['p50']:8.2f}×{ratio['p95']:8.2f}×{ratio['max']:8.2f}×"
          "   (target: within 2×)")
    for series, statuses in result["statuses"].items():
        if set(statuses) != {200}:
            print(f"  {series}: answered " + ", ".join(f"{n} × {status}"
                                                     for status, n in sorted(statuses.items())))
    answers = ", ".join(f"{n} × {what}" for what, n in sorted(result["storm_answers"].items()))
    print(f"storm answered in {result['storm_seconds']:.1f} s: {answers}")
    quiet, busy = result["login_idle_ms"], result["login_busy_ms"]
    print(f"a successful login (ms), {result['logins']} each: idle p50 {quiet['p50']:.0f} "
          f"max {quiet['max']:.0f}; every core busy p50 {busy['p50']:.0f} max {busy['max']:.0f}")


def main() -> int:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    server, url = start(work / "home", args.set)
    try:
        client = httpx.Client(base_url=url, timeout=120)
        token = client.post("/api/v1/auth/token", data={"username": USER, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        timed(client, 20, 0)  # warm up
        idle, idle_statuses = timed(client, args.samples, args.every)
        stop, tally = multiprocessing.Event(), multiprocessing.Queue()
        attackers = multiprocessing.Process(target=storm, args=(
            url, args.storm, args.addresses == "many", stop, tally))
        began = time.monotonic()
        attackers.start()
        time.sleep(2)  # the storm at full strength
        loaded, storm_statuses = timed(client, args.samples, args.every)
        stop.set()
        answers = tally.get(timeout=300)
        attackers.join()
        lasted = time.monotonic() - began
        time.sleep(2)  # the storm's last hashes end
        login_idle = logins(url, args.logins)
        login_busy = logins_on_busy_cores(url, args.logins)
    finally:
        os.killpg(server.pid, 9)
        server.wait()
    idle_f, loaded_f = figures(idle), figures(loaded)
    report({"samples": args.samples, "every": args.every, "storm": args.storm, "addresses": args.addresses,
            "idle_ms": idle_f, "storm_ms": loaded_f,
            "ratio": {k: round(loaded_f[k] / idle_f[k], 2) for k in idle_f},
            "statuses": {"idle": dict(idle_statuses), "under storm": dict(storm_statuses)},
            "storm_answers": answers, "storm_seconds": round(lasted, 1),
            "logins": args.logins, "login_idle_ms": figures(login_idle),
            "login_busy_ms": figures(login_busy)}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
