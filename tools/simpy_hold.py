#!/usr/bin/env python3
"""The hold model in SimPy: bare events per second, to set beside hubsim's event kernel.

n processes each wait a random whole number of days (0 to 730, as in
tests/benchmark/bench_event_queue.cpp) again and again; every wait is one SimPy event
(a Timeout) and one process resumption, the least a SimPy model does per event.

    /usr/bin/python3 tools/simpy_hold.py [--sizes 1000 10000 100000] [--events 300000]

Prints events per second for each queue size (one core), and --json writes them.
"""

import argparse
import json
import random
import sys
import time

import simpy  # SimPy 3: Debian's python3-simpy3


def hold(n, events):
    """Events per second of a SimPy hold model with `n` pending events."""
    rng = random.Random(42)
    increments = [rng.randint(0, 730) for _ in range(1 << 16)]
    mask = len(increments) - 1
    env = simpy.Environment()
    state = {"k": 0, "events": 0}

    def holder(first):
        yield env.timeout(first)
        while True:
            k = state["k"] = (state["k"] + 1) & mask
            state["events"] += 1
            yield env.timeout(increments[k])

    for i in range(n):
        env.process(holder(increments[i & mask]))
    env.run(until=731)  # every process is now in its cycle: the queue holds n events
    # Time to the next `events` events: run in slices until that many have been processed.
    start_events = state["events"]
    t0 = time.perf_counter()
    horizon = env.now
    while state["events"] - start_events < events:
        horizon += 30
        env.run(until=horizon)
    elapsed = time.perf_counter() - t0
    return (state["events"] - start_events) / elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--events", type=int, default=300000, help="events timed per size")
    ap.add_argument("--json", help="write {size: events per second} here")
    args = ap.parse_args()
    rates = {}
    for n in args.sizes:
        rates[n] = hold(n, args.events)
        print(f"SimPy hold model, {n:>9,} pending events: {rates[n] / 1e6:.3f} million events/s")
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({str(k): v for k, v in rates.items()}, f)


if __name__ == "__main__":
    main()
