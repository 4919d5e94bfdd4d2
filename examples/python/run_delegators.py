"""Runs a delegator written in Python (yield_chaser.py) against the built-in ones and prints
what each earned.

    python examples/python/run_delegators.py [--days D] [--seed S]
"""

import argparse
from pathlib import Path

import polars as pl

import yumalab

HERE = Path(__file__).resolve().parent
GROUPS = ["py-chasers", "rust-chasers", "holders"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=float, default=7)
    p.add_argument("--seed", type=int, default=None)
    a = p.parse_args()
    run = yumalab.run(HERE / "delegators.yaml", set={"duration": f"{{days: {a.days}}}"}, seed=a.seed)
    earned = (
        run.agents.filter(pl.col("group").is_in(GROUPS))
        .group_by("group", "kind")
        .agg(
            pl.len().alias("agents"),
            pl.col("genesis_tao").sum(),
            pl.col("holdings_tao").sum(),
            pl.col("profit_tao").sum(),
        )
        .with_columns((pl.col("profit_tao") / pl.col("genesis_tao")).alias("roi"))
        .sort("group")
    )
    print(f"what each group of delegators earned in {a.days:g} days (TAO)")
    with pl.Config(tbl_hide_dataframe_shape=True, float_precision=4):
        print(earned)
    for g in GROUPS:
        print(f"{g:<14} profit {run.summary[f'group.{g}.profit_tao']:10.4f} TAO   roi {run.summary[f'group.{g}.roi']:8.4%}")


if __name__ == "__main__":
    main()
