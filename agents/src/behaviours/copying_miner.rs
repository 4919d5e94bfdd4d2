//! A miner that does no work of its own: it serves, late, a copy of the best miner's work.
//!
//! # Behaviour
//!
//! The copier operates one hotkey (the first of its [`Identity`]) on its subnet and acts once
//! per tempo at its phase, `seed % tempo`, like the honest miner (an act on another block,
//! such as the engine's first wake-up at block 1, only learns the tempo).
//!
//! At each act it reads the public metagraph, uid by uid (`0..n`), and picks the best miner:
//! among the uids other than its own that have served work ([`ChainView::served`]), the one
//! with the highest last-epoch incentive, ties going to the lower uid (before any epoch every
//! incentive is 0, so it picks the lowest uid that serves). A uid whose work is itself a copy
//! of the copier's own uid is skipped. It records that uid's served qualities in a ring
//! buffer, together with the *original* uid: the uid itself for original work, or the work's
//! own `copy_of` when the best miner is itself a copier (so a copy of a copy still names the
//! miner who did the work). A tempo in which nobody has served work is recorded as empty.
//!
//! Once the buffer holds more than `lag_tempos` entries, the oldest one, recorded
//! `lag_tempos` tempos ago, is taken out and, if the copier's hotkey is registered and the
//! entry is not empty, served with [`Action::Serve`] and `copy_of: Some(original uid)`.
//! Before it has `lag_tempos` tempos of history it serves nothing. It watches the metagraph
//! whether or not it is registered (watching is free), serves only when registered, and never
//! registers itself. Whether validators detect the copy is their mechanism's business.
//!
//! # Parameters ([`CopyingMinerParams`])
//!
//! - `lag_tempos` (default `1`, at least 1): how many tempos old the served copy is: the
//!   delay between the original's work becoming public and the copier serving it.
//! - `cost_per_tempo` (default `0`): off-chain cost of serving, in rao of TAO per tempo
//!   served; every value is valid. Reported by [`Agent::cost`].
//!
//! # Determinism
//!
//! The copier draws no random numbers; what it serves is a function of what the view showed
//! at its past acts. Its seed only sets its phase.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_miner::{TempoClock, expect_valid};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;

/// Parameters of a [`CopyingMiner`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyingMinerParams {
    /// How many tempos old the served copy is (at least 1; default 1).
    #[serde(default = "one")]
    pub lag_tempos: u32,
    /// Off-chain cost per tempo served, in rao of TAO (default 0).
    #[serde(default)]
    pub cost_per_tempo: u64,
}

fn one() -> u32 {
    1
}

impl Default for CopyingMinerParams {
    fn default() -> CopyingMinerParams {
        CopyingMinerParams {
            lag_tempos: 1,
            cost_per_tempo: 0,
        }
    }
}

impl CopyingMinerParams {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        if self.lag_tempos == 0 {
            return Err(format!(
                "`lag_tempos` must be at least 1, got `{}`",
                self.lag_tempos
            ));
        }
        Ok(())
    }
}

/// One tempo's observation: the original uid and the qualities it served.
#[derive(Clone, Debug, PartialEq)]
struct Copied {
    original: u16,
    quality: Vec<f64>,
}

/// A miner serving copies of the best miner's work; see the module docs.
#[derive(Clone, Debug)]
pub struct CopyingMiner {
    hotkey: HotkeyId,
    netuid: NetUid,
    lag_tempos: usize,
    cost_per_tempo: u64,
    clock: TempoClock,
    /// The last observations, oldest first; at most `lag_tempos` between acts.
    history: VecDeque<Option<Copied>>,
    cost: u64,
}

impl CopyingMiner {
    /// A copier serving with `identity.hotkeys[0]` on `identity.netuid`, its phase from
    /// `seed`.
    ///
    /// # Panics
    /// If `params` fail [`CopyingMinerParams::validate`] or `identity` has no hotkey.
    pub fn new(identity: Identity, params: CopyingMinerParams, seed: u64) -> CopyingMiner {
        expect_valid("copying miner parameters", params.validate());
        let hotkey = *identity
            .hotkeys
            .first()
            .expect("a copying miner needs a hotkey");
        CopyingMiner {
            hotkey,
            netuid: identity.netuid,
            lag_tempos: usize::try_from(params.lag_tempos).unwrap_or(usize::MAX),
            cost_per_tempo: params.cost_per_tempo,
            clock: TempoClock::new(seed),
            history: VecDeque::new(),
            cost: 0,
        }
    }

    /// The copier's hotkey.
    pub fn hotkey(&self) -> HotkeyId {
        self.hotkey
    }

    /// The best miner's work as the view shows it now (see the module docs).
    fn observe(&self, view: &dyn ChainView, me: Option<u16>) -> Option<Copied> {
        let n = view.subnet(self.netuid)?.n;
        let mut best: Option<(f64, u16, &[f64], u16)> = None;
        for uid in (0..n).filter(|&u| Some(u) != me) {
            let (Some(neuron), Some(served)) =
                (view.neuron(self.netuid, uid), view.served(self.netuid, uid))
            else {
                continue;
            };
            let original = served.copy_of.unwrap_or(uid);
            if Some(original) == me {
                continue;
            }
            // Strictly greater: ties keep the lower uid, seen first.
            if best.is_none_or(|b| neuron.incentive > b.0) {
                best = Some((neuron.incentive, uid, &served.quality[..], original));
            }
        }
        best.map(|(_, _, quality, original)| Copied {
            original,
            quality: quality.to_vec(),
        })
    }
}

impl Agent for CopyingMiner {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        if !self.clock.due(view, self.netuid) {
            return;
        }
        let me = view.uid_of(self.netuid, self.hotkey);
        let seen = self.observe(view, me);
        self.history.push_back(seen);
        if self.history.len() <= self.lag_tempos {
            return;
        }
        let Some(Some(copy)) = self.history.pop_front() else {
            return;
        };
        if me.is_none() {
            return;
        }
        actions.push(Action::Serve {
            hotkey: self.hotkey,
            netuid: self.netuid,
            quality: copy.quality,
            copy_of: Some(copy.original),
        });
        self.cost = self.cost.saturating_add(self.cost_per_tempo);
    }

    fn next_block(&self, now: u64) -> u64 {
        self.clock.next_block(now)
    }

    fn kind(&self) -> &str {
        "copying-miner"
    }

    fn cost(&self) -> u64 {
        self.cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::units::{Block, ColdkeyId};
    use crate::view::{NeuronView, Served};

    const NET: NetUid = NetUid(1);
    const SEED: u64 = 365; // phase 5 at tempo 360
    const ME: u16 = 3;

    fn copier(lag_tempos: u32) -> CopyingMiner {
        CopyingMiner::new(
            Identity {
                coldkey: ColdkeyId(3),
                hotkeys: vec![HotkeyId(u32::from(ME))],
                netuid: NET,
            },
            CopyingMinerParams {
                lag_tempos,
                cost_per_tempo: 2,
            },
            SEED,
        )
    }

    /// Uids 0..4 (hotkey i at uid i); the copier is uid 3.
    fn view() -> MockView {
        MockView::subnet(NET, 4)
    }

    fn set(view: &mut MockView, uid: u16, incentive: f64, quality: f64, copy_of: Option<u16>) {
        view.neurons.get_mut(&(NET, uid)).unwrap().incentive = incentive;
        view.served.insert(
            (NET, uid),
            Served {
                block: Block(view.block),
                quality: vec![quality].into(),
                copy_of,
            },
        );
    }

    /// Acts at the phase block of tempo `t`.
    fn act_at(c: &mut CopyingMiner, view: &mut MockView, t: u64) -> Vec<Action> {
        view.block = t * 360 + 5;
        let mut actions = Vec::new();
        c.act(view, &mut actions);
        actions
    }

    fn serve(quality: f64, copy_of: u16) -> Vec<Action> {
        vec![Action::Serve {
            hotkey: HotkeyId(u32::from(ME)),
            netuid: NET,
            quality: vec![quality],
            copy_of: Some(copy_of),
        }]
    }

    #[test]
    fn serves_the_best_work_from_lag_tempos_ago_and_follows_a_new_best_after_the_lag() {
        let mut c = copier(2);
        let mut v = view();
        // Tempo t: uid 1 serves 0.50 + t/100 and leads before tempo 3; uid 2 serves 0.30 + t/100
        // and leads from tempo 3.
        let mut served = Vec::new();
        for t in 0..7 {
            let lead = if t < 3 { (0.6, 0.4) } else { (0.4, 0.6) };
            set(&mut v, 1, lead.0, (50 + t) as f64 / 100.0, None);
            set(&mut v, 2, lead.1, (30 + t) as f64 / 100.0, None);
            served.push(act_at(&mut c, &mut v, t));
        }
        assert_eq!(served[0], vec![]);
        assert_eq!(served[1], vec![]);
        assert_eq!(served[2], serve(0.5, 1));
        assert_eq!(served[3], serve(0.51, 1));
        assert_eq!(served[4], serve(0.52, 1));
        assert_eq!(served[5], serve(0.33, 2));
        assert_eq!(served[6], serve(0.34, 2));
        assert_eq!(c.cost(), 5 * 2);
        assert_eq!(c.kind(), "copying-miner");
    }

    #[test]
    fn acts_only_at_its_phase() {
        let mut c = copier(1);
        let mut v = view();
        set(&mut v, 1, 0.5, 0.7, None);
        v.block = 1; // the engine's first wake-up: learn the tempo only
        let mut actions = Vec::new();
        c.act(&v, &mut actions);
        assert_eq!(c.next_block(1), 5);
        assert!(act_at(&mut c, &mut v, 0).is_empty());
        assert_eq!(act_at(&mut c, &mut v, 1), serve(0.7, 1));
        assert!(actions.is_empty());
    }

    #[test]
    fn ignores_itself_breaks_ties_by_lower_uid_and_names_the_original_of_a_copy() {
        let mut c = copier(1);
        let mut v = view();
        // The copier leads, uids 1 and 2 tie: uid 1 is copied.
        set(&mut v, ME, 0.9, 0.1, Some(2));
        set(&mut v, 1, 0.4, 0.6, None);
        set(&mut v, 2, 0.4, 0.7, None);
        act_at(&mut c, &mut v, 0);
        // Uid 2 leads with a copy of uid 0's work: the copy names uid 0.
        set(&mut v, 2, 0.5, 0.8, Some(0));
        assert_eq!(act_at(&mut c, &mut v, 1), serve(0.6, 1));
        // Uid 2 now serves a copy of the copier's own work: skipped for uid 1.
        set(&mut v, 2, 0.5, 0.8, Some(ME));
        assert_eq!(act_at(&mut c, &mut v, 2), serve(0.8, 0));
        assert_eq!(act_at(&mut c, &mut v, 3), serve(0.6, 1));
    }

    #[test]
    fn nothing_to_copy_or_unregistered_serves_nothing_but_keeps_the_lag() {
        let mut c = copier(1);
        let mut v = view();
        // Nobody has served: an empty tempo.
        act_at(&mut c, &mut v, 0);
        set(&mut v, 1, 0.0, 0.6, None);
        assert!(act_at(&mut c, &mut v, 1).is_empty());
        // Deregistered: it watches (records 0.61) but does not serve 0.6.
        v.neurons.remove(&(NET, ME));
        set(&mut v, 1, 0.0, 0.61, None);
        assert!(act_at(&mut c, &mut v, 2).is_empty());
        v.neurons.insert(
            (NET, ME),
            NeuronView {
                hotkey: HotkeyId(u32::from(ME)),
                ..Default::default()
            },
        );
        assert_eq!(act_at(&mut c, &mut v, 3), serve(0.61, 1));
        assert_eq!(c.cost(), 2);
    }

    #[test]
    fn params_parse_with_defaults_and_reject_bad_values() {
        let p: CopyingMinerParams = serde_json::from_str("{}").unwrap();
        assert_eq!(p, CopyingMinerParams::default());
        assert!(p.validate().is_ok());
        let p: CopyingMinerParams =
            serde_json::from_str(r#"{"lag_tempos": 0, "cost_per_tempo": 5}"#).unwrap();
        assert_eq!(
            p.validate().unwrap_err(),
            "`lag_tempos` must be at least 1, got `0`"
        );
        for json in [r#"{"lag": 2}"#, r#"{"lag_tempos": -1}"#] {
            assert!(
                serde_json::from_str::<CopyingMinerParams>(json).is_err(),
                "{json}"
            );
        }
    }
}
