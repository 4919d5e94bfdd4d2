"""Sweeps the copy penalty of dedup_top_k.py against copying miners and plots who earns what.

    python examples/python/sweep_penalty.py [--days D] [--jobs N] [--out DIR]

Prints the mean emission share of the innovator, the copiers and the others per penalty, and
writes DIR/penalty.png when matplotlib is installed.
"""

import argparse
from pathlib import Path

import polars as pl

import yumalab

HERE = Path(__file__).resolve().parent
PENALTY = "subnets[0].mechanism.params.penalty"
GROUPS = ["innovator", "copiers", "others"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=float, default=3)
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--out", default="reports/runs/dedup-top-k-sweep")
    a = p.parse_args()
    runs = yumalab.sweep(HERE / "copiers.yaml", set={"duration": f"{{days: {a.days}}}"}, jobs=a.jobs)
    table = (
        runs.group_by(PENALTY)
        .agg([pl.col(f"group.{g}.emission_share").mean().alias(g) for g in GROUPS])
        .sort(PENALTY)
    )
    print("mean share of the emission (validators take the rest), per copy penalty")
    print(table)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    runs.write_parquet(out / "summary.parquet")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install matplotlib)")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for g in GROUPS:
        ax.plot(table[PENALTY], table[g], marker="o", label=g)
    ax.set_xlabel("copy penalty (dedup_top_k.py `penalty`)")
    ax.set_ylabel("share of emission")
    ax.set_title("top-3 with a copy penalty vs copying miners")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "penalty.png", dpi=120)
    print(f"chart: {out / 'penalty.png'}")


if __name__ == "__main__":
    main()
