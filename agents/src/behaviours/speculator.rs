//! A speculator: a delegator that stakes TAO from its coldkey into subnets' pools behind a
//! validator, and moves that position by a simple trading rule.
//!
//! It acts once per tempo of its start subnet (the identity's `netuid`; 360 blocks while that
//! subnet does not exist), at block `seed mod tempo` within the tempo, and trades on every
//! `trade_every_tempos`-th of those tempos, starting with the first. It holds at most one
//! position, `(subnet, hotkey)`, and learns what it holds from [`ChainView::stake`] each
//! time, so a refused action is simply retried or forgotten (a refused move leaves it where
//! it was). The root subnet (netuid 0) is never traded. The identity's hotkeys are unused.
//!
//! A subnet's *top validator* is, among its neurons with a validator permit or dividends, the
//! one with the largest last-epoch dividends, then the largest stake, then the lowest uid; a
//! subnet without one is not a target.
//!
//! Moves:
//! - entering (no position): [`Action::AddStake`] of `min(budget, free balance)` TAO, never
//!   more than [`ChainView::balance`] (nothing when that is 0);
//! - moving: [`Action::MoveStake`] of all the alpha held (no swap when only the hotkey
//!   changes, two when the subnet does);
//! - exiting: [`Action::RemoveStake`] of all the alpha held.
//!
//! No limit prices. Strategies ([`Strategy`]):
//! - `buy_and_hold`: enters on the start subnet's top validator and holds for good;
//! - `momentum` (`lookback_tempos` >= 1): records every subnet's spot price each tempo; on a
//!   trade period it compares each price with the one it recorded `lookback_tempos` tempos
//!   earlier and moves to the subnet whose price rose most (relative change; ties: lowest
//!   netuid), keeping its hotkey if it is already there and otherwise taking the top
//!   validator. If no subnet rose it exits to TAO, and re-enters when one does. Until it has
//!   a full lookback it has no view;
//! - `yield_chasing`: moves to the subnet and validator with the highest recent dividends per
//!   unit stake per block: the dividend part of the neuron's last-epoch emission
//!   (`emission · dividends / (incentive + dividends)`, as miners' and validators' pools are
//!   equal) over its stake, counting the stake the speculator would add there (its position
//!   valued at spot prices), divided by the subnet's tempo (ties: lowest netuid, then uid);
//! - `noise` (`trade_probability` in `[0, 1]`): each trade period, with that probability
//!   (one uniform draw per trade period), moves to the top validator of a subnet drawn
//!   uniformly among those that have one.
//!
//! A strategy with no view (no history yet, no dividends yet, no trade drawn) leaves a
//! position where it is; a speculator that has never held anything then enters on its start
//! subnet's top validator.
//!
//! `threshold` (>= 0, default 0; `momentum` and `yield_chasing` only) is the margin a trade
//! must clear, so that a trader does not churn on small differences:
//! - `momentum`: it moves from its subnet to the best riser only if the best rise exceeds its
//!   own subnet's rise by at least `threshold`, enters from TAO only on a rise above
//!   `threshold`, and exits to TAO only when the best rise is at most `-threshold`;
//! - `yield_chasing`: it moves only if the best yield is at least `1 + threshold` times the
//!   yield of where it is (holding nothing: of the start subnet's top validator, where it
//!   would enter by default; a place without dividends has yield 0, which any dividend
//!   beats unless `threshold` is infinite).
//!
//! With `threshold: 0` both are the rules above; with an infinite one (or, for momentum, any
//! above the largest rise seen) neither ever trades: they enter on the start subnet's top
//! validator at their first act and hold, exactly as `buy_and_hold` does.
//!
//! Parameters ([`SpeculatorParams`]), flat in scenario files (`strategy: momentum`,
//! `lookback_tempos: 5`, `budget: 1000000000000`):
//! - `strategy`: see above;
//! - `budget`: rao of TAO it may have staked at once (> 0);
//! - `trade_every_tempos` (default 1, >= 1): tempos between trade periods;
//! - `threshold` (default 0, >= 0, may be infinite): see above.

use std::collections::VecDeque;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::honest_validator::{Schedule, check_probability};
use super::{Identity, stream};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{ColdkeyId, HotkeyId, NetUid, Rao};
use crate::view::ChainView;

/// A speculator's trading rule; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum Strategy {
    /// Stakes the budget once on the start subnet's best-dividend validator and holds.
    BuyAndHold,
    /// Every trade period, moves to the subnet whose spot price rose most over the lookback.
    Momentum {
        /// How far back prices are compared, in tempos (>= 1).
        lookback_tempos: u32,
    },
    /// Moves to the subnet and validator with the highest recent dividends per unit stake.
    YieldChasing,
    /// With a probability each trade period, moves to a uniformly random subnet's top
    /// validator.
    Noise {
        /// The probability of a trade per trade period, in `[0, 1]`.
        trade_probability: f64,
    },
}

/// Parameters of [`Speculator`]; see the module docs. Serialized flat: the strategy's tag
/// `strategy` and its field sit beside the other fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SpeculatorWire", into = "SpeculatorWire")]
pub struct SpeculatorParams {
    /// The trading rule.
    pub strategy: Strategy,
    /// Rao of TAO it may have staked at once (> 0).
    pub budget: u64,
    /// Tempos between trade periods (>= 1; default 1).
    pub trade_every_tempos: u32,
    /// The margin a momentum or yield-chasing trade must clear (>= 0, may be infinite;
    /// default 0); see the module docs.
    pub threshold: f64,
}

impl SpeculatorParams {
    /// `strategy` with `budget`, trading every tempo.
    pub fn new(strategy: Strategy, budget: u64) -> Self {
        SpeculatorParams {
            strategy,
            budget,
            trade_every_tempos: 1,
            threshold: 0.0,
        }
    }

    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        match self.strategy {
            Strategy::Momentum { lookback_tempos: 0 } => {
                return Err("`lookback_tempos` must be at least 1, got `0`".into());
            }
            Strategy::Noise { trade_probability } => {
                check_probability("trade_probability", trade_probability)?;
            }
            _ => {}
        }
        if self.budget == 0 {
            return Err("`budget` must be > 0, got `0`".into());
        }
        if self.trade_every_tempos == 0 {
            return Err("`trade_every_tempos` must be at least 1, got `0`".into());
        }
        if self.threshold.is_nan() || self.threshold < 0.0 {
            return Err(format!(
                "`threshold` must be >= 0 (infinite: never trade), got `{}`",
                self.threshold
            ));
        }
        if self.threshold != 0.0
            && !matches!(
                self.strategy,
                Strategy::Momentum { .. } | Strategy::YieldChasing
            )
        {
            return Err(format!(
                "`threshold` is only used with `strategy: momentum` or `strategy: yield_chasing`, got `threshold: {}`",
                self.threshold
            ));
        }
        Ok(())
    }
}

fn one() -> u32 {
    1
}

/// The flat wire form of [`SpeculatorParams`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeculatorWire {
    strategy: StrategyTag,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lookback_tempos: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trade_probability: Option<f64>,
    budget: u64,
    #[serde(default = "one")]
    trade_every_tempos: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StrategyTag {
    BuyAndHold,
    Momentum,
    YieldChasing,
    Noise,
}

impl TryFrom<SpeculatorWire> for SpeculatorParams {
    type Error = String;

    fn try_from(w: SpeculatorWire) -> Result<Self, String> {
        let strategy = match (w.strategy, w.lookback_tempos, w.trade_probability) {
            (StrategyTag::Momentum, Some(lookback_tempos), None) => {
                Strategy::Momentum { lookback_tempos }
            }
            (StrategyTag::Momentum, None, _) => {
                return Err("`lookback_tempos` is required with `strategy: momentum`".into());
            }
            (StrategyTag::Noise, None, Some(trade_probability)) => {
                Strategy::Noise { trade_probability }
            }
            (StrategyTag::Noise, _, None) => {
                return Err("`trade_probability` is required with `strategy: noise`".into());
            }
            (_, Some(x), _) => {
                return Err(format!(
                    "`lookback_tempos` is only used with `strategy: momentum`, got `lookback_tempos: {x}`"
                ));
            }
            (_, _, Some(x)) => {
                return Err(format!(
                    "`trade_probability` is only used with `strategy: noise`, got `trade_probability: {x}`"
                ));
            }
            (StrategyTag::BuyAndHold, None, None) => Strategy::BuyAndHold,
            (StrategyTag::YieldChasing, None, None) => Strategy::YieldChasing,
        };
        Ok(SpeculatorParams {
            strategy,
            budget: w.budget,
            trade_every_tempos: w.trade_every_tempos,
            threshold: w.threshold.unwrap_or(0.0),
        })
    }
}

impl From<SpeculatorParams> for SpeculatorWire {
    fn from(p: SpeculatorParams) -> Self {
        let (strategy, lookback_tempos, trade_probability) = match p.strategy {
            Strategy::BuyAndHold => (StrategyTag::BuyAndHold, None, None),
            Strategy::Momentum { lookback_tempos } => {
                (StrategyTag::Momentum, Some(lookback_tempos), None)
            }
            Strategy::YieldChasing => (StrategyTag::YieldChasing, None, None),
            Strategy::Noise { trade_probability } => {
                (StrategyTag::Noise, None, Some(trade_probability))
            }
        };
        SpeculatorWire {
            strategy,
            lookback_tempos,
            trade_probability,
            budget: p.budget,
            trade_every_tempos: p.trade_every_tempos,
            threshold: (p.threshold != 0.0).then_some(p.threshold),
        }
    }
}

/// Where a position is.
type Place = (NetUid, HotkeyId);

/// What a strategy wants on a trade period.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Decision {
    /// No view: keep the position (or, never having held one, enter on the start subnet).
    Hold,
    /// Exit to TAO.
    Cash,
    /// Be at this place.
    Into(Place),
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct Speculator {
    coldkey: ColdkeyId,
    start: NetUid,
    params: SpeculatorParams,
    schedule: Schedule,
    rng: ChaCha8Rng,
    /// Tempos acted so far.
    acts: u64,
    /// Where it believes its position is, and where it was before the last move (a refused
    /// move leaves the stake there).
    position: Option<Place>,
    previous: Option<Place>,
    /// Whether it has ever held a position.
    entered: bool,
    /// Momentum: `(block, [(netuid, spot price)])` recorded each tempo, oldest first.
    history: VecDeque<(u64, Vec<(NetUid, f64)>)>,
}

impl Speculator {
    /// A speculator staking from `identity.coldkey`, starting on `identity.netuid`, with its
    /// random stream and phase from `seed`.
    pub fn new(identity: Identity, params: SpeculatorParams, seed: u64) -> Self {
        Speculator {
            coldkey: identity.coldkey,
            start: identity.netuid,
            params,
            schedule: Schedule::new(seed),
            rng: stream(seed),
            acts: 0,
            position: None,
            previous: None,
            entered: false,
            history: VecDeque::new(),
        }
    }

    /// The position actually held, and how much alpha.
    fn held(&mut self, view: &dyn ChainView) -> Option<(Place, u64)> {
        for place in [self.position, self.previous].into_iter().flatten() {
            let alpha = view.stake(self.coldkey, place.1, place.0).0;
            if alpha > 0 {
                self.position = Some(place);
                self.previous = None;
                self.entered = true;
                return Some((place, alpha));
            }
        }
        self.position = None;
        self.previous = None;
        None
    }

    fn decide(
        &mut self,
        view: &dyn ChainView,
        prices: &[(NetUid, f64)],
        held: Option<(Place, u64)>,
    ) -> Decision {
        match self.params.strategy {
            Strategy::BuyAndHold => Decision::Hold,
            Strategy::Momentum { .. } => self.momentum(view, prices, held),
            Strategy::YieldChasing => {
                // Where it would enter by default (only a margin compares with it).
                let entry = if self.params.threshold > 0.0 && !self.entered && self.start.0 != 0 {
                    top_validator(view, self.start).map(|h| (self.start, h))
                } else {
                    None
                };
                yield_chasing(
                    view,
                    prices,
                    held,
                    self.stake_budget(view),
                    entry,
                    self.params.threshold,
                )
            }
            Strategy::Noise { trade_probability } => {
                let u: f64 = self.rng.random();
                if u >= trade_probability {
                    return Decision::Hold;
                }
                let targets: Vec<Place> = prices
                    .iter()
                    .filter_map(|&(n, _)| Some((n, top_validator(view, n)?)))
                    .collect();
                if targets.is_empty() {
                    return Decision::Hold;
                }
                Decision::Into(targets[self.rng.random_range(0..targets.len())])
            }
        }
    }

    fn momentum(
        &self,
        view: &dyn ChainView,
        prices: &[(NetUid, f64)],
        held: Option<(Place, u64)>,
    ) -> Decision {
        // The latest prices recorded at least the lookback ago.
        let cutoff = self.cutoff(view.block().0);
        let Some((_, then)) = self.history.iter().rev().find(|e| e.0 <= cutoff) else {
            return Decision::Hold;
        };
        let mut best: Option<(NetUid, f64)> = None;
        for &(netuid, now) in prices {
            let Some(&(_, before)) = then.iter().find(|p| p.0 == netuid) else {
                continue;
            };
            if before <= 0.0 || top_validator(view, netuid).is_none() {
                continue;
            }
            let rise = now / before - 1.0;
            if best.is_none_or(|b| rise > b.1) {
                best = Some((netuid, rise));
            }
        }
        let threshold = self.params.threshold;
        match best {
            None => Decision::Hold,
            Some((_, rise)) if rise <= -threshold => Decision::Cash,
            Some((netuid, rise)) => match held {
                Some((place, _)) if place.0 == netuid => Decision::Into(place),
                // The margin over where it is (a subnet without a recorded price: 0 rise).
                Some((place, _)) if threshold > 0.0 => {
                    let own = match (
                        prices.iter().find(|p| p.0 == place.0),
                        then.iter().find(|p| p.0 == place.0),
                    ) {
                        (Some(&(_, now)), Some(&(_, before))) if before > 0.0 => now / before - 1.0,
                        _ => 0.0,
                    };
                    if rise - own >= threshold {
                        top_validator(view, netuid)
                            .map_or(Decision::Hold, |h| Decision::Into((netuid, h)))
                    } else {
                        Decision::Into(place)
                    }
                }
                // In TAO: re-enter only on a rise above the margin.
                None if rise <= threshold => Decision::Cash,
                _ => top_validator(view, netuid)
                    .map_or(Decision::Hold, |h| Decision::Into((netuid, h))),
            },
        }
    }

    /// The block whose prices a momentum decision at `now` compares with.
    fn cutoff(&self, now: u64) -> u64 {
        let Strategy::Momentum { lookback_tempos } = self.params.strategy else {
            return 0;
        };
        now.saturating_sub(u64::from(lookback_tempos) * self.schedule.tempo())
    }

    /// Records this tempo's prices, keeping only what later lookbacks can use.
    fn record(&mut self, now: u64, prices: Vec<(NetUid, f64)>) {
        if !matches!(self.params.strategy, Strategy::Momentum { .. }) {
            return;
        }
        self.history.push_back((now, prices));
        let cutoff = self.cutoff(now);
        while self.history.len() >= 2 && self.history[1].0 <= cutoff {
            self.history.pop_front();
        }
    }

    /// TAO it would stake on entering: `min(budget, free balance)`.
    fn stake_budget(&self, view: &dyn ChainView) -> u64 {
        self.params.budget.min(view.balance(self.coldkey).0)
    }

    fn execute(
        &mut self,
        decision: Decision,
        held: Option<(Place, u64)>,
        view: &dyn ChainView,
        actions: &mut Vec<Action>,
    ) {
        let decision = match decision {
            Decision::Hold if !self.entered && held.is_none() => {
                match top_validator(view, self.start) {
                    Some(h) if self.start.0 != 0 => Decision::Into((self.start, h)),
                    _ => Decision::Hold,
                }
            }
            d => d,
        };
        let coldkey = self.coldkey;
        match (decision, held) {
            (Decision::Hold, _) | (Decision::Cash, None) => {}
            (Decision::Cash, Some((from, alpha))) => {
                actions.push(Action::RemoveStake {
                    coldkey,
                    hotkey: from.1,
                    netuid: from.0,
                    alpha: Rao(alpha),
                    limit_price: None,
                });
                self.previous = Some(from);
                self.position = None;
            }
            (Decision::Into(to), Some((from, _))) if to == from => {}
            (Decision::Into(to), Some((from, alpha))) => {
                actions.push(Action::MoveStake {
                    coldkey,
                    from_hotkey: from.1,
                    from_netuid: from.0,
                    to_hotkey: to.1,
                    to_netuid: to.0,
                    alpha: Rao(alpha),
                });
                self.previous = Some(from);
                self.position = Some(to);
            }
            (Decision::Into(to), None) => {
                let tao = self.stake_budget(view);
                if tao == 0 {
                    return;
                }
                actions.push(Action::AddStake {
                    coldkey,
                    hotkey: to.1,
                    netuid: to.0,
                    tao: Rao(tao),
                    limit_price: None,
                });
                self.previous = None;
                self.position = Some(to);
            }
        }
    }
}

impl Agent for Speculator {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let now = view.block().0;
        let tempo = view
            .subnet(self.start)
            .map_or(self.schedule.tempo(), |s| s.tempo);
        if !self.schedule.on_phase(now, tempo) {
            return;
        }
        let prices: Vec<(NetUid, f64)> = view
            .netuids()
            .into_iter()
            .filter(|n| n.0 != 0)
            .filter_map(|n| Some((n, view.subnet(n)?.price)))
            .collect();
        let trade = self
            .acts
            .is_multiple_of(u64::from(self.params.trade_every_tempos.max(1)));
        self.acts += 1;
        let held = self.held(view);
        if trade {
            let decision = self.decide(view, &prices, held);
            self.execute(decision, held, view, actions);
        }
        self.record(now, prices);
    }

    fn next_block(&self, now: u64) -> u64 {
        self.schedule.next_block(now)
    }

    fn kind(&self) -> &str {
        "speculator"
    }
}

/// The subnet's top validator (see the module docs).
pub(crate) fn top_validator(view: &dyn ChainView, netuid: NetUid) -> Option<HotkeyId> {
    let n = view.subnet(netuid)?.n;
    let mut best: Option<(f64, f64, HotkeyId)> = None;
    for uid in 0..n {
        let Some(nv) = view.neuron(netuid, uid) else {
            continue;
        };
        if !(nv.permit || nv.dividends > 0.0) {
            continue;
        }
        let better =
            best.is_none_or(|(d, s, _)| nv.dividends > d || (nv.dividends == d && nv.stake > s));
        if better {
            best = Some((nv.dividends, nv.stake, nv.hotkey));
        }
    }
    best.map(|b| b.2)
}

/// The yield-chasing target (see the module docs); `entry_tao` is what it would stake when it
/// holds nothing, `entry` where it would enter then by default (if it never held anything),
/// `threshold` the margin a move must clear.
fn yield_chasing(
    view: &dyn ChainView,
    prices: &[(NetUid, f64)],
    held: Option<(Place, u64)>,
    entry_tao: u64,
    entry: Option<Place>,
    threshold: f64,
) -> Decision {
    let price_of = |n: NetUid| prices.iter().find(|p| p.0 == n).map(|p| p.1);
    // The position's value in TAO at spot prices.
    let value = match held {
        Some(((n, _), alpha)) => alpha as f64 * price_of(n).unwrap_or(0.0),
        None => entry_tao as f64,
    };
    // Where it is (holding nothing: where it would enter), and that place's yield.
    let current = held.map(|h| h.0).or(entry);
    let mut current_yield = 0.0;
    let mut best: Option<(f64, Place)> = None;
    for &(netuid, price) in prices {
        let Some(subnet) = view.subnet(netuid) else {
            continue;
        };
        let tempo = subnet.tempo.max(1) as f64;
        for uid in 0..subnet.n {
            let Some(nv) = view.neuron(netuid, uid) else {
                continue;
            };
            if nv.dividends <= 0.0 {
                continue;
            }
            let place = (netuid, nv.hotkey);
            let added = match held {
                Some((p, _)) if p == place => 0.0,
                _ if price > 0.0 => value / price,
                _ => continue,
            };
            let stake = nv.stake + added;
            if stake <= 0.0 {
                continue;
            }
            let dividend = nv.emission.0 as f64 * nv.dividends / (nv.incentive + nv.dividends);
            let y = dividend / stake / tempo;
            if best.is_none_or(|b| y > b.0) {
                best = Some((y, place));
            }
            if current == Some(place) {
                current_yield = y;
            }
        }
    }
    let Some((y, place)) = best else {
        return Decision::Hold;
    };
    // `false` when the product is NaN (an infinite margin over a yield of 0): no move.
    let clears = y >= (1.0 + threshold) * current_yield;
    if threshold > 0.0 && !clears {
        // Not worth the move: stay (holding nothing: enter where it would by default).
        return current.map_or(Decision::Hold, Decision::Into);
    }
    Decision::Into(place)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::view::SubnetView;

    const ME: ColdkeyId = ColdkeyId(100);
    const TAO: u64 = 1_000_000_000;

    /// Subnets 1, 2 and 3 of 3 uids each (hotkey `10·netuid + uid`), price 0.01, no
    /// validators yet; the speculator's coldkey holds 50 TAO.
    fn view() -> MockView {
        let mut v = MockView::default();
        for net in 1..=3u16 {
            let netuid = NetUid(net);
            v.subnets.insert(
                netuid,
                SubnetView {
                    netuid,
                    tempo: 360,
                    price: 0.01,
                    moving_price: 0.01,
                    n: 3,
                    ..SubnetView::default()
                },
            );
            for uid in 0..3 {
                let nv = v.neurons.entry((netuid, uid)).or_default();
                nv.hotkey = hk(net, uid);
                nv.coldkey = ColdkeyId(u32::from(10 * net + uid));
            }
        }
        v.balances.insert(ME, 50 * TAO);
        v
    }

    fn hk(net: u16, uid: u16) -> HotkeyId {
        HotkeyId(u32::from(10 * net + uid))
    }

    /// Makes `uid` a validator with `dividends` and `stake` on `net`.
    fn validator(v: &mut MockView, net: u16, uid: u16, dividends: f64, stake: f64) {
        let nv = v.neurons.get_mut(&(NetUid(net), uid)).unwrap();
        nv.permit = true;
        nv.dividends = dividends;
        nv.stake = stake;
    }

    fn speculator(strategy: Strategy, budget: u64) -> Speculator {
        Speculator::new(
            Identity {
                coldkey: ME,
                hotkeys: vec![],
                netuid: NetUid(1),
            },
            SpeculatorParams::new(strategy, budget),
            42,
        )
    }

    /// One tempo: the actions.
    fn tempo(a: &mut Speculator, v: &mut MockView) -> Vec<Action> {
        v.block = a.next_block(v.block);
        let mut out = Vec::new();
        a.act(v, &mut out);
        out
    }

    fn add(net: u16, uid: u16, tao: u64) -> Action {
        Action::AddStake {
            coldkey: ME,
            hotkey: hk(net, uid),
            netuid: NetUid(net),
            tao: Rao(tao),
            limit_price: None,
        }
    }

    fn mv(from: (u16, u16), to: (u16, u16), alpha: u64) -> Action {
        Action::MoveStake {
            coldkey: ME,
            from_hotkey: hk(from.0, from.1),
            from_netuid: NetUid(from.0),
            to_hotkey: hk(to.0, to.1),
            to_netuid: NetUid(to.0),
            alpha: Rao(alpha),
        }
    }

    /// Applies the actions roughly as the chain would (100 alpha per TAO, the mock's price
    /// 0.01, no slippage): enough for the bookkeeping, stake appears where it was sent.
    fn apply(v: &mut MockView, actions: &[Action]) {
        for a in actions {
            match *a {
                Action::AddStake {
                    coldkey,
                    hotkey,
                    netuid,
                    tao,
                    ..
                } => {
                    *v.balances.get_mut(&coldkey).unwrap() -= tao.0;
                    *v.stakes.entry((coldkey, hotkey, netuid)).or_default() += tao.0 * 100;
                }
                Action::MoveStake {
                    coldkey,
                    from_hotkey,
                    from_netuid,
                    to_hotkey,
                    to_netuid,
                    alpha,
                } => {
                    *v.stakes
                        .get_mut(&(coldkey, from_hotkey, from_netuid))
                        .unwrap() -= alpha.0;
                    *v.stakes.entry((coldkey, to_hotkey, to_netuid)).or_default() += alpha.0;
                }
                Action::RemoveStake {
                    coldkey,
                    hotkey,
                    netuid,
                    alpha,
                    ..
                } => {
                    *v.stakes.get_mut(&(coldkey, hotkey, netuid)).unwrap() -= alpha.0;
                    *v.balances.get_mut(&coldkey).unwrap() += alpha.0 / 100;
                }
                _ => panic!("unexpected action {a:?}"),
            }
        }
    }

    #[test]
    fn buy_and_hold_stakes_once_on_the_best_dividend_validator() {
        let mut v = view();
        validator(&mut v, 1, 0, 0.2, 1e12);
        validator(&mut v, 1, 1, 0.5, 1e9);
        validator(&mut v, 1, 2, 0.3, 1e13);
        validator(&mut v, 2, 0, 0.9, 1e13);
        let mut a = speculator(Strategy::BuyAndHold, 10 * TAO);
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![add(1, 1, 10 * TAO)]);
        apply(&mut v, &out);
        validator(&mut v, 1, 2, 0.9, 1e13);
        for _ in 0..3 {
            assert!(tempo(&mut a, &mut v).is_empty());
        }
        assert_eq!(a.kind(), "speculator");
        assert_eq!(a.cost(), 0);
    }

    #[test]
    fn never_spends_more_than_the_balance() {
        let mut v = view();
        validator(&mut v, 1, 0, 0.0, 1e12); // a permit is enough when nobody has dividends
        let mut a = speculator(Strategy::BuyAndHold, 80 * TAO);
        assert_eq!(tempo(&mut a, &mut v), vec![add(1, 0, 50 * TAO)]);
        // Refused (say): nothing held, it tries again; with no balance it does nothing.
        v.balances.insert(ME, 0);
        assert!(tempo(&mut a, &mut v).is_empty());
        v.balances.insert(ME, 3 * TAO);
        assert_eq!(tempo(&mut a, &mut v), vec![add(1, 0, 3 * TAO)]);
    }

    #[test]
    fn waits_for_a_validator() {
        let mut v = view();
        let mut a = speculator(Strategy::BuyAndHold, TAO);
        assert!(tempo(&mut a, &mut v).is_empty());
        validator(&mut v, 1, 2, 0.0, 1.0);
        assert_eq!(tempo(&mut a, &mut v), vec![add(1, 2, TAO)]);
    }

    #[test]
    fn momentum_moves_to_the_biggest_riser_and_exits_when_all_fall() {
        let mut v = view();
        for net in 1..=3 {
            validator(&mut v, net, 1, 0.5, 1e12);
        }
        let mut a = speculator(Strategy::Momentum { lookback_tempos: 2 }, 10 * TAO);
        // No history: enters on its start subnet.
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![add(1, 1, 10 * TAO)]);
        apply(&mut v, &out);
        let price = |v: &mut MockView, net: u16, p: f64| {
            v.subnets.get_mut(&NetUid(net)).unwrap().price = p;
        };
        // One tempo of history is not a full lookback: holds.
        price(&mut v, 2, 0.02);
        assert!(tempo(&mut a, &mut v).is_empty());
        // Against two tempos ago: subnet 1 +10 %, subnet 2 +50 %, subnet 3 +20 %.
        price(&mut v, 1, 0.011);
        price(&mut v, 2, 0.015);
        price(&mut v, 3, 0.012);
        let held = 1_000 * TAO;
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![mv((1, 1), (2, 1), held)]);
        apply(&mut v, &out);
        // Against two tempos ago, subnet 2 still rose most (0.02 → 0.03): it stays.
        price(&mut v, 2, 0.03);
        assert!(tempo(&mut a, &mut v).is_empty());
        // Everything below two tempos ago: exits to TAO.
        for net in 1..=3 {
            price(&mut v, net, 0.001);
        }
        let out = tempo(&mut a, &mut v);
        assert_eq!(
            out,
            vec![Action::RemoveStake {
                coldkey: ME,
                hotkey: hk(2, 1),
                netuid: NetUid(2),
                alpha: Rao(held),
                limit_price: None,
            }]
        );
        apply(&mut v, &out);
        // Out, and nothing rising: stays out.
        assert!(tempo(&mut a, &mut v).is_empty());
        // Subnet 3 rises: back in, with what it has (the mock's exit returned all 50 TAO).
        price(&mut v, 3, 0.01);
        assert_eq!(tempo(&mut a, &mut v), vec![add(3, 1, 10 * TAO)]);
    }

    #[test]
    fn a_refused_move_leaves_it_where_it_was() {
        let mut v = view();
        for net in 1..=2 {
            validator(&mut v, net, 1, 0.5, 1e12);
        }
        let mut a = speculator(Strategy::Momentum { lookback_tempos: 1 }, 10 * TAO);
        let out = tempo(&mut a, &mut v);
        apply(&mut v, &out);
        v.subnets.get_mut(&NetUid(2)).unwrap().price = 0.02;
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![mv((1, 1), (2, 1), 1_000 * TAO)]);
        // Not applied: next tempo it still moves from subnet 1 (2 rose most again).
        v.subnets.get_mut(&NetUid(2)).unwrap().price = 0.04;
        assert_eq!(tempo(&mut a, &mut v), out);
    }

    #[test]
    fn yield_chasing_moves_to_the_best_dividends_per_stake() {
        let mut v = view();
        let set = |v: &mut MockView, net: u16, uid: u16, emission: u64, stake: f64| {
            validator(v, net, uid, 0.5, stake);
            let nv = v.neurons.get_mut(&(NetUid(net), uid)).unwrap();
            nv.incentive = 0.5; // half its emission is dividends
            nv.emission = Rao(emission);
        };
        // Dividends (half the emission) per unit stake, its own 10 TAO (1000 alpha at 0.01)
        // included: 1/0: 10/11000, 2/1: 30/11000, 3/2: 40/11000 but over a tempo twice as
        // long (720 blocks), so per block 2/1 is the best.
        set(&mut v, 1, 0, 20 * TAO, 10_000.0 * TAO as f64);
        set(&mut v, 2, 1, 60 * TAO, 10_000.0 * TAO as f64);
        set(&mut v, 3, 2, 80 * TAO, 10_000.0 * TAO as f64);
        v.subnets.get_mut(&NetUid(3)).unwrap().tempo = 720;
        let mut a = speculator(Strategy::YieldChasing, 10 * TAO);
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![add(2, 1, 10 * TAO)]);
        apply(&mut v, &out);
        v.neurons.get_mut(&(NetUid(2), 1)).unwrap().stake += 1_000.0 * TAO as f64;
        // Still the best, counting its own stake: holds.
        assert!(tempo(&mut a, &mut v).is_empty());
        // Subnet 1 pays more now: moves there.
        set(&mut v, 1, 0, 200 * TAO, 10_000.0 * TAO as f64);
        assert_eq!(tempo(&mut a, &mut v), vec![mv((2, 1), (1, 0), 1_000 * TAO)]);
    }

    #[test]
    fn yield_chasing_counts_the_dilution_of_its_own_stake() {
        let mut v = view();
        // Subnet 1: 0.5 TAO of dividends on 100 TAO of stake (5e-3 per unit), but its own
        // 10 TAO at price 0.01 adds 1000 alpha: 0.5 / 1100 ≈ 4.5e-4. Subnet 2: 1000 TAO on
        // 1e6 (1e-3), barely diluted: 1000 / 1_001_000 ≈ 9.99e-4. Subnet 2 wins.
        for (net, emission, stake) in [(1, TAO / 2, 100.0), (2, 1_000 * TAO, 1e6)] {
            validator(&mut v, net, 0, 1.0, stake * TAO as f64);
            v.neurons.get_mut(&(NetUid(net), 0)).unwrap().emission = Rao(emission);
        }
        let mut a = speculator(Strategy::YieldChasing, 10 * TAO);
        assert_eq!(tempo(&mut a, &mut v), vec![add(2, 0, 10 * TAO)]);
    }

    #[test]
    fn noise_trades_with_its_probability_reproducibly() {
        let mut v = view();
        validator(&mut v, 1, 0, 0.5, 1e12);
        validator(&mut v, 3, 2, 0.5, 1e12);
        // Never trading: enters on its start subnet and stays.
        let mut a = speculator(
            Strategy::Noise {
                trade_probability: 0.0,
            },
            TAO,
        );
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![add(1, 0, TAO)]);
        let mut held = v.clone();
        apply(&mut held, &out);
        for _ in 0..10 {
            assert!(tempo(&mut a, &mut held).is_empty());
        }
        // Always trading: every tempo, to subnet 1's or 3's top validator (2 has none).
        let run = |seed| {
            let mut v = v.clone();
            let mut a = Speculator::new(
                Identity {
                    coldkey: ME,
                    hotkeys: vec![],
                    netuid: NetUid(1),
                },
                SpeculatorParams::new(
                    Strategy::Noise {
                        trade_probability: 1.0,
                    },
                    TAO,
                ),
                seed,
            );
            let mut all = Vec::new();
            for _ in 0..20 {
                let out = tempo(&mut a, &mut v);
                apply(&mut v, &out);
                all.extend(out);
            }
            all
        };
        let a = run(5);
        assert_eq!(a, run(5));
        assert!(matches!(a[0], Action::AddStake { .. }));
        assert!(a[1..].iter().all(|x| matches!(
            x,
            Action::MoveStake { to_hotkey, to_netuid, .. }
                if (*to_netuid, *to_hotkey) == (NetUid(1), hk(1, 0))
                    || (*to_netuid, *to_hotkey) == (NetUid(3), hk(3, 2))
        )));
        assert!(a.len() > 5, "{a:?}");
    }

    #[test]
    fn trades_only_every_trade_period() {
        let mut v = view();
        validator(&mut v, 1, 0, 0.5, 1e12);
        validator(&mut v, 2, 0, 0.5, 1e12);
        let mut a = Speculator::new(
            Identity {
                coldkey: ME,
                hotkeys: vec![],
                netuid: NetUid(1),
            },
            SpeculatorParams {
                trade_every_tempos: 3,
                ..SpeculatorParams::new(Strategy::Momentum { lookback_tempos: 1 }, TAO)
            },
            42,
        );
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![add(1, 0, TAO)]);
        apply(&mut v, &out);
        v.subnets.get_mut(&NetUid(2)).unwrap().price = 0.02;
        assert!(tempo(&mut a, &mut v).is_empty());
        assert!(tempo(&mut a, &mut v).is_empty());
        // The next trade period: against one tempo ago subnet 2 rose from 0.02 to 0.03.
        v.subnets.get_mut(&NetUid(2)).unwrap().price = 0.03;
        assert_eq!(tempo(&mut a, &mut v), vec![mv((1, 0), (2, 0), 100 * TAO)]);
    }

    /// Every action `a` takes over twelve tempos of prices and dividends moving differently
    /// on three subnets (applied to its own view).
    fn market(mut a: Speculator) -> Vec<Action> {
        let mut v = view();
        let mut all = Vec::new();
        for t in 0..12u32 {
            for net in 1..=3u16 {
                let k = f64::from(t) * f64::from(net);
                v.subnets.get_mut(&NetUid(net)).unwrap().price =
                    0.01 * (1.0 + 0.3 * (k * 0.7).sin());
                validator(&mut v, net, 1, 0.5, 1e12);
                let nv = v.neurons.get_mut(&(NetUid(net), 1)).unwrap();
                nv.incentive = 0.5;
                nv.emission = Rao(TAO * u64::from(1 + (t * u32::from(net)) % 7));
            }
            let out = tempo(&mut a, &mut v);
            apply(&mut v, &out);
            all.extend(out);
        }
        all
    }

    fn with_threshold(strategy: Strategy, threshold: f64) -> Speculator {
        Speculator::new(
            Identity {
                coldkey: ME,
                hotkeys: vec![],
                netuid: NetUid(1),
            },
            SpeculatorParams {
                threshold,
                ..SpeculatorParams::new(strategy, 10 * TAO)
            },
            42,
        )
    }

    #[test]
    fn an_infinite_threshold_trades_exactly_as_buy_and_hold() {
        let hold = market(speculator(Strategy::BuyAndHold, 10 * TAO));
        assert_eq!(hold, vec![add(1, 1, 10 * TAO)]);
        for strategy in [
            Strategy::Momentum { lookback_tempos: 2 },
            Strategy::YieldChasing,
        ] {
            // Without a margin they trade in this market; with an infinite one they hold.
            let free = market(with_threshold(strategy, 0.0));
            assert!(free.len() > 2, "{strategy:?}: {free:?}");
            assert_eq!(market(with_threshold(strategy, f64::INFINITY)), hold);
            // A margin in between trades less (never more) than none.
            let some = market(with_threshold(strategy, 0.5));
            assert!(some.len() <= free.len(), "{strategy:?}: {some:?}");
        }
    }

    #[test]
    fn a_momentum_margin_keeps_a_position_against_a_small_lead() {
        let mut v = view();
        for net in 1..=2 {
            validator(&mut v, net, 1, 0.5, 1e12);
        }
        let mut a = with_threshold(Strategy::Momentum { lookback_tempos: 1 }, 0.2);
        let out = tempo(&mut a, &mut v);
        assert_eq!(out, vec![add(1, 1, 10 * TAO)]);
        apply(&mut v, &out);
        // Subnet 1 +5 %, subnet 2 +20 %: a lead of 15 % < 20 %: stays.
        v.subnets.get_mut(&NetUid(1)).unwrap().price = 0.0105;
        v.subnets.get_mut(&NetUid(2)).unwrap().price = 0.012;
        assert!(tempo(&mut a, &mut v).is_empty());
        // Subnet 2 +50 % against 0 %: moves.
        v.subnets.get_mut(&NetUid(2)).unwrap().price = 0.018;
        assert_eq!(tempo(&mut a, &mut v), vec![mv((1, 1), (2, 1), 1_000 * TAO)]);
        // Both fall 10 %: not below -20 %, so it does not exit.
        v.subnets.get_mut(&NetUid(1)).unwrap().price = 0.00945;
        v.subnets.get_mut(&NetUid(2)).unwrap().price = 0.0162;
        assert!(tempo(&mut a, &mut v).is_empty());
    }

    #[test]
    fn acts_once_per_tempo_of_its_start_subnet() {
        let a = speculator(Strategy::BuyAndHold, TAO);
        let first = a.next_block(0);
        assert_eq!(first, 42);
        assert_eq!(a.next_block(first), first + 360);
        let mut a = speculator(Strategy::BuyAndHold, TAO);
        let mut v = view();
        validator(&mut v, 1, 0, 0.5, 1.0);
        v.block = 1; // off phase
        let mut out = Vec::new();
        a.act(&v, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn params_are_flat_checked_and_reject_unknown_fields() {
        let p: SpeculatorParams = serde_json::from_str(
            r#"{"strategy": "momentum", "lookback_tempos": 5, "budget": 1000}"#,
        )
        .unwrap();
        assert_eq!(
            p,
            SpeculatorParams::new(Strategy::Momentum { lookback_tempos: 5 }, 1000)
        );
        assert!(p.validate().is_ok());
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"strategy": "momentum", "lookback_tempos": 5, "budget": 1000,
                               "trade_every_tempos": 1})
        );
        let p: SpeculatorParams = serde_json::from_str(
            r#"{"strategy": "noise", "trade_probability": 0.25, "budget": 1, "trade_every_tempos": 4}"#,
        )
        .unwrap();
        assert_eq!(p.trade_every_tempos, 4);
        assert_eq!(
            p.strategy,
            Strategy::Noise {
                trade_probability: 0.25
            }
        );
        for ok in [
            r#"{"strategy": "buy_and_hold", "budget": 1}"#,
            r#"{"strategy": "yield_chasing", "budget": 1}"#,
        ] {
            assert!(serde_json::from_str::<SpeculatorParams>(ok).is_ok(), "{ok}");
        }
        for bad in [
            r#"{"strategy": "momentum", "budget": 1}"#,
            r#"{"strategy": "noise", "budget": 1}"#,
            r#"{"strategy": "buy_and_hold", "lookback_tempos": 2, "budget": 1}"#,
            r#"{"strategy": "momentum", "lookback_tempos": 2, "trade_probability": 0.5, "budget": 1}"#,
            r#"{"strategy": "buy_and_hold"}"#,
            r#"{"strategy": "buy_and_hold", "budget": 1, "budegt": 2}"#,
            r#"{"strategy": "hodl", "budget": 1}"#,
        ] {
            assert!(
                serde_json::from_str::<SpeculatorParams>(bad).is_err(),
                "{bad}"
            );
        }
        let check = |strategy, budget, every| {
            SpeculatorParams {
                strategy,
                budget,
                trade_every_tempos: every,
                threshold: 0.0,
            }
            .validate()
        };
        assert_eq!(
            check(Strategy::BuyAndHold, 0, 1).unwrap_err(),
            "`budget` must be > 0, got `0`"
        );
        assert_eq!(
            check(Strategy::BuyAndHold, 1, 0).unwrap_err(),
            "`trade_every_tempos` must be at least 1, got `0`"
        );
        assert_eq!(
            check(Strategy::Momentum { lookback_tempos: 0 }, 1, 1).unwrap_err(),
            "`lookback_tempos` must be at least 1, got `0`"
        );
        let margin = |strategy, threshold| {
            SpeculatorParams {
                threshold,
                ..SpeculatorParams::new(strategy, 1)
            }
            .validate()
        };
        assert!(margin(Strategy::YieldChasing, f64::INFINITY).is_ok());
        assert!(margin(Strategy::Momentum { lookback_tempos: 1 }, 0.1).is_ok());
        assert!(
            margin(Strategy::YieldChasing, -0.1)
                .unwrap_err()
                .contains("`threshold` must be >= 0")
        );
        assert!(margin(Strategy::YieldChasing, f64::NAN).is_err());
        assert!(
            margin(Strategy::BuyAndHold, 0.1)
                .unwrap_err()
                .contains("only used with")
        );
        let p: SpeculatorParams = serde_json::from_str(
            r#"{"strategy": "yield_chasing", "budget": 1, "threshold": 0.25}"#,
        )
        .unwrap();
        assert_eq!(p.threshold, 0.25);
        assert_eq!(serde_json::to_value(&p).unwrap()["threshold"], 0.25);
        assert_eq!(
            check(
                Strategy::Noise {
                    trade_probability: 1.5
                },
                1,
                1
            )
            .unwrap_err(),
            "`trade_probability` must be in [0, 1], got `1.5`"
        );
        assert!(check(Strategy::YieldChasing, 1, 1).is_ok());
    }
}
