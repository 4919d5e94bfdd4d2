//! Entry and exit: any behaviour wrapped so that it joins a subnet only when joining looks
//! profitable, and leaves after a run of unprofitable tempos.
//!
//! While **out**, once per tempo (at its phase) the agent joins with probability
//! `entry.rate` if the expected income of a newcomer beats its cost: the median last-epoch
//! emission of the subnet's registered uids in the same role (validators: uids with a permit;
//! miners: the others), valued at the spot price, must exceed `entry.min_margin` times the
//! wrapped behaviour's cost per tempo plus the registration burn spread over
//! `entry.horizon_tempos`. Joining registers every hotkey of the agent; from then on the
//! wrapped behaviour acts.
//!
//! While **in**, it tracks its own income per tempo (the emission of its hotkeys, valued at
//! the spot price) against the cost the wrapped behaviour reports. After
//! `exit.after_losing_tempos` consecutive tempos of income below cost it leaves: it unstakes
//! what it holds on its own hotkeys and stops acting (its uids will be pruned by newcomers).
//! An agent that has left does not come back.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Identity, stream};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::Rao;
use crate::view::ChainView;

/// When a dormant agent joins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Probability per tempo of acting on an attractive opportunity, in `[0, 1]` (the entry
    /// rate; default 1).
    #[serde(default = "one")]
    pub rate: f64,
    /// Tempos over which the registration burn is spread when judging profit (default 30).
    #[serde(default = "thirty")]
    pub horizon_tempos: u32,
    /// Required ratio of expected income to cost (default 1: break-even).
    #[serde(default = "one")]
    pub min_margin: f64,
}

/// When an active agent leaves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exit {
    /// Consecutive tempos with income below cost before leaving (default 10).
    #[serde(default = "ten")]
    pub after_losing_tempos: u32,
}

fn one() -> f64 {
    1.0
}
fn thirty() -> u32 {
    30
}
fn ten() -> u32 {
    10
}

impl Entry {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the field and value.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.rate) {
            return Err(format!(
                "`rate` must be a probability in [0, 1], got `{}`",
                self.rate
            ));
        }
        if self.horizon_tempos == 0 {
            return Err("`horizon_tempos` must be at least 1, got `0`".into());
        }
        if !(self.min_margin >= 0.0 && self.min_margin.is_finite()) {
            return Err(format!(
                "`min_margin` must be a finite number >= 0, got `{}`",
                self.min_margin
            ));
        }
        Ok(())
    }
}

impl Exit {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the field and value.
    pub fn validate(&self) -> Result<(), String> {
        if self.after_losing_tempos == 0 {
            return Err("`after_losing_tempos` must be at least 1, got `0`".into());
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Out,
    In,
    Left,
}

/// A behaviour with entry and exit; see the module docs.
pub struct Dynamic {
    inner: Box<dyn Agent>,
    identity: Identity,
    validator: bool,
    entry: Option<Entry>,
    exit: Option<Exit>,
    state: State,
    rng: ChaCha8Rng,
    phase: u64,
    tempo: u64,
    losing: u32,
    last_cost: u64,
    last_check: u64,
    entered_at: Option<u64>,
    left_at: Option<u64>,
}

impl Dynamic {
    /// Wraps `inner`. `validator` says which role's income a newcomer compares with. With no
    /// `entry` the agent starts in (already registered); with no `exit` it never leaves.
    pub fn new(
        inner: Box<dyn Agent>,
        identity: Identity,
        validator: bool,
        entry: Option<Entry>,
        exit: Option<Exit>,
        seed: u64,
    ) -> Dynamic {
        let state = if entry.is_some() {
            State::Out
        } else {
            State::In
        };
        Dynamic {
            inner,
            identity,
            validator,
            entry,
            exit,
            state,
            rng: stream(crate::derive_seed(seed, crate::stable_id("dynamic"))),
            phase: seed % 360,
            tempo: 360,
            losing: 0,
            last_cost: 0,
            last_check: 0,
            entered_at: None,
            left_at: None,
        }
    }

    /// Block at which it joined, if it did.
    pub fn entered_at(&self) -> Option<u64> {
        self.entered_at
    }

    /// Block at which it left, if it did.
    pub fn left_at(&self) -> Option<u64> {
        self.left_at
    }

    fn spot(view: &dyn ChainView, netuid: crate::units::NetUid) -> f64 {
        view.subnet(netuid).map_or(0.0, |s| s.price)
    }

    /// Median last-epoch emission (TAO value, rao) of registered uids in this role.
    fn expected_income(&self, view: &dyn ChainView) -> f64 {
        let netuid = self.identity.netuid;
        let Some(s) = view.subnet(netuid) else {
            return 0.0;
        };
        let mut e: Vec<f64> = (0..s.n)
            .filter_map(|u| view.neuron(netuid, u))
            .filter(|n| n.permit == self.validator)
            .map(|n| n.emission.0 as f64 * s.price)
            .collect();
        if e.is_empty() {
            return 0.0;
        }
        e.sort_by(f64::total_cmp);
        e[e.len() / 2]
    }

    fn own_income(&self, view: &dyn ChainView) -> f64 {
        let netuid = self.identity.netuid;
        let price = Self::spot(view, netuid);
        self.identity
            .hotkeys
            .iter()
            .filter_map(|h| view.uid_of(netuid, *h))
            .filter_map(|u| view.neuron(netuid, u))
            .map(|n| n.emission.0 as f64 * price)
            .sum()
    }
}

impl Agent for Dynamic {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let now = view.block().0;
        if let Some(s) = view.subnet(self.identity.netuid) {
            self.tempo = s.tempo.max(1);
        }
        match self.state {
            State::Left => {}
            State::Out => {
                if now % self.tempo != self.phase % self.tempo {
                    return;
                }
                let entry = self.entry.clone().expect("out implies an entry rule");
                let burn = view.subnet(self.identity.netuid).map_or(0, |s| s.burn.0) as f64;
                let cost_per_tempo = self.inner.cost() as f64; // 0 before the first tempo
                let hurdle = entry.min_margin * cost_per_tempo
                    + burn * self.identity.hotkeys.len() as f64 / f64::from(entry.horizon_tempos);
                let draw: f64 = self.rng.random();
                if self.expected_income(view) > hurdle && draw < entry.rate {
                    for &h in &self.identity.hotkeys {
                        actions.push(Action::Register {
                            coldkey: self.identity.coldkey,
                            hotkey: h,
                            netuid: self.identity.netuid,
                        });
                    }
                    self.state = State::In;
                    self.entered_at = Some(now);
                    self.last_check = now;
                    self.last_cost = self.inner.cost();
                }
            }
            State::In => {
                self.inner.act(view, actions);
                let Some(exit) = &self.exit else { return };
                if now < self.last_check + self.tempo
                    || self.entered_at.is_some_and(|e| now < e + 2 * self.tempo)
                {
                    return;
                }
                let cost = self.inner.cost() - self.last_cost.min(self.inner.cost());
                let tempos = (now - self.last_check) as f64 / self.tempo as f64;
                self.last_check = now;
                self.last_cost = self.inner.cost();
                let income = self.own_income(view) * tempos.max(1.0);
                self.losing = if income < cost as f64 {
                    self.losing + 1
                } else {
                    0
                };
                if self.losing >= exit.after_losing_tempos {
                    let netuid = self.identity.netuid;
                    for &h in &self.identity.hotkeys {
                        let held = view.stake(self.identity.coldkey, h, netuid).0;
                        if held > 0 {
                            actions.push(Action::RemoveStake {
                                coldkey: self.identity.coldkey,
                                hotkey: h,
                                netuid,
                                alpha: Rao(held),
                                limit_price: None,
                            });
                        }
                    }
                    self.state = State::Left;
                    self.left_at = Some(now);
                }
            }
        }
    }

    fn next_block(&self, now: u64) -> u64 {
        match self.state {
            State::In => self.inner.next_block(now),
            // Once per tempo at the phase (also after leaving: cheap, and keeps time moving).
            State::Out | State::Left => {
                let t = self.tempo.max(1);
                let base = now - now % t + self.phase % t;
                if base > now { base } else { base + t }
            }
        }
    }

    fn kind(&self) -> &str {
        self.inner.kind()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::units::{ColdkeyId, HotkeyId, NetUid};
    use crate::view::NeuronView;

    struct Idle;
    impl Agent for Idle {
        fn act(&mut self, _view: &dyn ChainView, _actions: &mut Vec<Action>) {}
    }

    fn id() -> Identity {
        Identity {
            coldkey: ColdkeyId(50),
            hotkeys: vec![HotkeyId(50)],
            netuid: NetUid(1),
        }
    }

    #[test]
    fn joins_only_when_the_median_miner_earns_more_than_the_amortised_burn() {
        let mut v = MockView::subnet(NetUid(1), 4);
        v.subnets.get_mut(&NetUid(1)).unwrap().burn = Rao(3_000_000_000); // 3 TAO
        let entry = Entry {
            rate: 1.0,
            horizon_tempos: 30,
            min_margin: 1.0,
        };
        let mut d = Dynamic::new(Box::new(Idle), id(), false, Some(entry), None, 5);
        v.block = 5; // its phase
        let mut actions = Vec::new();
        // Miners earn 0.05 alpha·0.01 = 5e5 rao per tempo < 3e9/30 = 1e8: stays out.
        for u in 0..4 {
            v.neurons.insert(
                (NetUid(1), u),
                NeuronView {
                    emission: Rao(50_000_000),
                    ..NeuronView::default()
                },
            );
        }
        d.act(&v, &mut actions);
        assert!(actions.is_empty());
        // Miners earn 20 alpha·0.01 = 2e8 rao > 1e8: joins.
        for u in 0..4 {
            v.neurons.get_mut(&(NetUid(1), u)).unwrap().emission = Rao(20_000_000_000);
        }
        v.block = 365;
        d.act(&v, &mut actions);
        assert_eq!(
            actions,
            vec![Action::Register {
                coldkey: ColdkeyId(50),
                hotkey: HotkeyId(50),
                netuid: NetUid(1)
            }]
        );
        assert_eq!(d.entered_at(), Some(365));
    }

    #[test]
    fn parameters_are_checked() {
        assert!(
            Entry {
                rate: 1.5,
                horizon_tempos: 1,
                min_margin: 1.0
            }
            .validate()
            .is_err()
        );
        assert!(
            Exit {
                after_losing_tempos: 0
            }
            .validate()
            .is_err()
        );
    }
}
