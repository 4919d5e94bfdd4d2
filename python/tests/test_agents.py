"""`kind: python` agents: identity with a built-in agent, identity and random stream, determinism
across runs and sweep jobs, and how failures are reported."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyagents
import yumalab
from conftest import HERE, same_summary

BASKETS = "scenarios/root-baskets.yaml"

# A small subnet: validators, miners and one Python group `py` (its class set per test).
SMALL = """
name: small
description: d
seed: 11
duration: {blocks: 1500}
subnets:
  - name: s
    tempo: 100
    yuma: {version: yuma3, commit_reveal: false}
    burn: 0.1
population:
  - {group: v, kind: honest-validator, subnet: s, count: 3, balance: 300, stake: 200}
  - {group: m, kind: honest-miner, subnet: s, count: 4, balance: 5, params: {quality: [{model: static, quality: 0.5}]}}
  - {group: py, kind: python, class: "pyagents:Recorder", subnet: s, count: 2, balance: 50}
network: isolated
"""


def small(tmp_path, cls, params=None, extra=""):
    text = SMALL.replace("pyagents:Recorder", cls)
    if params:
        text = text.replace("balance: 50}", "balance: 50, params: {" + ", ".join(f"{k}: {v}" for k, v in params.items()) + "}}")
    f = tmp_path / "small.yaml"
    f.write_text(text + extra)
    shutil.copy(HERE / "pyagents.py", tmp_path / "pyagents.py")
    return f


def python_root_stakers(groups=("daily", "weekly", "never")):
    sets = {}
    for g in groups:
        sets[f"population[{g}].kind"] = "python"
        sets[f"population[{g}].class"] = "pyagents:RootStaker"
    return sets


def without_kind(df):
    return df.drop("kind") if "kind" in df.columns else df


def test_python_root_staker_is_byte_identical_to_the_built_in(root):
    # 8 days: the stakers stake at block 400, claim daily and weekly.
    base = {"duration": "{days: 8}"}
    built_in = yumalab.run(str(root / BASKETS), set=base)
    python = yumalab.run(str(root / BASKETS), set={**base, **python_root_stakers()})
    assert same_summary(python.summary, built_in.summary)
    assert built_in.summary["group.daily.profit_tao"] != built_in.summary["group.never.profit_tao"]
    for name in yumalab.TABLES:
        # Every column but `kind` (the behaviour's name: `root-staker` / `python`) is identical.
        assert without_kind(getattr(python, name)).equals(without_kind(getattr(built_in, name))), name
    kinds = dict(zip(python.agents["group"].to_list(), python.agents["kind"].to_list()))
    assert kinds["daily"] == "python" and kinds["sn1-validators"] == "honest-validator"


def stable_id(name):
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) % 2**64
    return h


def splitmix(z):
    m = 2**64
    z = (z + 0x9E3779B97F4A7C15) % m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % m
    return z ^ (z >> 31)


def derive_seed(master, id):
    return splitmix(splitmix(master) ^ ((id * 0x9E3779B97F4A7C15) % 2**64))


def test_agents_get_their_identity_and_the_engines_seed(tmp_path):
    assert stable_id("a") == 0xAF63DC4C8601EC8C  # pinned in agents/src/units.rs
    f = small(tmp_path, "pyagents:Recorder", {"tag": "t"})
    pyagents.seen.clear()
    yumalab.run(f)
    inits = [s for s in pyagents.seen if s[0] == "init"]
    assert [s[1] for s in inits] == ["py/0", "py/1"]
    for _, name, seed, draws, coldkey, hotkeys, netuid, tempo, tag in inits:
        assert seed == derive_seed(11, stable_id(name))
        assert draws == np.random.default_rng(seed).integers(0, 2**32, 4).tolist()
        assert netuid == 1 and tempo == 100 and tag == "t" and len(hotkeys) == 1
    assert inits[0][2] != inits[1][2]
    # Without `next_block`: once per tempo (blocks 100, 200, ...), with the view of that block
    # (10 uids: the owner, 3 validators, 4 miners and the 2 Python agents, registered).
    acts = [s for s in pyagents.seen if s[0] == "act" and s[1] == "py/0"]
    assert [a[2] for a in acts] == list(range(100, 1501, 100))
    assert all(a[3] == 10 and a[4] == 50 * 10**9 and a[5] == [1] for a in acts)
    # Another seed, other streams; the same seed, the same ones.
    pyagents.seen.clear()
    yumalab.run(f, seed=12)
    assert [s[2] for s in pyagents.seen if s[0] == "init"] == [derive_seed(12, stable_id(n)) for n in ("py/0", "py/1")]


def test_random_python_agents_are_deterministic_across_runs_and_sweep_jobs(tmp_path):
    f = small(tmp_path, "pyagents:RandomStaker", extra="sweep:\n  replicates: 2\n  grid:\n    population[py].count: [1, 3]\n")
    a, b = yumalab.run(f), yumalab.run(f)
    assert same_summary(a.summary, b.summary)
    for name in yumalab.TABLES:
        assert getattr(a, name).equals(getattr(b, name)), name
    # The agents staked (their holdings moved with their stakes), each its own way.
    py = a.agents.filter(a.agents["group"] == "py")
    assert py.height == 2
    assert (py["holdings_tao"] != py["genesis_tao"]).all() and py["holdings_tao"].n_unique() == 2
    one = yumalab.sweep(f, jobs=1, progress=False)
    two = yumalab.sweep(f, jobs=2, progress=False)
    assert one.height == 4
    assert one.equals(two)
    # Replicates differ (other seeds, other draws).
    assert one["group.py.profit_tao"].n_unique() > 1


@pytest.mark.parametrize(
    "cls,expected",
    [
        ("pyagents:Raises", ["raised an exception in `act`", "block 500", "ZeroDivisionError: boom at block 500", "Traceback", "pyagents.py"]),
        ("pyagents:ReturnsJunk", ["returned `int` at index 1", "expected a yumalab.Action"]),
        ("pyagents:ReturnsNumber", ["`act` returned `int`, expected a list of yumalab.Action"]),
        ("pyagents:SpendsOthers", ["bad action at index 0", "is not the agent's own", "AddStake"]),
        ("pyagents:BadInit", ["could not be made", "ValueError: no such params: []"]),
        ("pyagents:BadNextBlock", ["`next_block(0)` returned `'soon'`, expected a block"]),
        ("pyagents:KeepsView", ["block 200", "RuntimeError: this view is no longer valid"]),
    ],
)
def test_failures_name_the_class_agent_and_block_and_stop_the_run(tmp_path, cls, expected):
    f = small(tmp_path, cls)
    with pytest.raises(yumalab.AgentError) as e:
        yumalab.run(f)
    msg = str(e.value)
    assert msg.startswith(f"agent `{cls}` (py/0, coldkey ")
    for x in expected:
        assert x in msg, (x, msg)


def test_a_failure_stops_a_sweep_with_the_same_error(tmp_path):
    f = small(tmp_path, "pyagents:Raises", extra="sweep:\n  replicates: 2\n  grid:\n    population[py].count: [1, 2]\n")
    with pytest.raises(yumalab.AgentError, match="boom at block 500"):
        yumalab.sweep(f, jobs=2, progress=False)


@pytest.mark.parametrize(
    "cls,what",
    [
        ("no_such_module:Agent", "agent `no_such_module:Agent`: cannot import module `no_such_module`"),
        ("pyagents:Nope", "agent `pyagents:Nope`: module `pyagents` has no `Nope`"),
        ("pyagents:NotAnAgent", "class `NotAnAgent` has no `act(self, view)` method"),
        ("pyagents:top_validator", "`top_validator` is not a class"),
    ],
)
def test_unknown_or_unusable_classes_are_scenario_errors(tmp_path, cls, what):
    f = small(tmp_path, cls)
    with pytest.raises(yumalab.ScenarioError) as e:
        yumalab.run(f)
    assert what in str(e.value)


def test_bad_declarations_are_problems_with_their_positions(tmp_path):
    f = small(tmp_path, "pyagents")
    problems = yumalab.validate(f)
    assert [(p.line, p.path) for p in problems] == [(14, "population[2].class")]
    assert "`module:Class`" in problems[0].message
    text = SMALL.replace('class: "pyagents:Recorder", ', "")
    problems = yumalab.validate(text)
    assert [p.path for p in problems] == ["population[2].class"]
    problems = yumalab.validate(SMALL.replace("kind: honest-miner,", 'kind: honest-miner, class: "a:B",'))
    assert [p.path for p in problems] == ["population[1].class"]


def test_the_cli_refuses_python_agents_and_python_m_yumalab_runs_them(root, tmp_path):
    from test_api import binary

    f = small(tmp_path, "pyagents:RandomStaker")
    p = subprocess.run([str(binary(root)), "run", str(f)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "group `py` (`pyagents:RandomStaker`)" in p.stderr
    assert "uses Python agents" in p.stderr and f"python -m yumalab run {f}" in p.stderr
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "yumalab", "run", str(f), "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    import polars as pl

    assert pl.read_parquet(out / "agents.parquet").equals(yumalab.run(f).agents)
    bad = small(tmp_path, "pyagents:Raises")
    p = subprocess.run([sys.executable, "-m", "yumalab", "run", str(bad), "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 1 and "error: agent `pyagents:Raises`" in p.stderr


def test_actions_mirror_the_engines_and_check_their_arguments():
    a = yumalab.Action.add_stake(5, 1, 10**9, limit_price=0.5)
    assert repr(a) == "Action(AddStake { coldkey: ColdkeyId(0), hotkey: HotkeyId(5), netuid: NetUid(1), tao: Rao(1000000000), limit_price: Some(0.5) })"
    assert "SetWeights" in repr(yumalab.Action.set_weights(1, [(0, 65535), (2, 100)]))
    assert "MoveStake" in repr(yumalab.Action.move_stake(1, 1, 2, 2, 7))
    with pytest.raises(OverflowError):
        yumalab.Action.add_stake(5, 1, -1)
    with pytest.raises(ValueError, match="limit_price"):
        yumalab.Action.remove_stake(5, 1, 1, limit_price=float("nan"))
    with pytest.raises(ValueError, match="quality must be finite"):
        yumalab.Action.serve(1, [float("inf")])
    with pytest.raises(TypeError):
        yumalab.Action.set_weights(1, [0, 1])


def test_the_yield_chaser_example_runs_and_earns(root):
    r = yumalab.run(root / "examples/python/delegators.yaml", set={"duration": "{days: 2}"})
    py = r.agents.filter(r.agents["group"] == "py-chasers")
    assert py.height == 4 and (py["kind"] == "python").all()
    # Each staked its budget (holdings moved off the genesis TAO), each its own way (explore).
    assert (py["holdings_tao"] != py["genesis_tao"]).all()
    assert np.isfinite(r.summary["group.py-chasers.profit_tao"])


def test_runs_without_python_code_do_not_import_numpy(root):
    code = (
        "import sys, yumalab\n"
        f"r = yumalab.run({str(root / 'scenarios/copying-miners-proportional.yaml')!r}, set={{'duration': '{{blocks: 300}}'}})\n"
        "r.neurons\n"
        "print('numpy' in sys.modules)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "False"


def test_python_m_yumalab_sweep_shards_partition_the_runs(tmp_path):
    import polars as pl

    f = small(tmp_path, "pyagents:RandomStaker", extra="sweep:\n  replicates: 3\n  grid:\n    population[py].count: [1, 2]\n")
    parts = []
    for i in range(2):
        out = tmp_path / f"shard{i}"
        p = subprocess.run(
            [sys.executable, "-m", "yumalab", "sweep", str(f), "--shard", f"{i}/2", "--jobs", "1", "-o", str(out)],
            capture_output=True, text=True,
        )
        assert p.returncode == 0, p.stderr
        parts.append(pl.read_parquet(out / "summary.parquet"))
    assert [d.height for d in parts] == [3, 3]
    whole = yumalab.sweep(f, jobs=1, progress=False)
    index = whole.columns[0]
    assert pl.concat(parts).sort(index).equals(whole.sort(index))


def test_a_class_next_to_the_scenario_is_found(tmp_path):
    (tmp_path / "agents_next_to_it.py").write_text(
        "from yumalab import Action\n"
        "class Once:\n"
        "    def __init__(self, tao):\n"
        "        self.tao, self.done = tao, False\n"
        "    def act(self, view):\n"
        "        if self.done:\n"
        "            return []\n"
        "        self.done = True\n"
        "        mg = view.metagraph(self.netuid)\n"
        "        return [Action.add_stake(int(mg['hotkey'][mg['permit']][0]), self.netuid, self.tao)]\n"
    )
    f = tmp_path / "next.yaml"
    f.write_text(SMALL.replace("pyagents:Recorder", "agents_next_to_it:Once").replace("balance: 50}", "balance: 50, params: {tao: 10000000000}}"))
    r = yumalab.run(f)
    py = r.agents.filter(r.agents["group"] == "py")
    assert (py["holdings_tao"] != py["genesis_tao"]).all()
    assert "agents_next_to_it" not in sys.modules or str(tmp_path) in sys.modules["agents_next_to_it"].__file__
