"""A delegator written in Python: it chases the best recent validator yield across subnets.

Named in a scenario as ``kind: python, class: "yield_chaser:YieldChaser"`` (this file next to
the scenario). Every ``every_tempos`` tempos it reads every subnet's metagraph, keeps an
exponential moving average of each validator's yield (last epoch's emission per unit of stake,
the return a nominator shares), and

- holding nothing: stakes ``budget`` TAO behind the best validator;
- holding a position: moves all of it to the best validator when that one's average yield beats
  the current one's by more than ``margin`` (a move across subnets pays two swaps, so it must be
  worth it).

With probability ``explore`` it instead tries one of the three best at random, drawing from its
own random stream ``self.rng`` (seeded by the engine from the run's seed and the agent's name,
so runs are reproducible).
"""

from yumalab import TAO, Action


class YieldChaser:
    def __init__(self, budget=100.0, every_tempos=4, smoothing=0.3, margin=0.2, explore=0.0):
        # Set by the package before __init__: self.rng, self.coldkey, self.hotkey, self.netuid,
        # self.tempo, self.name, ...
        self.budget = int(budget * TAO)
        self.every = every_tempos * self.tempo
        self.smoothing = smoothing
        self.margin = margin
        self.explore = explore
        self.yields = {}  # (netuid, hotkey) -> moving average of the yield per tempo
        self.held = None  # (netuid, hotkey) it is staked behind
        self.moves = 0

    def next_block(self, now):
        return (now // self.every + 1) * self.every

    def observe(self, view):
        for netuid in view.netuids():
            if netuid == 0:
                continue
            mg = view.metagraph(netuid)
            validators = mg["permit"] & (mg["stake"] > 0)
            for h, e, s in zip(mg["hotkey"][validators], mg["emission"][validators], mg["stake"][validators]):
                y = float(e) / float(s)
                key = (netuid, int(h))
                old = self.yields.get(key, y)
                self.yields[key] = old + self.smoothing * (y - old)

    def act(self, view):
        self.observe(view)
        if not self.yields:
            return []
        ranked = sorted(self.yields, key=lambda k: (-self.yields[k], k))
        best = ranked[0]
        if self.explore > 0 and self.rng.random() < self.explore:
            best = ranked[int(self.rng.integers(0, min(3, len(ranked))))]
        if self.held is None:
            tao = min(self.budget, view.balance())
            if tao == 0:
                return []
            self.held = best
            return [Action.add_stake(best[1], best[0], tao)]
        if best == self.held:
            return []
        if self.yields[best] <= self.yields.get(self.held, 0.0) * (1 + self.margin):
            return []
        alpha = view.stake(self.held[1], self.held[0])
        if alpha == 0:
            self.held = None
            return []
        (from_netuid, from_hotkey), self.held = self.held, best
        self.moves += 1
        return [Action.move_stake(from_hotkey, from_netuid, best[1], best[0], alpha)]
