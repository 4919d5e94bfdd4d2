"""yumalab: a deterministic simulator of Bittensor-style networks, from Python.

Runs the same engine as the ``yumalab`` binary (same scenario files, same seeds, byte-identical
tables) and hands results over as polars DataFrames through Arrow, without files::

    import yumalab
    run = yumalab.run("scenarios/weight-copying.yaml")
    run.summary["group.copier.relative_dividend_rate"]
    names = ["netuid", "uid", "neuron"]
    run.neurons.join(run.dim_neurons, on=names).filter(pl.col("group") == "copier")

A subnet's incentive mechanism can be a Python function::

    subnets:
      - name: sn1
        mechanism: {kind: python, function: "my_rules:score", params: {k: 3}}

``my_rules.py`` (next to the scenario file, or on ``sys.path``)::

    def score(obs):                       # obs: yumalab.Observation
        s = obs.scores.sum(axis=0) / obs.scores.shape[0]
        return np.where(obs.copy_detected, 0.0, np.maximum(s, 0.0))

It returns one raw weight per visible miner (``obs.uids`` order); the engine scales the row to
u16 exactly as for built-in mechanisms. See ``help(yumalab.Observation)``.

Agents can be Python classes too::

    population:
      - {group: chasers, kind: python, class: "my_agents:Chaser", subnet: sn1, count: 2,
         balance: 100, params: {budget: 50}}

``my_agents.py``::

    from yumalab import Action, TAO

    class Chaser:
        def __init__(self, budget):             # the group's params, as keyword arguments
            self.budget = budget * TAO          # rao; self.rng, self.coldkey, self.hotkey,
            self.done = False                   # self.netuid, ... are already set
        def act(self, view):                    # view: yumalab.View, valid during this call
            if self.done:
                return []
            mg = view.metagraph(self.netuid)    # numpy arrays, one entry per uid
            best = int(mg["dividends"].argmax())
            self.done = True
            return [Action.add_stake(int(mg["hotkey"][best]), self.netuid, self.budget)]

``act`` runs once per tempo of the agent's subnet unless the class defines
``next_block(self, now) -> int``. See ``help(yumalab.Agent)``, ``help(yumalab.View)`` and
``help(yumalab.Action)``.

Functions: :func:`run`, :func:`sweep`, :func:`replay`, :func:`coinbase`, :func:`validate`,
:func:`schema`,
:func:`table_schemas`. Exceptions: :class:`ScenarioError` (every problem, with file, line,
column and field path), :class:`MechanismError`, :class:`AgentError`, :class:`InternalError`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

import polars as pl

from . import _native
from ._native import Action, ArrowTable, NeuronView, Observation, Problem, SubnetView, View
from .errors import AgentError, InternalError, MechanismError, ScenarioError, YumalabError

__all__ = [
    "run",
    "sweep",
    "replay",
    "coinbase",
    "validate",
    "schema",
    "table_schemas",
    "Run",
    "Observation",
    "Agent",
    "View",
    "SubnetView",
    "NeuronView",
    "Action",
    "TAO",
    "Problem",
    "ScenarioError",
    "MechanismError",
    "AgentError",
    "InternalError",
    "YumalabError",
]

__version__ = _native.__version__

#: Rao per TAO: amounts in views and actions are integer rao.
TAO = 10**9


class Agent:
    """An optional base class of agents written in Python (``kind: python`` groups); any class
    with an ``act`` method will do.

    Making an agent: the package creates the instance with ``cls.__new__(cls)``, sets the
    attributes below, then calls ``__init__(**params)`` with the group's ``params``. So
    ``__init__`` already sees them:

    - ``rng``: the agent's own ``numpy.random.Generator``
      (``numpy.random.default_rng(seed)``);
    - ``seed``: the engine's seed for this agent, derived from the run's seed and the agent's
      stable name (``derive_seed(seed, stable_id("group/m"))``, the seed a built-in agent of the
      same name gets): the same seed and scenario give the same stream, in any sweep job;
    - ``name`` (``"group/m"``), ``group``; ``coldkey``, ``hotkeys``, ``hotkey`` (the first) as
      integer ids; ``netuid`` (its subnet); ``tempo`` (its subnet's tempo at genesis).

    Each scheduled block the engine calls ``act(view)``; it returns a list of
    :class:`Action` (or None), applied in order after the agents that come before it. Without a
    ``next_block`` method, the agent acts once per tempo of its subnet (blocks ``tempo``,
    ``2 × tempo``, ...); with ``next_block(self, now) -> int`` it acts next at that block (at
    least ``now + 1``).

    An exception in ``act``, ``next_block`` or ``__init__``, a return value that is not a list
    of actions, or an action signed with keys that are not the agent's stops the run cleanly and
    raises :class:`AgentError` naming the class, the agent, the block and the Python traceback.
    """

    rng: "Any"
    seed: int
    name: str
    group: str
    coldkey: int
    hotkeys: List[int]
    hotkey: int
    netuid: int
    tempo: int

    def act(self, view: View) -> List[Action]:
        """The actions to take now (see the class docs)."""
        raise NotImplementedError(f"{type(self).__name__}.act")

Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]

#: The tables of a run, in order.
TABLES = ("neurons", "dim_neurons", "subnets", "network", "agents", "windows")


def _source(scenario: Scenario) -> Tuple[str, str, Optional[Path]]:
    """(text, file name for messages, directory of the file or None)."""
    if isinstance(scenario, Mapping):
        # JSON is YAML: a dict goes through the same parser as a file.
        return json.dumps(scenario), "<dict>", None
    if isinstance(scenario, os.PathLike):
        path = Path(scenario)
        return path.read_text(), str(scenario), path.resolve().parent
    if isinstance(scenario, str):
        if "\n" not in scenario and (scenario.endswith((".yaml", ".yml", ".json")) or os.path.exists(scenario)):
            path = Path(scenario)
            try:
                text = path.read_text()
            except OSError as e:
                raise ScenarioError(
                    f"{scenario}: cannot read the file: {e}",
                    [],
                ) from None
            return text, scenario, path.resolve().parent
        return scenario, "<string>", None
    raise TypeError(f"scenario must be a path, a YAML string or a dict, got {type(scenario).__name__}")


def _sets(set: Optional[Mapping[str, Any]], seed: Optional[int]) -> List[Tuple[str, str]]:
    pairs: List[Tuple[str, str]] = []
    for k, v in (set or {}).items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, (dict, list)):
            v = json.dumps(v)
        pairs.append((str(k), str(v)))
    if seed is not None:
        pairs.append(("seed", str(int(seed))))
    return pairs


def _resolver(directory: Optional[Path]) -> Callable[..., Callable[..., Any]]:
    """Imports ``module:attribute`` with the scenario's directory first on ``sys.path``;
    ``what`` is ``mechanism`` (a function) or ``agent`` (a class with ``act``)."""

    def resolve(spec: str, what: str = "mechanism") -> Callable[..., Any]:
        module, _, attr = spec.partition(":")
        added = False
        if directory is not None and str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
            added = True
        try:
            obj: Any = importlib.import_module(module)
        except ImportError as e:
            where = f" (looked next to the scenario, in {directory}, and on sys.path)" if directory else " (on sys.path)"
            raise ScenarioError(f"{what} `{spec}`: cannot import module `{module}`{where}: {e}", []) from e
        finally:
            if added:
                sys.path.remove(str(directory))
        for part in attr.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise ScenarioError(f"{what} `{spec}`: module `{module}` has no `{attr}`", []) from None
        if what == "agent":
            if not isinstance(obj, type):
                raise ScenarioError(f"agent `{spec}`: `{attr}` is not a class (a `kind: python` group names a class with an `act(self, view)` method)", [])
            if not callable(getattr(obj, "act", None)):
                raise ScenarioError(f"agent `{spec}`: class `{attr}` has no `act(self, view)` method", [])
        elif not callable(obj):
            raise ScenarioError(f"mechanism `{spec}`: `{attr}` is not callable", [])
        return obj

    return resolve


def _frame(table: ArrowTable) -> pl.DataFrame:
    return pl.DataFrame(table)


class Run:
    """A finished run.

    Attributes:
        summary: every metric of the run, by name (the row of ``summary.parquet``).
        neurons, dim_neurons, subnets, network, agents, windows: the run's tables as polars
            DataFrames, with the columns and dtypes of the Parquet files ``yumalab run``
            writes; ``neurons`` names each row by a ``neuron`` id, and
            ``neurons.join(dim_neurons, on=["netuid", "uid", "neuron"])`` adds the hotkey,
            operator, group and kind.
        report_dir: the directory the run's files were written to (``out``), or None.
        warnings: what writing the report warned about (only with ``out``).
    """

    def __init__(self, summary: Dict[str, float], tables: Dict[str, ArrowTable], report_dir: Optional[Path], warnings: List[str]):
        self.summary: Dict[str, float] = summary
        self._tables = tables
        self._frames: Dict[str, pl.DataFrame] = {}
        self.report_dir: Optional[Path] = report_dir
        self.warnings: List[str] = warnings

    def table(self, name: str) -> pl.DataFrame:
        """One table by name (``neurons``, ``dim_neurons``, ``subnets``, ``network``, ``agents``, ``windows``)."""
        if name not in self._frames:
            self._frames[name] = _frame(self._tables[name])
        return self._frames[name]

    @property
    def neurons(self) -> pl.DataFrame:
        """One row per uid per epoch (``neurons.parquet``)."""
        return self.table("neurons")

    @property
    def dim_neurons(self) -> pl.DataFrame:
        """The names of each ``neuron`` id of ``neurons`` (``dim_neurons.parquet``)."""
        return self.table("dim_neurons")

    @property
    def subnets(self) -> pl.DataFrame:
        """One row per subnet per epoch (``subnets.parquet``)."""
        return self.table("subnets")

    @property
    def network(self) -> pl.DataFrame:
        """One row every 360 blocks (``network.parquet``)."""
        return self.table("network")

    @property
    def agents(self) -> pl.DataFrame:
        """One row per agent at the end (``agents.parquet``)."""
        return self.table("agents")

    @property
    def windows(self) -> pl.DataFrame:
        """The metrics per 360-block window (``windows.parquet``)."""
        return self.table("windows")

    def text_summary(self) -> str:
        """The headline metrics, one per line."""
        keys = [k for k in self.summary if k.startswith(("run.", "concentration.", "answer."))][:24]
        return "\n".join(f"{k:<48} {self.summary[k]:.6g}" for k in keys)

    def __repr__(self) -> str:
        n = len(self.summary)
        return f"Run({n} metrics, tables: {', '.join(TABLES)}{', report in ' + str(self.report_dir) if self.report_dir else ''})"


def run(
    scenario: Scenario,
    *,
    set: Optional[Mapping[str, Any]] = None,
    seed: Optional[int] = None,
    out: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> Run:
    """Runs a scenario to the end.

    Args:
        scenario: a path to a scenario file, a YAML string, or a dict with the file's structure.
        set: overrides, as ``yumalab run --set``: ``{"subnets[0].yuma.commit_reveal": True,
            "population[copier].count": 3}``.
        seed: the run's seed instead of the scenario's (same as ``set={"seed": N}``).
        out: also write the tables, summary, charts and report there, as ``yumalab run -o``.

    Returns:
        A :class:`Run`: ``summary`` and the tables as polars DataFrames.

    Raises:
        ScenarioError: the scenario has problems (all of them are in ``.problems``).
        MechanismError: a ``kind: python`` mechanism failed (the run stopped).
        AgentError: a ``kind: python`` agent failed (the run stopped).
        InternalError: a bug.
    """
    text, file, directory = _source(scenario)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
    result = _native.run(text, file, _sets(set, seed), None if out is None else str(out), _resolver(directory))
    return Run(dict(result["summary"]), result["tables"], None if out is None else Path(out), list(result["warnings"]))


def sweep(
    scenario: Scenario,
    *,
    jobs: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    set: Optional[Mapping[str, Any]] = None,
    progress: bool = True,
) -> pl.DataFrame:
    """Runs a scenario's ``sweep:`` section; one row per run, as ``summary.parquet``.

    Args:
        scenario: as for :func:`run`; it must have a ``sweep:`` section.
        jobs: runs in parallel threads (default: all cores). Python mechanisms and agents
            take the interpreter lock for each call, so with them extra jobs overlap only the
            Rust part of the runs (see the README). For sweeps with Python code on many cores,
            run ``jobs=1`` in several processes, each with its own ``shard``.
        shard: ``(i, n)``: only the runs whose index is ``i`` modulo ``n``.
        set: overrides, as for :func:`run`.
        progress: show a progress bar on stderr (a terminal or a notebook).

    Raises:
        ScenarioError, MechanismError, AgentError, InternalError: as for :func:`run`.
    """
    text, file, directory = _source(scenario)
    bar = _Progress() if progress else None
    try:
        table = _native.sweep(text, file, _sets(set, None), jobs, shard, _resolver(directory), bar)
    finally:
        if bar is not None:
            bar.close()
    return _frame(table)


class _Progress:
    """A one-line progress bar on stderr (``\\r``-updated; works in notebooks and terminals)."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} runs")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _read_back(directory: str) -> Dict[str, pl.DataFrame]:
    return {p.stem: pl.read_parquet(p) for p in sorted(Path(directory).glob("*.parquet"))}


def replay(input: Union[str, "os.PathLike[str]"]) -> Dict[str, pl.DataFrame]:
    """Replays a file of (stakes, weights) epochs through Yuma (``yumalab replay``).

    Returns ``{"epochs": ..., "bonds": ...}`` as DataFrames, the tables of
    ``yumalab replay -o DIR`` (read back from a temporary directory, then removed).

    Raises:
        ScenarioError: the file has problems (the message lists every one).
    """
    import tempfile

    path = Path(input)
    text = path.read_text()
    with tempfile.TemporaryDirectory(prefix="yumalab-replay-") as d:
        _native.replay(text, str(input), d)
        return _read_back(d)


def coinbase(snapshot: Union[str, "os.PathLike[str]"], *, blocks: int = 1) -> pl.DataFrame:
    """Steps a chain snapshot ``blocks`` blocks and explains each block's coinbase
    (``yumalab coinbase``): the rows of ``coinbase.parquet``."""
    import tempfile

    path = Path(snapshot)
    text = path.read_text()
    with tempfile.TemporaryDirectory(prefix="yumalab-coinbase-") as d:
        _native.coinbase(text, str(snapshot), int(blocks), d)
        return _read_back(d)["coinbase"]


def validate(scenario: Scenario, *, set: Optional[Mapping[str, Any]] = None) -> List[Problem]:
    """Every problem of a scenario (empty when it is valid), each with ``file``, ``line``,
    ``column``, ``path`` and ``message``; ``str(problem)`` is the CLI's line."""
    text, file, _ = _source(scenario)
    return list(_native.validate(text, file, _sets(set, None)))


def schema() -> Dict[str, Any]:
    """The JSON Schema of scenario files (``yumalab schema``)."""
    return json.loads(_native.schema())


def table_schemas() -> Dict[str, pl.Schema]:
    """The columns and dtypes of the run tables (``neurons``, ``subnets``, ``network``,
    ``agents``), as in the Parquet files."""
    return {name: _frame(t).schema for name, t in _native.table_schemas().items()}


def _scenario_name(scenario: Scenario, set: Optional[Mapping[str, Any]] = None) -> str:
    """The scenario's ``name`` (for the default output directory of ``python -m yumalab``)."""
    text, _, _ = _source(scenario)
    for line in text.splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    return "run"
