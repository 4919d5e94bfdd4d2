"""Agents written in Python for the tests (named in scenarios as `pyagents:Class`)."""

from yumalab import TAO, Action

U64_MAX = 2**64 - 1


def top_validator(view, netuid):
    """The built-in `top_validator` (agents/src/behaviours/speculator.rs): the neuron with the
    largest last-epoch dividends, then stake, then the lowest uid, among those with a permit or
    dividends."""
    subnet = view.subnet(netuid)
    if subnet is None:
        return None
    best = None
    for uid in range(subnet.n):
        n = view.neuron(netuid, uid)
        if n is None or not (n.permit or n.dividends > 0.0):
            continue
        if best is None or n.dividends > best[0] or (n.dividends == best[0] and n.stake > best[1]):
            best = (n.dividends, n.stake, n.hotkey)
    return None if best is None else best[2]


class RootStaker:
    """The built-in `root-staker` (agents/src/behaviours/root_staker.rs), line by line: at its
    first act at or after `start_block` it stakes `budget` TAO on root behind its subnet's top
    validator, then claims that fund every `claim_every_blocks` blocks (0: never)."""

    def __init__(self, budget, claim_every_blocks=0, start_block=400):
        self.budget = int(round(budget * TAO))
        self.claim_every = claim_every_blocks
        self.next = start_block
        self.target = None

    def next_block(self, now):
        return max(self.next, now + 1)

    def act(self, view):
        now = view.block
        if now < self.next:
            return []
        if self.target is None:
            h = top_validator(view, self.netuid)
            if h is None:
                self.next = now + 1
                return []
            tao = min(self.budget, view.balance())
            if tao == 0:
                self.next = U64_MAX
                return []
            self.target = h
            self.next = now + self.claim_every if self.claim_every else U64_MAX
            return [Action.add_stake(h, 0, tao)]
        self.next = now + max(self.claim_every, 1)
        return [Action.claim_root(self.target)]


#: What `Recorder` agents saw: (name, block, seed, first draws of rng, coldkey, hotkeys, netuid, tempo).
seen = []


class Recorder:
    """Records what it is given and does nothing."""

    def __init__(self, tag="x"):
        self.tag = tag
        seen.append(("init", self.name, self.seed, self.rng.integers(0, 2**32, 4).tolist(), self.coldkey, self.hotkeys, self.netuid, self.tempo, tag))

    def act(self, view):
        mg = view.metagraph(self.netuid)
        seen.append(("act", self.name, view.block, len(mg["uid"]), view.balance(), sorted(view.prices())))
        return None


class RandomStaker:
    """Stakes a random part of its balance on a random validator of its subnet every tempo (its
    draws come from `self.rng`)."""

    def act(self, view):
        mg = view.metagraph(self.netuid)
        permits = mg["hotkey"][mg["permit"]]
        if len(permits) == 0:
            return []
        h = int(self.rng.choice(permits))
        tao = int(view.balance() * self.rng.uniform(0.05, 0.2))
        return [Action.add_stake(h, self.netuid, tao)] if tao > 0 else []


class Raises:
    def __init__(self, at=500):
        self.at = at

    def next_block(self, now):
        return now + 100

    def act(self, view):
        if view.block >= self.at:
            raise ZeroDivisionError("boom at block %d" % view.block)
        return []


class ReturnsJunk:
    def act(self, view):
        return [Action.add_stake(self.hotkey, self.netuid, 1), 42]


class ReturnsNumber:
    def act(self, view):
        return 7


class SpendsOthers:
    def act(self, view):
        return [Action.add_stake(self.hotkey, self.netuid, TAO, coldkey=self.coldkey + 1)]


class BadInit:
    def __init__(self, **params):
        raise ValueError("no such params: %s" % sorted(params))

    def act(self, view):
        return []


class BadNextBlock:
    def next_block(self, now):
        return "soon"

    def act(self, view):
        return []


class KeepsView:
    """Keeps its first view and uses it at its next act."""

    def __init__(self):
        self.kept = None

    def act(self, view):
        if self.kept is None:
            self.kept = view
            return []
        return [Action.add_stake(self.hotkey, self.netuid, self.kept.balance())]


class NotAnAgent:
    pass
