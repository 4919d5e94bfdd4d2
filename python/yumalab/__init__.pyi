"""yumalab: a deterministic simulator of Bittensor-style networks (typed stubs)."""

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import polars as pl

from ._native import ArrowTable as ArrowTable, Observation as Observation, Problem as Problem
from .errors import (
    InternalError as InternalError,
    MechanismError as MechanismError,
    ScenarioError as ScenarioError,
    YumalabError as YumalabError,
)

__version__: str
TABLES: Tuple[str, ...]

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
