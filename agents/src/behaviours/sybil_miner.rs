//! One operator behind k miner hotkeys serving one model: a sybil farm.
//!
//! # Behaviour
//!
//! The operator owns `k = identity.hotkeys.len()` hotkeys (at least one) under one coldkey,
//! all on its subnet. It acts once per tempo at its phase, `seed % tempo`, like the honest
//! miner (an act on another block, such as the engine's first wake-up at block 1, only
//! learns the tempo). At each act, in hotkey order:
//!
//! 1. it pushes one [`Action::Register`] (paid by its coldkey at the current burn) for every
//!    hotkey that is not registered, so the farm pays k burns over time, and pays again for
//!    any hotkey that gets pruned. A refused registration is simply retried at the next act.
//!    A hotkey registered in this act serves from the next one;
//! 2. if at least one hotkey is registered, it advances its one model's quality by one tempo
//!    (environments in order, from the agent's own [`stream`](super::stream)`(seed)`) and serves it from
//!    every registered hotkey. The *original* is the first registered hotkey in identity
//!    order (the first hotkey whenever it is registered): it serves with `copy_of: None`.
//!    Every other registered hotkey serves the same qualities with `copy_of: Some(uid of the
//!    original)` if `mark_copies`, or `copy_of: None` otherwise.
//!
//! Each served hotkey adds `cost_per_tempo` to the off-chain cost.
//!
//! # Parameters ([`SybilMinerParams`])
//!
//! - `quality` (required, non-empty): the model's [`QualityModel`], one per evaluation
//!   environment, each valid per [`QualityModel::validate`].
//! - `mark_copies` (default `true`): `true` models sybils serving duplicates of one model
//!   (what validators may detect as copies); `false` models a farm whose outputs are distinct
//!   but equally good (nothing to detect).
//! - `cost_per_tempo` (default `0`): off-chain cost per hotkey served per tempo, in rao of
//!   TAO; every value is valid. Reported by [`Agent::cost`].

use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_miner::{TempoClock, Work, expect_valid, validate_quality};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{ColdkeyId, HotkeyId, NetUid};
use crate::view::ChainView;
use crate::work::QualityModel;

/// Parameters of a [`SybilMiner`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SybilMinerParams {
    /// The one model served, one quality model per evaluation environment (at least one).
    pub quality: Vec<QualityModel>,
    /// Mark the other hotkeys' output as copies of the first's (default true).
    #[serde(default = "yes")]
    pub mark_copies: bool,
    /// Off-chain cost per hotkey served per tempo, in rao of TAO (default 0).
    #[serde(default)]
    pub cost_per_tempo: u64,
}

fn yes() -> bool {
    true
}

impl SybilMinerParams {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        validate_quality(&self.quality)
    }
}

/// A sybil operator; see the module docs.
#[derive(Clone, Debug)]
pub struct SybilMiner {
    coldkey: ColdkeyId,
    hotkeys: Vec<HotkeyId>,
    netuid: NetUid,
    mark_copies: bool,
    cost_per_tempo: u64,
    clock: TempoClock,
    work: Work,
    cost: u64,
}

impl SybilMiner {
    /// An operator of `identity.hotkeys` on `identity.netuid`, paying from
    /// `identity.coldkey`, its randomness and phase from `seed`.
    ///
    /// # Panics
    /// If `params` fail [`SybilMinerParams::validate`] or `identity` has no hotkey.
    pub fn new(identity: Identity, params: SybilMinerParams, seed: u64) -> SybilMiner {
        expect_valid("sybil miner parameters", params.validate());
        assert!(
            !identity.hotkeys.is_empty(),
            "a sybil miner needs at least one hotkey"
        );
        SybilMiner {
            coldkey: identity.coldkey,
            hotkeys: identity.hotkeys,
            netuid: identity.netuid,
            mark_copies: params.mark_copies,
            cost_per_tempo: params.cost_per_tempo,
            clock: TempoClock::new(seed),
            work: Work::new(&params.quality, seed),
            cost: 0,
        }
    }

    /// The operator's hotkeys, the first being the original.
    pub fn hotkeys(&self) -> &[HotkeyId] {
        &self.hotkeys
    }
}

impl Agent for SybilMiner {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        if !self.clock.due(view, self.netuid) {
            return;
        }
        let mut registered = Vec::with_capacity(self.hotkeys.len());
        for &hotkey in &self.hotkeys {
            match view.uid_of(self.netuid, hotkey) {
                Some(uid) => registered.push((hotkey, uid)),
                None => actions.push(Action::Register {
                    coldkey: self.coldkey,
                    hotkey,
                    netuid: self.netuid,
                }),
            }
        }
        let Some(&(_, original)) = registered.first() else {
            return;
        };
        let quality = self.work.advance();
        for (i, &(hotkey, _)) in registered.iter().enumerate() {
            let copy_of = (i > 0 && self.mark_copies).then_some(original);
            actions.push(Action::Serve {
                hotkey,
                netuid: self.netuid,
                quality: quality.clone(),
                copy_of,
            });
            self.cost = self.cost.saturating_add(self.cost_per_tempo);
        }
    }

    fn next_block(&self, now: u64) -> u64 {
        self.clock.next_block(now)
    }

    fn kind(&self) -> &str {
        "sybil-miner"
    }

    fn cost(&self) -> u64 {
        self.cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::view::NeuronView;

    const NET: NetUid = NetUid(1);
    const SEED: u64 = 2; // phase 2 at tempo 360

    /// Hotkeys 1, 5, 2: in a view of uids 0..3 (hotkey i at uid i), 1 and 2 are registered.
    fn sybil(mark_copies: bool) -> SybilMiner {
        SybilMiner::new(
            Identity {
                coldkey: ColdkeyId(7),
                hotkeys: vec![HotkeyId(1), HotkeyId(5), HotkeyId(2)],
                netuid: NET,
            },
            SybilMinerParams {
                quality: vec![QualityModel::Static { quality: 0.7 }],
                mark_copies,
                cost_per_tempo: 10,
            },
            SEED,
        )
    }

    fn act_at(s: &mut SybilMiner, view: &mut MockView, t: u64) -> Vec<Action> {
        view.block = t * 360 + SEED;
        let mut actions = Vec::new();
        s.act(view, &mut actions);
        actions
    }

    fn register(hotkey: u32) -> Action {
        Action::Register {
            coldkey: ColdkeyId(7),
            hotkey: HotkeyId(hotkey),
            netuid: NET,
        }
    }

    fn serve(hotkey: u32, copy_of: Option<u16>) -> Action {
        Action::Serve {
            hotkey: HotkeyId(hotkey),
            netuid: NET,
            quality: vec![0.7],
            copy_of,
        }
    }

    fn register_hotkey_5_at_uid_3(view: &mut MockView) {
        view.neurons.insert(
            (NET, 3),
            NeuronView {
                hotkey: HotkeyId(5),
                coldkey: ColdkeyId(7),
                ..NeuronView::default()
            },
        );
    }

    #[test]
    fn registers_missing_hotkeys_and_marks_copies_of_the_first() {
        let mut s = sybil(true);
        let mut v = MockView::subnet(NET, 3);
        assert_eq!(
            act_at(&mut s, &mut v, 0),
            vec![register(5), serve(1, None), serve(2, Some(1))]
        );
        register_hotkey_5_at_uid_3(&mut v);
        assert_eq!(
            act_at(&mut s, &mut v, 1),
            vec![serve(1, None), serve(5, Some(1)), serve(2, Some(1))]
        );
        assert_eq!(s.cost(), 50);
        assert_eq!(s.kind(), "sybil-miner");
    }

    #[test]
    fn unmarked_sybils_serve_as_distinct_miners() {
        let mut s = sybil(false);
        let mut v = MockView::subnet(NET, 3);
        register_hotkey_5_at_uid_3(&mut v);
        assert_eq!(
            act_at(&mut s, &mut v, 0),
            vec![serve(1, None), serve(5, None), serve(2, None)]
        );
    }

    #[test]
    fn the_first_registered_hotkey_is_the_original_and_pruned_hotkeys_reregister() {
        let mut s = sybil(true);
        let mut v = MockView::subnet(NET, 3);
        register_hotkey_5_at_uid_3(&mut v);
        v.neurons.remove(&(NET, 1)); // hotkey 1 pruned
        assert_eq!(
            act_at(&mut s, &mut v, 0),
            vec![register(1), serve(5, None), serve(2, Some(3))]
        );
        // Nothing registered: only registrations, no work advanced.
        let mut v = MockView::subnet(NET, 1);
        assert_eq!(
            act_at(&mut s, &mut v, 1),
            vec![register(1), register(5), register(2)]
        );
    }

    #[test]
    fn acts_only_at_its_phase() {
        let mut s = sybil(true);
        let mut v = MockView::subnet(NET, 3);
        v.block = 1;
        let mut actions = Vec::new();
        s.act(&v, &mut actions);
        assert!(actions.is_empty());
        assert_eq!(s.next_block(1), 2);
        assert_eq!(s.next_block(2), 362);
    }

    #[test]
    fn params_parse_with_defaults_and_reject_bad_values() {
        let p: SybilMinerParams =
            serde_json::from_str(r#"{"quality": [{"model": "static", "quality": 0.5}]}"#).unwrap();
        assert!(p.mark_copies);
        assert_eq!(p.cost_per_tempo, 0);
        assert!(p.validate().is_ok());
        let p: SybilMinerParams = serde_json::from_str(
            r#"{"quality": [{"model": "learning_curve", "start": 0.1, "ceiling": 2, "rate": 1}],
                "mark_copies": false}"#,
        )
        .unwrap();
        assert_eq!(
            p.validate().unwrap_err(),
            "`quality[0]`: `ceiling` must be in [0, 1], got `2`"
        );
        let p: SybilMinerParams = serde_json::from_str(r#"{"quality": []}"#).unwrap();
        assert_eq!(
            p.validate().unwrap_err(),
            "`quality` must list at least one model, got `[]`"
        );
        for json in [
            r#"{"quality": [{"model": "static", "quality": 0.5}], "k": 3}"#,
            r#"{"quality": [{"model": "static", "quality": 0.5}], "mark_copies": "yes"}"#,
            r#"{"mark_copies": true}"#,
        ] {
            assert!(
                serde_json::from_str::<SybilMinerParams>(json).is_err(),
                "{json}"
            );
        }
    }
}
