"""Loopback HTTP load: `wrk` when it is installed, else a small keep-alive client in Python.

Both are bounded: wrk by time, the Python client by requests and time. Both report req/s,
p50/p99 latency in milliseconds and how many answers were not 200.

Before the timed run, one request checks what the page answers and a short untimed warm-up at the
same concurrency opens every connection (each server thread's database connection too). wrk does
not count a redirect as an error, so a page that answers anything but 200 (a login redirect, an
empty cart sent back to the cart) is reported with every request "not 200" rather than as a fast
page.
"""

import http.client
import json
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass


@dataclass
class LoadResult:
    tool: str
    status: int  # what the page answered before the run; anything but 200 makes every request an error
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict:
        return asdict(self)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def python_load(*, host: str, port: int, path: str, concurrency: int, max_requests: int, max_seconds: float,
                headers: dict[str, str] | None = None) -> LoadResult:
    """`concurrency` threads, each on one keep-alive connection, until either bound is reached."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    remaining = [max_requests]
    lock = threading.Lock()
    deadline = time.perf_counter() + max_seconds

    def take() -> bool:
        with lock:
            if remaining[0] <= 0:
                return False
            remaining[0] -= 1
            return True

    def worker(k: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        while time.perf_counter() < deadline and take():
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers or {})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[k] += 1
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=30)
            except (OSError, http.client.HTTPException):
                errors[k] += 1
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
            latencies[k].append(time.perf_counter() - started)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    merged = sorted(x for per_thread in latencies for x in per_thread)
    return LoadResult("python", 0, concurrency, len(merged), sum(errors), round(elapsed, 3),
                      round(len(merged) / elapsed, 1) if elapsed else 0.0,
                      round(_percentile(merged, 0.50) * 1000, 2), round(_percentile(merged, 0.99) * 1000, 2))


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    value, unit = match.groups()
    return round(float(value) * _UNITS[unit], 2)


def _found(pattern: str, output: str, flags: int = 0) -> re.Match[str]:
    """The match of `pattern` in wrk's output, which always prints these lines."""
    match = re.search(pattern, output, flags)
    if match is None:
        raise ValueError(f"wrk's output has no match for {pattern!r}:\n{output}")
    return match


def wrk_load(*, host: str, port: int, path: str, concurrency: int, seconds: float,
             headers: dict[str, str] | None = None) -> LoadResult:
    threads = max(1, min(concurrency, 2))
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{host}:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    requests = int(_found(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1))
    duration_match = _found(r"requests in ([\d.]+\w+)", output).group(1)
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return LoadResult(
        "wrk", 0, concurrency, requests, errors, round(_ms(duration_match) / 1000, 3),
        float(_found(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        _ms(_found(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        _ms(_found(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
    )


def first_status(*, host: str, port: int, path: str, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


#: the untimed warm-up before each measured run
WARM_UP_SECONDS = 1.0


def load(*, host: str, port: int, path: str, concurrency: int, max_requests: int, max_seconds: float,
         headers: dict[str, str] | None = None, tool: str = "auto") -> LoadResult:
    status = first_status(host=host, port=port, path=path, headers=headers)
    python_load(host=host, port=port, path=path, concurrency=concurrency, max_requests=max(50, concurrency * 20),
                max_seconds=WARM_UP_SECONDS, headers=headers)
    if tool == "wrk" or (tool == "auto" and shutil.which("wrk")):
        result = wrk_load(host=host, port=port, path=path, concurrency=concurrency, seconds=max_seconds,
                          headers=headers)
    else:
        result = python_load(host=host, port=port, path=path, concurrency=concurrency, max_requests=max_requests,
                             max_seconds=max_seconds, headers=headers)
    result.status = status
    if status != 200:
        result.errors = result.requests
    return result


# --- a burst of API calls by many clients released together (the drills) --------------------------


@dataclass(frozen=True)
class Post:
    """One POST of a drill: the path, the JSON body, the bearer token, and what the caller tags it with."""

    path: str
    body: bytes
    token: str
    tag: object = None


@dataclass
class Burst:
    #: every call's time from sending to the answer read, in seconds, sorted
    latencies: list[float]
    #: "201", "409:coupon_sold_out", "ConnectionResetError" … → how many
    outcomes: dict[str, int]
    seconds: float

    def ms(self, fraction: float) -> float:
        return round(_percentile(self.latencies, fraction) * 1000, 2)

    def per_s(self) -> float:
        return round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0


def post_burst(*, port: int, work: list[list[Post]], warm_up: bool = False,
               on_answer=None) -> Burst:
    """Each list of `work` is one client on its own keep-alive connection, sending its posts one after
    the other; the clients start together. An answer of 400 or more is counted with its error code.
    `warm_up` opens every connection (and a server thread) with a health check before the start;
    `on_answer(post, status)` is called from the client's thread after each answer."""
    clients = len(work)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    answers: list[dict[str, int]] = [{} for _ in range(clients)]
    ready = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if warm_up:
            connection.request("GET", "/api/v1/health")
            connection.getresponse().read()
        ready.wait()
        for post in work[k]:
            started = time.perf_counter()
            try:
                connection.request("POST", post.path, body=post.body, headers={
                    "Authorization": f"Bearer {post.token}", "Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                outcome = str(response.status)
                if response.status >= 400:
                    outcome += ":" + json.loads(payload).get("code", "")
                if on_answer is not None:
                    on_answer(post, response.status)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                outcome = type(exc).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            latencies[k].append(time.perf_counter() - started)
            answers[k][outcome] = answers[k].get(outcome, 0) + 1
        connection.close()

    pool = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for thread in pool:
        thread.start()
    ready.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    outcomes: dict[str, int] = {}
    for per in answers:
        for outcome, n in per.items():
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    return Burst(sorted(x for per in latencies for x in per), dict(sorted(outcomes.items())), elapsed)
