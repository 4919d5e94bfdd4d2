//! A miner that does its own work and serves it once per tempo.
//!
//! # Behaviour
//!
//! The miner operates one hotkey (the first of its [`Identity`]) on its subnet. It acts once
//! per tempo, at the block whose offset within the tempo is its *phase*, `seed % tempo` (the
//! tempo is read from the subnet at every act), so that a population of miners spreads over
//! the tempo instead of acting all at once. An act that falls on another block (the engine
//! wakes every agent at block 1) only learns the tempo and schedules the next act.
//!
//! At each act, if its hotkey is registered on the subnet, it advances the true quality of
//! every evaluation environment by one tempo (environments in order, all from the agent's own
//! [`ChaCha8Rng`], [`stream`]`(seed)`), then pushes one [`Action::Serve`] with the new
//! qualities and `copy_of: None`, and adds `cost_per_tempo` to its off-chain cost. An
//! unregistered miner (never registered, or pruned) does nothing: its quality does not
//! advance and it costs nothing. It never registers itself; the scenario registers it.
//!
//! # Parameters ([`HonestMinerParams`])
//!
//! - `quality` (required, non-empty): one [`QualityModel`] per evaluation environment, each
//!   valid per [`QualityModel::validate`]. The number of entries is the number of qualities
//!   served.
//! - `cost_per_tempo` (default `0`): off-chain cost of doing the work and serving it, in rao
//!   of TAO per tempo served; every value is valid. Reported by [`Agent::cost`].
//!
//! # Determinism
//!
//! The served qualities are a function of `(params, seed)` and of the tempos at which the
//! hotkey was registered; nothing else is random.
//!
//! The scheduling (`TempoClock`) and the evolving work (`Work`) are crate-private helpers
//! shared with the other miner behaviours.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Identity, stream};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;
use crate::work::{Quality, QualityModel};

/// Parameters of an [`HonestMiner`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HonestMinerParams {
    /// One quality model per evaluation environment (at least one).
    pub quality: Vec<QualityModel>,
    /// Off-chain cost per tempo served, in rao of TAO (default 0).
    #[serde(default)]
    pub cost_per_tempo: u64,
}

impl HonestMinerParams {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        validate_quality(&self.quality)
    }
}

/// Checks a `quality` list: non-empty, every model valid. Shared by the miner behaviours.
pub(crate) fn validate_quality(quality: &[QualityModel]) -> Result<(), String> {
    if quality.is_empty() {
        return Err("`quality` must list at least one model, got `[]`".into());
    }
    for (i, model) in quality.iter().enumerate() {
        model
            .validate()
            .map_err(|e| format!("`quality[{i}]`: {e}"))?;
    }
    Ok(())
}

/// Once-per-tempo scheduling at a phase derived from the seed, shared by the miner
/// behaviours. The tempo is learned from the view at each act; until the first act it is 360.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TempoClock {
    seed: u64,
    tempo: u64,
}

impl TempoClock {
    pub(crate) fn new(seed: u64) -> TempoClock {
        TempoClock { seed, tempo: 360 }
    }

    /// The block offset within the tempo at which the agent acts.
    pub(crate) fn phase(&self) -> u64 {
        self.seed % self.tempo
    }

    /// Learns the subnet's tempo; true if the current block is the agent's act block. False
    /// (and nothing learned) if the subnet does not exist.
    pub(crate) fn due(&mut self, view: &dyn ChainView, netuid: NetUid) -> bool {
        let Some(subnet) = view.subnet(netuid) else {
            return false;
        };
        self.tempo = subnet.tempo.max(1);
        view.block().0 % self.tempo == self.phase()
    }

    /// The next block at the phase modulo the tempo, strictly after `now`.
    pub(crate) fn next_block(&self, now: u64) -> u64 {
        let t = self.tempo;
        let base = now - now % t + self.phase();
        if base > now { base } else { base + t }
    }
}

/// True qualities in motion, one per environment, advanced from one random stream. Shared by
/// the miner behaviours.
#[derive(Clone, Debug)]
pub(crate) struct Work {
    qualities: Vec<Quality>,
    rng: ChaCha8Rng,
}

impl Work {
    pub(crate) fn new(models: &[QualityModel], seed: u64) -> Work {
        Work {
            qualities: models.iter().cloned().map(Quality::new).collect(),
            rng: stream(seed),
        }
    }

    /// Advances every environment one tempo, in order; returns the new qualities.
    pub(crate) fn advance(&mut self) -> Vec<f64> {
        let rng = &mut self.rng;
        self.qualities.iter_mut().map(|q| q.advance(rng)).collect()
    }
}

/// Panics with `what` and the message if `result` is an error (constructors of behaviours
/// refuse invalid parameters loudly; scenarios validate them first).
pub(crate) fn expect_valid(what: &str, result: Result<(), String>) {
    if let Err(e) = result {
        panic!("invalid {what}: {e}");
    }
}

/// A miner serving its own work; see the module docs.
#[derive(Clone, Debug)]
pub struct HonestMiner {
    hotkey: HotkeyId,
    netuid: NetUid,
    cost_per_tempo: u64,
    clock: TempoClock,
    work: Work,
    cost: u64,
}

impl HonestMiner {
    /// A miner serving with `identity.hotkeys[0]` on `identity.netuid`, its randomness and
    /// phase from `seed`.
    ///
    /// # Panics
    /// If `params` fail [`HonestMinerParams::validate`] or `identity` has no hotkey.
    pub fn new(identity: Identity, params: HonestMinerParams, seed: u64) -> HonestMiner {
        expect_valid("honest miner parameters", params.validate());
        let hotkey = *identity
            .hotkeys
            .first()
            .expect("an honest miner needs a hotkey");
        HonestMiner {
            hotkey,
            netuid: identity.netuid,
            cost_per_tempo: params.cost_per_tempo,
            clock: TempoClock::new(seed),
            work: Work::new(&params.quality, seed),
            cost: 0,
        }
    }

    /// The miner's hotkey.
    pub fn hotkey(&self) -> HotkeyId {
        self.hotkey
    }
}

impl Agent for HonestMiner {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        if !self.clock.due(view, self.netuid) || view.uid_of(self.netuid, self.hotkey).is_none() {
            return;
        }
        actions.push(Action::Serve {
            hotkey: self.hotkey,
            netuid: self.netuid,
            quality: self.work.advance(),
            copy_of: None,
        });
        self.cost = self.cost.saturating_add(self.cost_per_tempo);
    }

    fn next_block(&self, now: u64) -> u64 {
        self.clock.next_block(now)
    }

    fn kind(&self) -> &str {
        "honest-miner"
    }

    fn cost(&self) -> u64 {
        self.cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::units::ColdkeyId;

    const NET: NetUid = NetUid(1);

    fn identity(hotkey: u32) -> Identity {
        Identity {
            coldkey: ColdkeyId(hotkey),
            hotkeys: vec![HotkeyId(hotkey)],
            netuid: NET,
        }
    }

    fn params(quality: Vec<QualityModel>, cost_per_tempo: u64) -> HonestMinerParams {
        HonestMinerParams {
            quality,
            cost_per_tempo,
        }
    }

    /// Drives `agent` the way the engine does (first wake at block 1, then `next_block`) up
    /// to `end`; returns the acts that pushed actions, with their block.
    fn drive(agent: &mut dyn Agent, view: &mut MockView, end: u64) -> Vec<(u64, Vec<Action>)> {
        let mut out = Vec::new();
        let mut b = 1;
        while b <= end {
            view.block = b;
            let mut actions = Vec::new();
            agent.act(view, &mut actions);
            if !actions.is_empty() {
                out.push((b, actions));
            }
            let next = agent.next_block(b);
            assert!(next > b);
            b = next;
        }
        out
    }

    fn served(actions: &[Action]) -> Vec<f64> {
        match actions {
            [
                Action::Serve {
                    quality, copy_of, ..
                },
            ] => {
                assert_eq!(*copy_of, None);
                quality.clone()
            }
            other => panic!("expected one serve, got {other:?}"),
        }
    }

    #[test]
    fn serves_once_per_tempo_at_its_phase_following_the_model() {
        let seed = 1000; // phase 1000 % 360 = 280
        let model = QualityModel::LearningCurve {
            start: 0.2,
            ceiling: 0.8,
            rate: 0.5,
        };
        let mut miner = HonestMiner::new(
            identity(2),
            params(vec![model, QualityModel::Static { quality: 0.4 }], 0),
            seed,
        );
        let mut view = MockView::subnet(NET, 3);
        let acts = drive(&mut miner, &mut view, 4 * 360);
        let blocks: Vec<u64> = acts.iter().map(|a| a.0).collect();
        assert_eq!(blocks, vec![280, 640, 1000, 1360]);
        for (t, (_, actions)) in acts.iter().enumerate() {
            let expected = 0.8 - (0.8 - 0.2) * (-0.5 * (t + 1) as f64).exp();
            assert_eq!(served(actions), vec![expected, 0.4]);
            assert!(matches!(
                actions[0],
                Action::Serve {
                    hotkey: HotkeyId(2),
                    netuid: NET,
                    ..
                }
            ));
        }
    }

    #[test]
    fn next_block_is_strictly_after_now_at_the_learned_tempo() {
        let mut miner = HonestMiner::new(
            identity(0),
            params(vec![QualityModel::Static { quality: 0.5 }], 0),
            25,
        );
        assert_eq!(miner.next_block(0), 25);
        assert_eq!(miner.next_block(25), 385);
        let mut view = MockView::subnet(NET, 1);
        view.subnets.get_mut(&NET).unwrap().tempo = 10;
        view.block = 1;
        miner.act(&view, &mut Vec::new());
        // Phase 25 % 10 = 5.
        assert_eq!(miner.next_block(1), 5);
        assert_eq!(miner.next_block(5), 15);
        assert_eq!(miner.next_block(14), 15);
    }

    #[test]
    fn qualities_are_reproducible_from_the_seed() {
        let walk = QualityModel::RandomWalk {
            start: 0.5,
            step: 0.1,
            min: 0.0,
            max: 1.0,
        };
        let run = |seed: u64| {
            let mut miner = HonestMiner::new(identity(0), params(vec![walk.clone(); 2], 0), seed);
            let mut view = MockView::subnet(NET, 1);
            drive(&mut miner, &mut view, 20 * 360)
                .iter()
                .map(|(_, a)| served(a))
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a.len(), 20);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        // Both environments walk, from the same stream but not in lockstep.
        assert!(a.iter().any(|q| q[0] != q[1]));
    }

    #[test]
    fn an_unregistered_miner_serves_nothing_and_costs_nothing() {
        let mut miner = HonestMiner::new(
            identity(9),
            params(vec![QualityModel::Static { quality: 0.5 }], 3),
            0,
        );
        let mut view = MockView::subnet(NET, 3);
        assert!(drive(&mut miner, &mut view, 3 * 360).is_empty());
        assert_eq!(miner.cost(), 0);
        // Registered: it serves and pays per tempo served.
        let mut miner = HonestMiner::new(
            identity(1),
            params(vec![QualityModel::Static { quality: 0.5 }], 3),
            0,
        );
        assert_eq!(drive(&mut miner, &mut view, 3 * 360).len(), 3);
        assert_eq!(miner.cost(), 9);
        assert_eq!(miner.kind(), "honest-miner");
    }

    #[test]
    fn params_parse_with_defaults_and_reject_bad_values() {
        let p: HonestMinerParams =
            serde_json::from_str(r#"{"quality": [{"model": "static", "quality": 0.5}]}"#).unwrap();
        assert_eq!(p, params(vec![QualityModel::Static { quality: 0.5 }], 0));
        assert!(p.validate().is_ok());

        let cases = [
            (
                r#"{"quality": []}"#,
                "`quality` must list at least one model, got `[]`",
            ),
            (
                r#"{"quality": [{"model": "static", "quality": 0.5},
                               {"model": "random_walk", "start": 0.5, "step": -1}]}"#,
                "`quality[1]`: `step` must be a finite number >= 0, got `-1`",
            ),
        ];
        for (json, message) in cases {
            let p: HonestMinerParams = serde_json::from_str(json).unwrap();
            assert_eq!(p.validate().unwrap_err(), message);
        }
        for json in [
            r#"{"quality": [{"model": "static", "quality": 0.5}], "cost": 1}"#,
            r#"{"cost_per_tempo": 1}"#,
            r#"{"quality": [{"model": "static", "quality": 0.5}], "cost_per_tempo": -1}"#,
        ] {
            assert!(
                serde_json::from_str::<HonestMinerParams>(json).is_err(),
                "{json}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "invalid honest miner parameters: `quality` must list")]
    fn new_refuses_invalid_params() {
        let _ = HonestMiner::new(identity(0), params(vec![], 0), 0);
    }
}
