"""The built-in `proportional` mechanism written in Python (as in python/tests/mechs.py)."""

import numpy as np


def proportional(obs):
    s = obs.scores
    mean = s.sum(axis=0) / s.shape[0]
    return np.where(obs.copy_detected, 0.0, np.maximum(mean, 0.0))


def calls(obs, _n=[0]):
    _n[0] += 1
    return proportional(obs)


def previous(obs):
    """Returns the validator's previous row: measures the fixed cost of a call."""
    return obs.previous


_ONES = np.ones(256)


def ones(obs):
    """Equal weights from a preallocated array: the fixed cost of a call (dense rows, as
    `proportional` gives)."""
    return _ONES[: len(obs.uids)]
