"""Benchmark (not a test): the proportional mechanism in Python against the built-in, on a
64-validator x 191-miner subnet for 30 days (proportional-64x191.yaml).

    pip install ./python && python python/bench/bench_mechanism.py [--repeat 3] [--days 30]

Prints the best wall time of each over --repeat runs, the ratio, the number of Python calls
and the cost per call, and checks that both give the same tables.
"""

import argparse
import time
from pathlib import Path

import yumalab

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "proportional-64x191.yaml"
PYTHON = '{kind: python, function: "mechanisms:proportional"}'


def best(repeat, **kw):
    times, run = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        run = yumalab.run(SCENARIO, **kw)
        times.append(time.perf_counter() - t)
    return min(times), run


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--days", type=float, default=30)
    a = p.parse_args()
    d = {"duration": f"{{days: {a.days}}}"}
    built_in, r1 = best(a.repeat, set=d)
    python, r2 = best(a.repeat, set={**d, "subnets[0].mechanism": PYTHON})
    assert r1.neurons.equals(r2.neurons), "the Python mechanism must give the built-in's tables"
    evaluations = int(r1.summary.get("run.epochs", 0)) * 64
    print(f"built-in proportional: {built_in:.3f} s")
    print(f"Python proportional:   {python:.3f} s  ({python / built_in:.2f}x the built-in)")
    print(f"about {evaluations} Python calls: {(python - built_in) / max(evaluations, 1) * 1e6:.1f} us per call over the built-in")


if __name__ == "__main__":
    main()
