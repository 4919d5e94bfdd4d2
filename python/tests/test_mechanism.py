"""`kind: python` mechanisms: identity with the built-in, what the function sees, and how
failures are reported."""

from pathlib import Path

import numpy as np
import pytest

import mechs
import yumalab
from conftest import same_summary, with_sweep

SCENARIO = "scenarios/copying-miners-proportional.yaml"


def python_mechanism(function, params=None):
    m = f'{{kind: python, function: "{function}"'
    if params:
        m += ", params: {" + ", ".join(f"{k}: {v}" for k, v in params.items()) + "}"
    return m + "}"


@pytest.mark.parametrize("scenario", [SCENARIO, "scenarios/weight-copying.yaml"])
def test_python_proportional_is_byte_identical_to_the_built_in(root, scenario):
    base = {"duration": "{blocks: 3000}", "subnets[0].mechanism": "{kind: proportional}"}
    built_in = yumalab.run(str(root / scenario), set=base)
    python = yumalab.run(
        str(root / scenario),
        set={**base, "subnets[0].mechanism": python_mechanism("mechs:proportional")},
    )
    assert same_summary(python.summary, built_in.summary)
    for name in yumalab.TABLES:
        assert getattr(python, name).equals(getattr(built_in, name)), name


def test_python_top_k_matches_the_built_in_top_k(root):
    # Equal weight on the k best: the same rows as `top_k` when scores do not tie.
    base = {"duration": "{blocks: 3000}"}
    built_in = yumalab.run(str(root / SCENARIO), set={**base, "subnets[0].mechanism": "{kind: top_k, k: 2}"})
    python = yumalab.run(
        str(root / SCENARIO),
        set={**base, "subnets[0].mechanism": python_mechanism("mechs:top_k", {"k": 2})},
    )
    assert python.neurons.equals(built_in.neurons)


def test_the_function_sees_the_validators_evaluation(root):
    mechs.seen.clear()
    yumalab.run(
        str(root / SCENARIO),
        set={"duration": "{blocks: 1200}", "subnets[0].mechanism": python_mechanism("mechs:record", {"k": 3})},
    )
    assert mechs.seen
    netuids = {s[0] for s in mechs.seen}
    assert netuids == {22}  # the median subnet of the mainnet world
    validators = {s[1] for s in mechs.seen}
    assert len(validators) == 6  # six honest validators
    for netuid, validator, epoch, block, stake, shape, dtype, previous, params in mechs.seen:
        assert shape[0] == 2  # two environments
        assert dtype == "uint16"
        assert params == {"k": 3}
        assert stake >= 0
    # Each validator's second evaluation sees its first row (all ones -> 65535 everywhere).
    later = [s for s in mechs.seen if s[7].size and s[7].max() > 0]
    assert later and all(np.all(s[7][s[7] > 0] == 65535.0) for s in later)


def test_lists_are_accepted(root):
    r = yumalab.run(
        str(root / SCENARIO),
        set={"duration": "{blocks: 800}", "subnets[0].mechanism": python_mechanism("mechs:as_list")},
    )
    assert r.neurons.height > 0


@pytest.mark.parametrize(
    "function, expected",
    [
        ("mechs:short", "weights for"),
        ("mechs:negative", "negative"),
        ("mechs:nan", "not finite"),
        ("mechs:boom", "ValueError: boom at epoch"),
    ],
)
def test_failures_name_the_function_validator_epoch_and_stop_the_run(root, function, expected, tmp_path):
    with pytest.raises(yumalab.MechanismError) as e:
        yumalab.run(
            str(root / SCENARIO),
            set={"duration": "{blocks: 3000}", "subnets[0].mechanism": python_mechanism(function)},
        )
    msg = str(e.value)
    assert f"mechanism `{function}`" in msg
    assert "validator uid" in msg and "epoch" in msg and "subnet 22" in msg
    assert expected in msg
    if function == "mechs:boom":
        assert "Traceback" in msg and "mechs.py" in msg


def test_unknown_module_or_function_is_a_scenario_error(root):
    for function, what in [("no_such_module:f", "cannot import module"), ("mechs:no_such", "has no")]:
        with pytest.raises(yumalab.ScenarioError, match=what):
            yumalab.run(
                str(root / SCENARIO),
                set={"duration": "{blocks: 800}", "subnets[0].mechanism": python_mechanism(function)},
            )


def test_module_next_to_the_scenario_is_found(tmp_path):
    (tmp_path / "my_rules_next_to_it.py").write_text(
        "import numpy as np\ndef score(obs):\n    return np.ones(len(obs.uids))\n"
    )
    text = """
name: next
description: d
network: isolated
duration: {blocks: 800}
subnets:
  - name: s
    mechanism: {kind: python, function: "my_rules_next_to_it:score"}
population:
  - {group: v, kind: honest-validator, subnet: s, count: 2, balance: 200, stake: 100}
  - {group: m, kind: honest-miner, subnet: s, count: 3, balance: 5, params: {quality: [{model: static, quality: 0.5}]}}
"""
    f = tmp_path / "next.yaml"
    f.write_text(text)
    r = yumalab.run(f)
    assert r.neurons.height > 0


def test_sweep_with_a_python_mechanism_same_for_any_jobs(root, tmp_path):
    scen = with_sweep(
        root, tmp_path, SCENARIO,
        "sweep:\n  replicates: 1\n  grid:\n    subnets[0].mechanism.params.k: [1, 3, 6]\n",
    )
    sets = {"duration": "{blocks: 1500}", "subnets[0].mechanism": python_mechanism("mechs:top_k", {"k": 1})}
    one = yumalab.sweep(scen, set=sets, jobs=1, progress=False)
    two = yumalab.sweep(scen, set=sets, jobs=2, progress=False)
    assert one.height == 3
    assert one.equals(two)
    # k matters: the copiers' share differs between k = 1 and k = 6.
    shares = one["group.copiers.emission_share"].to_list()
    assert shares[0] != shares[2]


def test_the_cli_refuses_python_mechanisms_and_says_what_to_run(root, tmp_path):
    import subprocess

    from test_api import binary

    exe = binary(root)
    p = subprocess.run(
        [str(exe), "run", SCENARIO, "--set", "subnets[0].mechanism=" + python_mechanism("mechs:proportional"), "-o", str(tmp_path)],
        cwd=root, capture_output=True, text=True,
    )
    assert p.returncode == 1
    assert "python -m yumalab run scenarios/copying-miners-proportional.yaml" in p.stderr
    assert "pip install ./python" in p.stderr


def test_python_m_yumalab_runs_what_the_binary_refuses(root, tmp_path):
    import subprocess
    import sys

    text = (root / SCENARIO).read_text().replace(
        "mechanism: {kind: proportional}", 'mechanism: {kind: python, function: "mechs:proportional"}'
    )
    f = tmp_path / "p.yaml"
    f.write_text(text)
    import shutil

    shutil.copy(Path(mechs.__file__), tmp_path / "mechs.py")
    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "yumalab", "run", str(f), "--set", "duration={blocks: 1500}", "-o", str(out)],
        capture_output=True, text=True,
    )
    assert p.returncode == 0, p.stderr
    assert (out / "neurons.parquet").exists() and (out / "index.html").exists()
    same = yumalab.run(f, set={"duration": "{blocks: 1500}"})
    import polars as pl

    assert pl.read_parquet(out / "neurons.parquet").equals(same.neurons)
    p = subprocess.run([sys.executable, "-m", "yumalab", "validate", str(f)], capture_output=True, text=True)
    assert p.returncode == 0 and "ok:" in p.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("mechs:proportional", "mechs"))
    p = subprocess.run([sys.executable, "-m", "yumalab", "run", str(bad)], capture_output=True, text=True)
    assert p.returncode == 1 and "bad.yaml:" in p.stderr and "module:function" in p.stderr
