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
    uid excluded, only uids that served work). Each array is made when first read, and the
    same array is returned on every read."""

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

class View:
    """The public state of the chain during one ``act`` call (invalid afterwards: using it
    raises ``RuntimeError``). Amounts are integer rao; keys are integer ids."""

    block: int
    """The current block."""
    def netuids(self) -> List[int]:
        """The subnets that exist (ascending; 0 is root)."""
    def subnet(self, netuid: int) -> Optional[SubnetView]:
        """One subnet's public state (price, pool, tempo, burn, size)."""
    def prices(self) -> Dict[int, float]:
        """Spot price (TAO per alpha) of every subnet but root."""
    def neuron(self, netuid: int, uid: int) -> Optional[NeuronView]:
        """One neuron's metagraph row after the last epoch."""
    def metagraph(self, netuid: int) -> Optional[Dict[str, npt.NDArray[Any]]]:
        """The subnet's metagraph as numpy arrays, one entry per uid: ``uid``, ``hotkey``,
        ``coldkey``, ``registered_at``, ``stake``, ``permit``, ``consensus``, ``incentive``,
        ``dividends``, ``validator_trust``, ``emission``."""
    def uid_of(self, netuid: int, hotkey: int) -> Optional[int]:
        """The uid of a hotkey on a subnet."""
    def weights(self, netuid: int, uid: int) -> Optional[List[Tuple[int, int]]]:
        """A validator's publicly visible (set or revealed) weights: ``[(uid, u16), ...]``."""
    def balance(self, coldkey: Optional[int] = None) -> int:
        """Free TAO (rao) of a coldkey, by default the agent's own."""
    def stake(self, hotkey: int, netuid: int, coldkey: Optional[int] = None) -> int:
        """Stake (rao of alpha; root: TAO) of a coldkey (default: the agent's own) on a hotkey
        on a subnet."""
    def served(self, netuid: int, uid: int) -> Optional[Dict[str, Any]]:
        """The work a uid last served: ``{"block", "quality", "copy_of"}``."""

class SubnetView:
    """One subnet's public state."""

    netuid: int
    tempo: int
    price: float
    moving_price: float
    tao_reserve: int
    alpha_reserve: int
    alpha_out: int
    burn: int
    n: int
    commit_reveal: bool
    epoch_index: int

class NeuronView:
    """One neuron's metagraph row after the last epoch."""

    uid: int
    hotkey: int
    coldkey: int
    registered_at: int
    stake: float
    permit: bool
    consensus: float
    incentive: float
    dividends: float
    validator_trust: float
    emission: int

class Action:
    """One action an agent returns from ``act``. Amounts are integer rao; ``coldkey`` and the
    signing ``hotkey`` default to the agent's own (an agent signs only with its own keys)."""

    @staticmethod
    def register(netuid: int, *, hotkey: Optional[int] = None, coldkey: Optional[int] = None) -> Action: ...
    @staticmethod
    def set_weights(netuid: int, weights: List[Tuple[int, int]], *, hotkey: Optional[int] = None) -> Action: ...
    @staticmethod
    def commit_weights(netuid: int, weights: List[Tuple[int, int]], *, hotkey: Optional[int] = None) -> Action: ...
    @staticmethod
    def add_stake(
        hotkey: int, netuid: int, tao: int, *, limit_price: Optional[float] = None, coldkey: Optional[int] = None
    ) -> Action: ...
    @staticmethod
    def remove_stake(
        hotkey: int, netuid: int, alpha: int, *, limit_price: Optional[float] = None, coldkey: Optional[int] = None
    ) -> Action: ...
    @staticmethod
    def move_stake(
        from_hotkey: int, from_netuid: int, to_hotkey: int, to_netuid: int, alpha: int, *, coldkey: Optional[int] = None
    ) -> Action: ...
    @staticmethod
    def serve(
        netuid: int, quality: List[float], *, copy_of: Optional[int] = None, hotkey: Optional[int] = None
    ) -> Action: ...
    @staticmethod
    def root_register(*, hotkey: Optional[int] = None, coldkey: Optional[int] = None) -> Action: ...
    @staticmethod
    def claim_root(hotkey: Optional[int] = None, *, coldkey: Optional[int] = None) -> Action: ...
    @staticmethod
    def set_take(take: int, *, hotkey: Optional[int] = None, coldkey: Optional[int] = None) -> Action: ...

def validate(text: str, file: str, set: List[Tuple[str, str]]) -> List[Problem]: ...
def schema() -> str: ...
def table_schemas() -> Dict[str, ArrowTable]: ...
def run(
    text: str,
    file: str,
    set: List[Tuple[str, str]],
    out: Optional[str],
    resolver: Callable[..., Callable[..., Any]],
) -> Dict[str, Any]: ...
def sweep(
    text: str,
    file: str,
    set: List[Tuple[str, str]],
    jobs: Optional[int],
    shard_of: Optional[Tuple[int, int]],
    resolver: Callable[..., Callable[..., Any]],
    progress: Optional[Callable[[int, int], None]],
) -> ArrowTable: ...
def replay(text: str, file: str, dir: str) -> List[str]: ...
def coinbase(text: str, file: str, blocks: int, dir: str) -> str: ...
