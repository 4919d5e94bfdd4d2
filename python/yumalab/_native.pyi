"""Typed stubs of the native module (the Rust half of yumalab)."""

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

class Problem:
    """One problem of a scenario: ``file``, 1-based ``line`` and ``column`` (line 0 when it is
    not in the file, e.g. an override), the field ``path`` and the ``message``."""

    file: str
    line: int
    column: int
    path: str
    message: str

class ArrowTable:
    """A table as Arrow record batches; exports ``__arrow_c_stream__`` (``pl.DataFrame(t)``)."""

    num_rows: int
    columns: List[Tuple[str, str]]
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

class Observation:
    """What one validator observed at one evaluation (miners in ascending uid order, its own
    uid excluded, only uids that served work)."""

    uids: npt.NDArray[np.uint16]
    """The visible miners' uids, ``[n]``."""
    scores: npt.NDArray[np.float64]
    """Observed score per environment and miner, ``[environments, n]``."""
    copy_detected: npt.NDArray[np.bool_]
    """The validator detected the miner's work as a copy, ``[n]``."""
    served_at: npt.NDArray[np.uint64]
    """Block at which each miner served, ``[n]``."""
    previous: npt.NDArray[np.float64]
    """The u16 weight of this validator's previous row for each miner (0 if none), ``[n]``."""
    netuid: int
    validator: int
    hotkey: int
    stake: float
    epoch: int
    block: int
    params: Dict[str, Any]

def validate(text: str, file: str, set: List[Tuple[str, str]]) -> List[Problem]: ...
def schema() -> str: ...
def table_schemas() -> Dict[str, ArrowTable]: ...
def run(
    text: str,
    file: str,
    set: List[Tuple[str, str]],
    out: Optional[str],
    resolver: Callable[[str], Callable[..., Any]],
) -> Dict[str, Any]: ...
def sweep(
    text: str,
    file: str,
    set: List[Tuple[str, str]],
    jobs: Optional[int],
    shard_of: Optional[Tuple[int, int]],
    resolver: Callable[[str], Callable[..., Any]],
    progress: Optional[Callable[[int, int], None]],
) -> ArrowTable: ...
def replay(text: str, file: str, dir: str) -> List[str]: ...
def coinbase(text: str, file: str, blocks: int, dir: str) -> str: ...
