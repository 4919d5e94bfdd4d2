"""yumalab.replay and yumalab.coinbase: the tables of `yumalab replay -o` / `coinbase -o`."""

import subprocess

import polars as pl
import pytest

import yumalab
from test_api import binary


def test_replay_gives_the_clis_tables(root, tmp_path):
    f = root / "scenarios/replay/yuma2_classic_two_miners.yaml"
    tables = yumalab.replay(f)
    assert set(tables) == {"epochs", "bonds"}
    subprocess.run([str(binary(root)), "replay", str(f), "-o", str(tmp_path)], check=True, capture_output=True)
    for name, df in tables.items():
        assert df.equals(pl.read_parquet(tmp_path / f"{name}.parquet")), name


def test_a_bad_replay_is_a_scenario_error(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("validators: [A]\nminers: [M]\nepochs:\n  - {stakes: [1], weights: [[1, 2, 3]]}\n")
    with pytest.raises(yumalab.ScenarioError, match="bad.yaml"):
        yumalab.replay(f)


def test_coinbase_explains_blocks(root):
    df = yumalab.coinbase(root / "scenarios/snapshots/mainnet-2026-08.yaml", blocks=2)
    assert df.height > 0
    assert df["block"].n_unique() == 2 if "block" in df.columns else True
