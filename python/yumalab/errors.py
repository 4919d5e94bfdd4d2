"""The exceptions yumalab raises."""

from __future__ import annotations

from typing import List


class YumalabError(Exception):
    """Base class of yumalab's exceptions."""


class ScenarioError(YumalabError, ValueError):
    """A scenario (or an override) has problems; ``problems`` holds every one of them.

    ``str(error)`` is the same text ``yumalab validate`` prints: one line per problem,
    ``file:line:column: `path`: message``.
    """

    def __init__(self, message: str, problems: "List[object]"):
        super().__init__(message)
        self.problems = list(problems)


class MechanismError(YumalabError, RuntimeError):
    """A ``kind: python`` mechanism failed: it raised, or returned a row of the wrong length or
    with a negative or non-finite weight. The message names the function, the subnet, the
    validator, the epoch and the block, and carries the Python traceback. The run stopped
    cleanly before its next block; nothing was written as complete."""


class AgentError(YumalabError, RuntimeError):
    """A ``kind: python`` agent failed: its ``__init__``, ``act`` or ``next_block`` raised,
    ``act`` returned something other than a list of :class:`yumalab.Action`, or an action was
    signed with keys that are not the agent's. The message names the class, the agent
    (``group/m``), its coldkey and the block, and carries the Python traceback. The run stopped
    cleanly before its next block."""


class InternalError(YumalabError, RuntimeError):
    """A bug in yumalab (a Rust panic or a broken invariant); please report it with the
    scenario."""
