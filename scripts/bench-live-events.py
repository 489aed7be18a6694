#!/usr/bin/env python3
"""How long a live event takes to cross processes on a shared PostgreSQL database.

Starts two `aloft serve` on the database given (an empty one): A executes the runs, B stands
by. Starts RUNS runs of an agent that streams WORDS deltas CHUNK_MS apart, watches each run's
events on A and on B at once (SSE), and reports when each delta reached B after it reached A
(both clients on this machine, one clock), once both streams are under way. Prints one JSON
line.

    scripts/bench-live-events.py postgres://user@127.0.0.1:5432/db [--runs 5] [--words 200]

Needs a release build (swift build -c release --product aloft).
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_server(binary, store, agents, folder):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(os.path.join(folder, f"serve-{port}.log"), "w")
    process = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--store", store, "--agents", agents, "--db", os.path.join(folder, "unused.db")],
        stderr=log, stdout=subprocess.DEVNULL, cwd=folder,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit("aloft serve did not start:\n" + open(log.name).read())


def post(port, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    answer = connection.getresponse()
    data = json.loads(answer.read())
    if answer.status >= 300:
        sys.exit(f"POST {path}: {answer.status} {data}")
    return data


def watch(port, run_id, arrivals, ready):
    """Records the monotonic time each run_content event arrives, by its id."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", f"/v1/runs/{run_id}/events", headers={"Accept": "text/event-stream"})
    answer = connection.getresponse()
    ready.release()
    event, number = None, None
    while True:
        line = answer.fp.readline()
        if not line:
            return
        line = line.decode().rstrip("\r\n")
        if line.startswith("id:"):
            number = int(line[3:].strip())
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line == "":
            if event == "run_content" and number is not None:
                arrivals[number] = time.monotonic()
            if event in ("run_completed", "run_failed", "run_cancelled"):
                return
            event, number = None, None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--chunk-ms", type=int, default=10)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/aloft"))
    arguments = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="aloft-live-")
    agents = os.path.join(folder, "agents")
    os.mkdir(agents)
    words = " ".join(f"w{n}" for n in range(1, arguments.words + 1))
    with open(os.path.join(agents, "talker.yaml"), "w") as file:
        file.write(f'name: talker\nmodel:\n  provider: scripted\n  script:\n    - text: "{words}"\n      chunk_delay_ms: {arguments.chunk_ms}\n')
    a, port_a = start_server(arguments.binary, arguments.store, agents, folder)
    time.sleep(0.5)
    b, port_b = start_server(arguments.binary, arguments.store, agents, folder)
    delays = []
    try:
        for _ in range(arguments.runs):
            run_id = post(port_a, "/v1/runs", {"agent": "talker", "input": "talk"})["id"]
            on_a, on_b = {}, {}
            ready = threading.Semaphore(0)
            threads = [threading.Thread(target=watch, args=(port, run_id, seen, ready)) for port, seen in ((port_a, on_a), (port_b, on_b))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            # Steady state: the first deltas may come from the log (the streams opened after they
            # were made), and those B missed while subscribing wait for the log (tens of ms).
            for number in sorted(on_a)[50:]:
                if number in on_b:
                    delays.append((on_b[number] - on_a[number]) * 1000)
                    if os.environ.get("SHOW_SLOW") and delays[-1] > 5: print(number, round(delays[-1], 1), file=sys.stderr)
    finally:
        for name, process in (("A", a), ("B", b)):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                sys.exit(f"aloft serve {name} did not stop on SIGTERM; its log: {folder}")
    delays.sort()
    print(json.dumps({
        "deltas": len(delays),
        "b_after_a_ms": {
            "p50": round(statistics.median(delays), 3),
            "p90": round(delays[int(len(delays) * 0.9)], 3),
            "p99": round(delays[int(len(delays) * 0.99)], 3),
            "max": round(delays[-1], 3),
        },
    }))


if __name__ == "__main__":
    main()
