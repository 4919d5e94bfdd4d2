//! A subnet owner that also mines its own subnet.
//!
//! # Behaviour
//!
//! `identity.hotkeys[0]` is the owner hotkey; the rest, `own_miners = hotkeys.len() - 1` of
//! them (possibly none), are miner hotkeys that the owner runs on its subnet
//! (`identity.netuid`), paid from `identity.coldkey`. The chain burns the incentive earned by
//! uids owned by the subnet owner, so every slot the owner's miners win is emission taken
//! from other miners and burned: modelling these miners is what makes that visible.
//!
//! The owner acts once per tempo at its phase, `seed % tempo`, like the honest miner (an act
//! on another block, such as the engine's first wake-up at block 1, only learns the tempo;
//! while the subnet does not exist it does nothing). At each act, in hotkey order:
//!
//! 1. if `register_miners`, it pushes one [`Action::Register`] for every miner hotkey that
//!    is not registered (at the current burn; a refused registration is retried at the next
//!    act, a hotkey registered in this act serves from the next one);
//! 2. if at least one miner hotkey is registered, it advances its one model's quality by one
//!    tempo (environments in order, from the agent's own [`stream`](super::stream)`(seed)`)
//!    and serves the same qualities from every registered miner hotkey, with
//!    `copy_of: None`: the owner runs one miner implementation behind several hotkeys.
//!
//! The owner hotkey itself never serves and is never registered by this behaviour. Nothing
//! else the owner may do (start the subnet, set its take) is part of it: scenarios schedule
//! those actions. It reports no off-chain cost.
//!
//! # Parameters ([`OwnerParams`])
//!
//! - `quality` (required, non-empty): the owner's miner model, one [`QualityModel`] per
//!   evaluation environment, each valid per [`QualityModel::validate`].
//! - `register_miners` (default `true`): register missing miner hotkeys; `false` when the
//!   scenario registers them, in which case an unregistered miner hotkey just does not serve.

use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_miner::{TempoClock, Work, expect_valid, validate_quality};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{ColdkeyId, HotkeyId, NetUid};
use crate::view::ChainView;
use crate::work::QualityModel;

/// Parameters of an [`Owner`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerParams {
    /// The owner's miner model, one quality model per evaluation environment (at least one).
    pub quality: Vec<QualityModel>,
    /// Register missing miner hotkeys (default true).
    #[serde(default = "yes")]
    pub register_miners: bool,
}

fn yes() -> bool {
    true
}

impl OwnerParams {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        validate_quality(&self.quality)
    }
}

/// A subnet owner running its own miners; see the module docs.
#[derive(Clone, Debug)]
pub struct Owner {
    coldkey: ColdkeyId,
    owner_hotkey: HotkeyId,
    miners: Vec<HotkeyId>,
    netuid: NetUid,
    register_miners: bool,
    clock: TempoClock,
    work: Work,
}

impl Owner {
    /// The owner of `identity.netuid`: `identity.hotkeys[0]` is its owner hotkey, the rest
    /// its miner hotkeys; randomness and phase from `seed`.
    ///
    /// # Panics
    /// If `params` fail [`OwnerParams::validate`] or `identity` has no hotkey.
    pub fn new(identity: Identity, params: OwnerParams, seed: u64) -> Owner {
        expect_valid("subnet owner parameters", params.validate());
        let (&owner_hotkey, miners) = identity
            .hotkeys
            .split_first()
            .expect("a subnet owner needs an owner hotkey");
        Owner {
            coldkey: identity.coldkey,
            owner_hotkey,
            miners: miners.to_vec(),
            netuid: identity.netuid,
            register_miners: params.register_miners,
            clock: TempoClock::new(seed),
            work: Work::new(&params.quality, seed),
        }
    }

    /// The owner hotkey.
    pub fn owner_hotkey(&self) -> HotkeyId {
        self.owner_hotkey
    }

    /// The owner's miner hotkeys (`own_miners` of them).
    pub fn miner_hotkeys(&self) -> &[HotkeyId] {
        &self.miners
    }
}

impl Agent for Owner {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        if !self.clock.due(view, self.netuid) {
            return;
        }
        let mut registered = Vec::with_capacity(self.miners.len());
        for &hotkey in &self.miners {
            if view.uid_of(self.netuid, hotkey).is_some() {
                registered.push(hotkey);
            } else if self.register_miners {
                actions.push(Action::Register {
                    coldkey: self.coldkey,
                    hotkey,
                    netuid: self.netuid,
                });
            }
        }
        if registered.is_empty() {
            return;
        }
        let quality = self.work.advance();
        for hotkey in registered {
            actions.push(Action::Serve {
                hotkey,
                netuid: self.netuid,
                quality: quality.clone(),
                copy_of: None,
            });
        }
    }

    fn next_block(&self, now: u64) -> u64 {
        self.clock.next_block(now)
    }

    fn kind(&self) -> &str {
        "subnet-owner"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::view::NeuronView;

    const NET: NetUid = NetUid(1);
    const SEED: u64 = 400; // phase 40 at tempo 360

    /// Owner hotkey 0 (uid 0 in a view of uids 0..2), miner hotkeys 7 and 8.
    fn owner(register_miners: bool) -> Owner {
        Owner::new(
            Identity {
                coldkey: ColdkeyId(0),
                hotkeys: vec![HotkeyId(0), HotkeyId(7), HotkeyId(8)],
                netuid: NET,
            },
            OwnerParams {
                quality: vec![
                    QualityModel::LearningCurve {
                        start: 0.0,
                        ceiling: 1.0,
                        rate: 1.0,
                    },
                    QualityModel::Static { quality: 0.3 },
                ],
                register_miners,
            },
            SEED,
        )
    }

    fn act_at(o: &mut Owner, view: &mut MockView, t: u64) -> Vec<Action> {
        view.block = t * 360 + 40;
        let mut actions = Vec::new();
        o.act(view, &mut actions);
        actions
    }

    fn register(hotkey: u32) -> Action {
        Action::Register {
            coldkey: ColdkeyId(0),
            hotkey: HotkeyId(hotkey),
            netuid: NET,
        }
    }

    fn serve(hotkey: u32, t: i32) -> Action {
        Action::Serve {
            hotkey: HotkeyId(hotkey),
            netuid: NET,
            quality: vec![1.0 - (1.0 - 0.0) * (-f64::from(t)).exp(), 0.3],
            copy_of: None,
        }
    }

    fn add(view: &mut MockView, uid: u16, hotkey: u32) {
        view.neurons.insert(
            (NET, uid),
            NeuronView {
                hotkey: HotkeyId(hotkey),
                coldkey: ColdkeyId(0),
                ..NeuronView::default()
            },
        );
    }

    #[test]
    fn registers_its_miners_then_serves_from_each() {
        let mut o = owner(true);
        let mut v = MockView::subnet(NET, 2);
        assert_eq!(act_at(&mut o, &mut v, 0), vec![register(7), register(8)]);
        add(&mut v, 2, 8);
        assert_eq!(act_at(&mut o, &mut v, 1), vec![register(7), serve(8, 1)]);
        add(&mut v, 3, 7);
        assert_eq!(act_at(&mut o, &mut v, 2), vec![serve(7, 2), serve(8, 2)]);
        assert_eq!(o.kind(), "subnet-owner");
        assert_eq!(o.owner_hotkey(), HotkeyId(0));
        assert_eq!(o.miner_hotkeys(), &[HotkeyId(7), HotkeyId(8)]);
        assert_eq!(o.cost(), 0);
    }

    #[test]
    fn without_registration_only_registered_miners_serve() {
        let mut o = owner(false);
        let mut v = MockView::subnet(NET, 2);
        assert!(act_at(&mut o, &mut v, 0).is_empty());
        add(&mut v, 2, 7);
        assert_eq!(act_at(&mut o, &mut v, 1), vec![serve(7, 1)]);
    }

    #[test]
    fn acts_only_at_its_phase_and_only_on_an_existing_subnet() {
        let mut o = owner(true);
        let mut v = MockView::subnet(NetUid(2), 2);
        assert!(act_at(&mut o, &mut v, 0).is_empty());
        let mut v = MockView::subnet(NET, 2);
        v.block = 1;
        let mut actions = Vec::new();
        o.act(&v, &mut actions);
        assert!(actions.is_empty());
        assert_eq!(o.next_block(1), 40);
        assert_eq!(o.next_block(40), 400);
    }

    #[test]
    fn params_parse_with_defaults_and_reject_bad_values() {
        let p: OwnerParams =
            serde_json::from_str(r#"{"quality": [{"model": "static", "quality": 0.5}]}"#).unwrap();
        assert!(p.register_miners);
        assert!(p.validate().is_ok());
        let p: OwnerParams = serde_json::from_str(
            r#"{"quality": [{"model": "random_walk", "start": 0.5, "step": 0.1, "min": 0.9, "max": 0.2}]}"#,
        )
        .unwrap();
        assert_eq!(
            p.validate().unwrap_err(),
            "`quality[0]`: `min` (0.9) must not exceed `max` (0.2)"
        );
        for json in [
            r#"{"quality": [{"model": "static", "quality": 0.5}], "own_miners": 2}"#,
            r#"{"register_miners": false}"#,
        ] {
            assert!(serde_json::from_str::<OwnerParams>(json).is_err(), "{json}");
        }
    }
}
