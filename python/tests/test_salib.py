"""yumalab's Sobol indices against SALib's on the same X and Y (issue 14).

Reads the committed Sobol study `docs/sensitivity-copier/` (written by
`yumalab sweep scenarios/sensitivity-copier.yaml -o docs/sensitivity-copier`): its SALib export
(`salib/problem.json`, `X.txt`, `Y.txt`) and yumalab's own `sensitivity.parquet`, and recomputes
S1 and ST with SALib for every metric. Both use the same estimators (Saltelli 2010 for S1,
Jansen for ST) on the same rows, so they agree to rounding; the confidence intervals differ
(each draws its own bootstrap resamples) and are not compared.
"""

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

salib_sobol = pytest.importorskip("SALib.analyze.sobol")

STUDY = Path(__file__).resolve().parents[2] / "docs" / "sensitivity-copier"


def test_sobol_indices_equal_salib_on_the_exported_design():
    problem = json.loads((STUDY / "salib" / "problem.json").read_text())
    y_path = STUDY / "salib" / "Y.txt"
    names = y_path.read_text().splitlines()[0].lstrip("#").split()
    y_all = np.loadtxt(y_path, ndmin=2)
    x = np.loadtxt(STUDY / "salib" / "X.txt", ndmin=2)
    assert x.shape == (y_all.shape[0], problem["num_vars"])
    ours = pl.read_parquet(STUDY / "sensitivity.parquet")
    compared = 0
    for j, metric in enumerate(names):
        y = y_all[:, j]
        if not np.all(np.isfinite(y)) or np.var(y) == 0:
            continue
        second = bool(problem["yumalab"]["second_order"])
        theirs = salib_sobol.analyze(problem, y, calc_second_order=second, print_to_console=False)
        for index in ("S1", "ST"):
            for p, value in zip(problem["names"], theirs[index]):
                row = ours.filter(
                    (pl.col("metric") == metric)
                    & (pl.col("index") == index)
                    & (pl.col("parameter") == p)
                )
                assert row.height == 1, (metric, index, p)
                mine = row["value"][0]
                assert math.isclose(mine, value, rel_tol=1e-9, abs_tol=1e-12), (
                    metric,
                    index,
                    p,
                    mine,
                    value,
                )
                compared += 1
    # 13 metrics x 5 parameters x 2 indices, less any constant metric.
    assert compared >= 100
