"""A subnet owner's scoring rule, in Python: top-k, with a penalty for miners whose outputs
match another miner's that was served earlier (a copy).

Named in a scenario as::

    mechanism: {kind: python, function: "dedup_top_k:score", params: {k: 3, penalty: 0.5, tolerance: 0.03}}

``obs`` is a ``yumalab.Observation``: ``obs.scores`` is ``[environments, miners]`` (this
validator's noisy view of each miner's output), ``obs.served_at`` when each miner served it,
``obs.params`` the ``params`` above. The function returns one raw weight per miner; the
engine scales the row to u16 as for built-in mechanisms.
"""

import numpy as np


def score(obs):
    k = int(obs.params.get("k", 3))
    penalty = float(obs.params.get("penalty", 0.5))  # 0: no penalty, 1: a copy gets nothing
    tolerance = float(obs.params.get("tolerance", 0.03))
    s = obs.scores  # [environments, n]
    mean = np.maximum(s.mean(axis=0), 0.0)
    # Two outputs "match" if they are within `tolerance` in every environment; the later
    # served one (then the higher uid) is the copy.
    close = np.all(np.abs(s[:, :, None] - s[:, None, :]) <= tolerance, axis=0)
    np.fill_diagonal(close, False)
    order = np.lexsort((obs.uids, obs.served_at))  # first served first
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    copy = np.any(close & (rank[None, :] < rank[:, None]), axis=1)
    value = mean * np.where(copy, 1.0 - penalty, 1.0)
    # Equal weight on the k best by penalised score (ties: first served, then lowest uid).
    best = np.lexsort((obs.uids, obs.served_at, -value))[:k]
    w = np.zeros(len(value))
    w[best] = value[best] > 0
    return w.astype(float)
