"""Benchmark (not a test): the proportional mechanism in Python against the built-in, on a
64-validator x 191-miner subnet (256 uids with the owner) for 30 days
(proportional-64x191.yaml), on whatever build of the package is installed (measure the
optimised one: ``pip install ./python``).

    pip install ./python && python python/bench/bench_mechanism.py [--repeat 3] [--days 30]
    python python/bench/bench_mechanism.py --sweep [--days 3] [--runs 4]

The first form prints the best wall time of each over --repeat runs, the ratio (target: at most
2x), the number of Python calls and the cost per call, and checks that both give the same tables.

``--sweep`` measures what the interpreter lock costs: a sweep of --runs runs (--days each)
with the Python mechanism and with the built-in, at jobs=1 and jobs=2, and prints the wall and
CPU times, each speed-up and how much more CPU jobs=2 burns (lock hand-offs).
"""

import argparse
import time
from pathlib import Path

import yumalab

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "proportional-64x191.yaml"
PYTHON = '{kind: python, function: "mechanisms:proportional"}'


def timed(**kw):
    """(wall s, CPU s of this process, the run)."""
    t, c = time.perf_counter(), time.process_time()
    run = yumalab.run(SCENARIO, **kw)
    return time.perf_counter() - t, time.process_time() - c, run


def single(a):
    d = {"duration": f"{{days: {a.days}}}"}
    # Interleaved, best of --repeat each: a loaded machine slows both alike.
    b_times, p_times = [], []
    for _ in range(a.repeat):
        *t, r1 = timed(set=d)
        b_times.append(t)
        *t, r2 = timed(set={**d, "subnets[0].mechanism": PYTHON})
        p_times.append(t)
    built_in, python = min(t[0] for t in b_times), min(t[0] for t in p_times)
    b_cpu, p_cpu = min(t[1] for t in b_times), min(t[1] for t in p_times)
    assert r1.neurons.equals(r2.neurons), "the Python mechanism must give the built-in's tables"
    evaluations = int(r1.summary.get("run.epochs", 0)) * 64
    print(f"built-in proportional: {built_in:.3f} s wall, {b_cpu:.3f} s CPU")
    print(f"Python proportional:   {python:.3f} s wall, {p_cpu:.3f} s CPU  ({python / built_in:.2f}x the built-in's wall time, {p_cpu / b_cpu:.2f}x its CPU time)")
    print(f"about {evaluations} Python calls: {(python - built_in) / max(evaluations, 1) * 1e6:.1f} us per call over the built-in")


def sweeps(a):
    prices = ", ".join(f"{0.01 + 0.001 * i:.3f}" for i in range(a.runs))
    base = {
        "duration": f"{{days: {a.days}}}",
        "sweep": f'{{grid: {{"subnets[0].pool.price": [{prices}]}}}}',
    }
    times = {}
    rows = {}
    for name, mech in [("built-in", "{kind: proportional}"), ("Python", PYTHON)]:
        for jobs in (1, 2):
            t, c = time.perf_counter(), time.process_time()
            rows[name, jobs] = yumalab.sweep(SCENARIO, set={**base, "subnets[0].mechanism": mech}, jobs=jobs, progress=False)
            times[name, jobs] = (time.perf_counter() - t, time.process_time() - c)
    assert rows["Python", 1].equals(rows["Python", 2]) and rows["built-in", 1].equals(rows["built-in", 2])
    print(f"sweep of {a.runs} runs x {a.days:g} days")
    for name in ("built-in", "Python"):
        (one, c1), (two, c2) = times[name, 1], times[name, 2]
        print(
            f"{name:<9} jobs=1 {one:7.2f} s wall {c1:6.2f} s CPU   jobs=2 {two:7.2f} s wall {c2:6.2f} s CPU"
            f"   speed-up {one / two:.2f}x, CPU {c2 / c1:.2f}x"
        )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--days", type=float, default=None, help="days per run (default 30; 3 with --sweep)")
    p.add_argument("--sweep", action="store_true", help="measure jobs=1 against jobs=2 instead")
    p.add_argument("--runs", type=int, default=4, help="runs in the --sweep sweep")
    a = p.parse_args()
    if a.sweep:
        a.days = 3 if a.days is None else a.days
        sweeps(a)
    else:
        a.days = 30 if a.days is None else a.days
        single(a)


if __name__ == "__main__":
    main()
