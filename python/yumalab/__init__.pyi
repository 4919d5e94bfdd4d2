"""yumalab: a deterministic simulator of Bittensor-style networks (typed stubs)."""

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import polars as pl

import numpy as np

from ._native import (
    Action as Action,
    ArrowTable as ArrowTable,
    NeuronView as NeuronView,
    Observation as Observation,
    Problem as Problem,
    SubnetView as SubnetView,
    View as View,
)
from .errors import (
    AgentError as AgentError,
    InternalError as InternalError,
    MechanismError as MechanismError,
    ScenarioError as ScenarioError,
    YumalabError as YumalabError,
)

__version__: str
TABLES: Tuple[str, ...]
TAO: int

class Agent:
    """Optional base class of ``kind: python`` agents. Before ``__init__(**params)`` runs,
    the package sets ``rng`` (``numpy.random.default_rng(seed)``), ``seed`` (the engine's
    ``derive_seed(run seed, stable_id("group/m"))``), ``name``, ``group``, ``coldkey``,
    ``hotkeys``, ``hotkey``, ``netuid`` and ``tempo``. ``act`` runs once per tempo unless the
    class defines ``next_block(self, now) -> int``."""

    rng: np.random.Generator
    seed: int
    name: str
    group: str
    coldkey: int
    hotkeys: List[int]
    hotkey: int
    netuid: int
    tempo: int
    def act(self, view: View) -> List[Action]: ...

Scenario = Union[str, os.PathLike[str], Mapping[str, Any]]

class Run:
    summary: Dict[str, float]
    report_dir: Optional[Path]
    warnings: List[str]
    def table(self, name: str) -> pl.DataFrame: ...
    @property
    def neurons(self) -> pl.DataFrame: ...
    @property
    def dim_neurons(self) -> pl.DataFrame: ...
    @property
    def subnets(self) -> pl.DataFrame: ...
    @property
    def network(self) -> pl.DataFrame: ...
    @property
    def agents(self) -> pl.DataFrame: ...
    @property
    def windows(self) -> pl.DataFrame: ...
    def text_summary(self) -> str: ...

def run(
    scenario: Scenario,
    *,
    set: Optional[Mapping[str, Any]] = None,
    seed: Optional[int] = None,
    out: Optional[Union[str, os.PathLike[str]]] = None,
) -> Run: ...
def sweep(
    scenario: Scenario,
    *,
    jobs: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    set: Optional[Mapping[str, Any]] = None,
    progress: bool = True,
) -> pl.DataFrame: ...
def replay(input: Union[str, os.PathLike[str]]) -> Dict[str, pl.DataFrame]: ...
def coinbase(snapshot: Union[str, os.PathLike[str]], *, blocks: int = 1) -> pl.DataFrame: ...
def validate(scenario: Scenario, *, set: Optional[Mapping[str, Any]] = None) -> List[Problem]: ...
def schema() -> Dict[str, Any]: ...
def table_schemas() -> Dict[str, pl.Schema]: ...
