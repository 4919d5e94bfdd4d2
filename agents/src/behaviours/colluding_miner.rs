//! A cartel member on the mining side: it works and serves exactly like an honest miner, and
//! belongs to a named cartel whose validators favour it.
//!
//! # Behaviour
//!
//! Identical to [`HonestMiner`](super::honest_miner) with the same quality models, cost and
//! seed (same phase, same served qualities, same cost; see that module): once per tempo at
//! its phase, if registered, it advances its true qualities and serves them with
//! `copy_of: None`. The collusion is not in what the miner serves but in how the cartel's
//! validators weigh it: the scenario gives colluding validators the hotkeys of their cartel's
//! miners, matching them by [`ColludingMiner::cartel`]. The miner itself never lies about its
//! work.
//!
//! # Parameters ([`ColludingMinerParams`])
//!
//! - `quality` (required, non-empty): one [`QualityModel`] per evaluation environment, each
//!   valid per [`QualityModel::validate`].
//! - `cost_per_tempo` (default `0`): off-chain cost per tempo served, in rao of TAO; every
//!   value is valid. Reported by [`Agent::cost`].
//! - `cartel` (required): the cartel's name, non-empty and not only whitespace.

use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_miner::{HonestMiner, HonestMinerParams, expect_valid, validate_quality};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::HotkeyId;
use crate::view::ChainView;
use crate::work::QualityModel;

/// Parameters of a [`ColludingMiner`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColludingMinerParams {
    /// One quality model per evaluation environment (at least one).
    pub quality: Vec<QualityModel>,
    /// Off-chain cost per tempo served, in rao of TAO (default 0).
    #[serde(default)]
    pub cost_per_tempo: u64,
    /// The cartel the miner belongs to.
    pub cartel: String,
}

impl ColludingMinerParams {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        validate_quality(&self.quality)?;
        if self.cartel.trim().is_empty() {
            return Err(format!(
                "`cartel` must name a cartel, got `{:?}`",
                self.cartel
            ));
        }
        Ok(())
    }
}

/// A cartel's miner; see the module docs.
#[derive(Clone, Debug)]
pub struct ColludingMiner {
    miner: HonestMiner,
    cartel: String,
}

impl ColludingMiner {
    /// A cartel miner serving with `identity.hotkeys[0]` on `identity.netuid`, its
    /// randomness and phase from `seed`.
    ///
    /// # Panics
    /// If `params` fail [`ColludingMinerParams::validate`] or `identity` has no hotkey.
    pub fn new(identity: Identity, params: ColludingMinerParams, seed: u64) -> ColludingMiner {
        expect_valid("colluding miner parameters", params.validate());
        let ColludingMinerParams {
            quality,
            cost_per_tempo,
            cartel,
        } = params;
        let honest = HonestMinerParams {
            quality,
            cost_per_tempo,
        };
        ColludingMiner {
            miner: HonestMiner::new(identity, honest, seed),
            cartel,
        }
    }

    /// The cartel's name.
    pub fn cartel(&self) -> &str {
        &self.cartel
    }

    /// The miner's hotkey.
    pub fn hotkey(&self) -> HotkeyId {
        self.miner.hotkey()
    }
}

impl Agent for ColludingMiner {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        self.miner.act(view, actions);
    }

    fn next_block(&self, now: u64) -> u64 {
        self.miner.next_block(now)
    }

    fn kind(&self) -> &str {
        "colluding-miner"
    }

    fn cost(&self) -> u64 {
        self.miner.cost()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::units::{ColdkeyId, NetUid};

    const NET: NetUid = NetUid(1);

    fn identity() -> Identity {
        Identity {
            coldkey: ColdkeyId(1),
            hotkeys: vec![HotkeyId(1)],
            netuid: NET,
        }
    }

    fn walk() -> Vec<QualityModel> {
        vec![QualityModel::RandomWalk {
            start: 0.5,
            step: 0.05,
            min: 0.0,
            max: 1.0,
        }]
    }

    #[test]
    fn serves_like_an_honest_miner_with_the_same_seed() {
        let seed = 77;
        let mut cartel = ColludingMiner::new(
            identity(),
            ColludingMinerParams {
                quality: walk(),
                cost_per_tempo: 4,
                cartel: "north".into(),
            },
            seed,
        );
        let mut honest = HonestMiner::new(
            identity(),
            HonestMinerParams {
                quality: walk(),
                cost_per_tempo: 4,
            },
            seed,
        );
        let mut view = MockView::subnet(NET, 2);
        let mut served = 0;
        for b in 1..5 * 360 {
            view.block = b;
            let (mut a, mut h) = (Vec::new(), Vec::new());
            cartel.act(&view, &mut a);
            honest.act(&view, &mut h);
            assert_eq!(a, h);
            assert_eq!(cartel.next_block(b), honest.next_block(b));
            served += a.len();
        }
        assert_eq!(served, 5);
        assert_eq!(cartel.cost(), 20);
        assert_eq!(cartel.cartel(), "north");
        assert_eq!(cartel.hotkey(), HotkeyId(1));
        assert_eq!(cartel.kind(), "colluding-miner");
    }

    #[test]
    fn params_parse_with_defaults_and_reject_bad_values() {
        let p: ColludingMinerParams = serde_json::from_str(
            r#"{"quality": [{"model": "static", "quality": 0.5}], "cartel": "north"}"#,
        )
        .unwrap();
        assert_eq!(p.cost_per_tempo, 0);
        assert!(p.validate().is_ok());
        let cases = [
            (
                r#"{"quality": [{"model": "static", "quality": 0.5}], "cartel": " "}"#,
                r#"`cartel` must name a cartel, got `" "`"#,
            ),
            (
                r#"{"quality": [], "cartel": "north"}"#,
                "`quality` must list at least one model, got `[]`",
            ),
        ];
        for (json, message) in cases {
            let p: ColludingMinerParams = serde_json::from_str(json).unwrap();
            assert_eq!(p.validate().unwrap_err(), message);
        }
        for json in [
            r#"{"quality": [{"model": "static", "quality": 0.5}]}"#,
            r#"{"quality": [{"model": "static", "quality": 0.5}], "cartel": "n", "size": 3}"#,
        ] {
            assert!(
                serde_json::from_str::<ColludingMinerParams>(json).is_err(),
                "{json}"
            );
        }
    }
}
