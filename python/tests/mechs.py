"""Python mechanisms used by the tests."""

import numpy as np


def proportional(obs):
    """The built-in `proportional`, in Python: the mean score over environments (summed in
    environment order, as the engine does), 0 for detected copies, negatives clipped."""
    mean = obs.scores.sum(axis=0) / obs.scores.shape[0]
    return np.where(obs.copy_detected, 0.0, np.maximum(mean, 0.0))


def top_k(obs):
    """Equal weight on the `k` best (params: k)."""
    mean = obs.scores.mean(axis=0)
    k = int(obs.params.get("k", 1))
    w = np.zeros(len(mean))
    w[np.argsort(-mean, kind="stable")[:k]] = 1.0
    return w


def short(obs):
    return np.ones(len(obs.uids) - 1)


def negative(obs):
    w = np.ones(len(obs.uids))
    w[0] = -1.0
    return w


def nan(obs):
    w = np.ones(len(obs.uids))
    w[-1] = float("nan")
    return w


def boom(obs):
    if obs.epoch >= 1:
        raise ValueError(f"boom at epoch {obs.epoch}")
    return np.ones(len(obs.uids))


def as_list(obs):
    return [1.0] * len(obs.uids)


seen = []


def record(obs):
    seen.append(
        (obs.netuid, obs.validator, obs.epoch, obs.block, obs.stake, obs.scores.shape,
         obs.uids.dtype.name, obs.previous.copy(), dict(obs.params))
    )
    return np.ones(len(obs.uids))
