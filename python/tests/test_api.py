"""The Python API: shapes, dtypes against the Parquet schemas, errors and their positions,
determinism across runs, the CLI and `jobs`."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import yumalab
from conftest import same_summary, with_sweep

SCENARIO = "scenarios/copying-miners-proportional.yaml"


@pytest.fixture
def scen(root):
    return str(root / SCENARIO)


def test_run_returns_summary_and_tables(scen, short):
    r = yumalab.run(scen, set=short)
    assert isinstance(r.summary, dict) and len(r.summary) > 20
    assert r.summary["run.blocks"] == 2000
    for name in yumalab.TABLES:
        df = getattr(r, name)
        assert isinstance(df, pl.DataFrame)
        assert df.height > 0, name
    # 19 agents registered on one subnet, one row per uid per epoch.
    named = r.neurons.join(r.dim_neurons, on=["netuid", "uid", "neuron"])
    assert named.height == r.neurons.height
    assert set(named["group"].unique()) >= {"validators", "innovator", "copiers", "others"}
    assert r.agents.height == 19  # one row per agent
    assert r.report_dir is None


def test_dtypes_equal_the_parquet_files(scen, short, tmp_path):
    r = yumalab.run(scen, set=short, out=tmp_path)
    assert r.report_dir == tmp_path
    schemas = yumalab.table_schemas()
    assert set(schemas) == {"neurons", "dim_neurons", "subnets", "network", "agents"}
    for name in yumalab.TABLES:
        from_file = pl.read_parquet(tmp_path / f"{name}.parquet")
        mem = getattr(r, name)
        assert mem.schema == from_file.schema, name
        assert mem.equals(from_file), name
        if name in schemas:
            assert mem.schema == schemas[name]
    assert r.neurons.schema["uid"] == pl.UInt16
    assert r.neurons.schema["incentive_alpha"] == pl.UInt64
    assert r.neurons.schema["permit"] == pl.Boolean
    assert (tmp_path / "index.html").exists() and (tmp_path / "summary.json").exists()


def test_same_seed_same_tables_other_seed_other_tables(scen, short):
    a = yumalab.run(scen, set=short, seed=11)
    b = yumalab.run(scen, set=short, seed=11)
    c = yumalab.run(scen, set=short, seed=12)
    for name in yumalab.TABLES:
        assert getattr(a, name).equals(getattr(b, name)), name
    assert same_summary(a.summary, b.summary)
    assert not a.neurons.equals(c.neurons)


SMALL_YAML = """
name: small
description: two validators, three miners
seed: 3
network: isolated
duration: {blocks: 1500}
subnets:
  - name: sn1
    mechanism: {kind: proportional}
population:
  - {group: v, kind: honest-validator, subnet: sn1, count: 2, balance: 200, stake: 100}
  - {group: m, kind: honest-miner, subnet: sn1, count: 3, balance: 5, params: {quality: [{model: static, quality: 0.5}]}}
"""

SMALL_DICT = {
    "name": "small",
    "description": "two validators, three miners",
    "seed": 3,
    "network": "isolated",
    "duration": {"blocks": 1500},
    "subnets": [{"name": "sn1", "mechanism": {"kind": "proportional"}}],
    "population": [
        {"group": "v", "kind": "honest-validator", "subnet": "sn1", "count": 2, "balance": 200, "stake": 100},
        {"group": "m", "kind": "honest-miner", "subnet": "sn1", "count": 3, "balance": 5,
         "params": {"quality": [{"model": "static", "quality": 0.5}]}},
    ],
}


def test_scenario_as_path_string_and_dict(tmp_path):
    f = tmp_path / "small.yaml"
    f.write_text(SMALL_YAML)
    runs = [yumalab.run(SMALL_YAML), yumalab.run(SMALL_DICT), yumalab.run(f), yumalab.run(str(f))]
    for r in runs[1:]:
        assert same_summary(r.summary, runs[0].summary)
        assert r.neurons.equals(runs[0].neurons)
    with pytest.raises(yumalab.ScenarioError) as e:
        yumalab.run({**SMALL_DICT, "seed": "x"})
    assert e.value.problems[0].file == "<dict>"


def binary(root):
    for p in [root / "target/debug/yumalab", root / "target/release/yumalab"]:
        if p.exists():
            return p
    pytest.skip("the yumalab binary is not built (cargo build)")


def test_cli_and_python_write_byte_identical_tables(root, tmp_path):
    exe = binary(root)
    cli = tmp_path / "cli"
    py = tmp_path / "py"
    subprocess.run(
        [str(exe), "run", SCENARIO, "--set", "duration={blocks: 2000}", "-o", str(cli)],
        cwd=root, check=True, capture_output=True,
    )
    import os

    cwd = os.getcwd()
    os.chdir(root)
    try:
        yumalab.run(SCENARIO, set={"duration": "{blocks: 2000}"}, out=py)
    finally:
        os.chdir(cwd)
    for name in ["neurons", "dim_neurons", "subnets", "network", "agents", "windows", "summary"]:
        assert (cli / f"{name}.parquet").read_bytes() == (py / f"{name}.parquet").read_bytes(), name
    assert (cli / "summary.json").read_bytes() == (py / "summary.json").read_bytes()


def test_validate_lists_every_problem_with_its_position():
    bad = (
        "name: bad\n"
        "description: d\n"
        "duration: {blocks: 100}\n"
        "subnets:\n"
        "  - name: s\n"
        "    tempo: 0\n"
        "    mechanism: {kind: python, function: nope}\n"
        "population: []\n"
    )
    problems = yumalab.validate(bad)
    assert len(problems) >= 2
    by_path = {p.path: p for p in problems}
    t = by_path["subnets[0].tempo"]
    assert (t.file, t.line, t.column) == ("<string>", 6, 12)
    m = by_path["subnets[0].mechanism"]
    assert m.line == 7 and "module:function" in m.message
    assert str(t).startswith("<string>:6:12: `subnets[0].tempo`: ")
    with pytest.raises(yumalab.ScenarioError) as e:
        yumalab.run(bad)
    assert [str(p) for p in e.value.problems] == [str(p) for p in problems]
    assert str(e.value) == "\n".join(str(p) for p in problems)


def test_validate_accepts_shipped_scenarios(root):
    for f in sorted((root / "scenarios").glob("*.yaml")):
        assert yumalab.validate(str(f)) == [], f


def test_overrides_are_checked(scen):
    with pytest.raises(yumalab.ScenarioError) as e:
        yumalab.run(scen, set={"subnets[0].tempo": "-3"})
    assert any(p.path == "subnets[0].tempo" for p in e.value.problems)


def test_schema_is_the_json_schema():
    s = yumalab.schema()
    assert s["type"] == "object"
    kinds = s["properties"]["subnets"]["items"]["properties"]["mechanism"]["properties"]["kind"]
    assert "python" in kinds["enum"]


def test_sweep_one_row_per_run_same_for_any_jobs(root):
    # The shipped sweep: reveal_period_epochs [1, 2, 4, 8], here with 1 replicate.
    scen = root / "scenarios/weight-copying-commit-reveal.yaml"
    sets = {"duration": "{blocks: 1500}", "sweep.replicates": 1}
    one = yumalab.sweep(scen, set=sets, jobs=1, progress=False)
    two = yumalab.sweep(scen, set=sets, jobs=2, progress=True)
    assert one.height == 4
    assert one.columns[:4] == ["run", "point", "replicate", "seed"]
    assert "subnets[0].yuma.reveal_period_epochs" in one.columns
    assert one.equals(two)
    half = yumalab.sweep(str(scen), set=sets, jobs=1, shard=(1, 2), progress=False)
    assert half["run"].to_list() == [1, 3]
    assert half.equals(one.filter(pl.col("run").is_in([1, 3])))


def test_sweep_without_a_sweep_section_is_a_scenario_error(scen):
    with pytest.raises(yumalab.ScenarioError, match="no `sweep:` section"):
        yumalab.sweep(scen, progress=False)


def test_bad_argument_types():
    with pytest.raises(TypeError):
        yumalab.run(42)
    with pytest.raises(yumalab.ScenarioError, match="cannot read"):
        yumalab.run("does-not-exist.yaml")
