"""The built-in `proportional` mechanism written in Python (as in python/tests/mechs.py)."""

import numpy as np


def proportional(obs):
    s = obs.scores
    mean = s.sum(axis=0) / s.shape[0]
    return np.where(obs.copy_detected, 0.0, np.maximum(mean, 0.0))


def calls(obs, _n=[0]):
    _n[0] += 1
    return proportional(obs)
