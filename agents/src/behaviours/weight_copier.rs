//! A weight copier: a validator that does no evaluation and submits weights copied from what
//! the chain shows (the "lazy" and "consensus" copiers of the weight-copying paper, spec
//! `published-results.md` §3). Commit-reveal is the defence: a copier only ever sees
//! revealed weights, so it is always a reveal period behind.
//!
//! It is scheduled like [`super::honest_validator`]: once per tempo at block
//! `seed mod tempo` within the tempo, only while its hotkey (the identity's first) is
//! registered on the identity's subnet. It commits under commit-reveal and sets weights
//! otherwise. Its own uid and uids that do not exist (`>= n`) are dropped from the row; when
//! nothing is left (nothing to copy yet) it submits nothing and is charged nothing.
//!
//! Parameters ([`WeightCopierParams`]), flat in scenario files (`source: validator`,
//! `uid: 3`):
//! - `source` ([`CopySource`]):
//!   - `consensus`: weights ∝ each uid's public consensus from the metagraph
//!     ([`crate::NeuronView::consensus`]), i.e. the consensus of the last epoch, computed from
//!     the weights in force then (revealed ones only, under commit-reveal); max-upscaled to
//!     u16;
//!   - `validator` (with `uid`): that validator's visible row
//!     ([`ChainView::visible_weights`]), which under commit-reveal is only its last revealed
//!     one, as is;
//! - `cost_per_tempo` (default 0): rao of TAO per tempo it submits (copying is cheap: that is
//!   the point).

use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_validator::{Schedule, max_upscale, submit, validator_hotkey};
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;

/// What a [`WeightCopier`] copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
pub enum CopySource {
    /// Weights ∝ the public consensus of each uid ([`crate::NeuronView::consensus`]): the
    /// latest revealed consensus.
    Consensus,
    /// One validator's visible weights ([`ChainView::visible_weights`]): under commit-reveal,
    /// only the revealed ones.
    Validator {
        /// The validator copied.
        uid: u16,
    },
}

/// Parameters of [`WeightCopier`]; see the module docs. Serialized flat: the source's tag
/// `source` and its field `uid` sit beside `cost_per_tempo`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WeightCopierWire", into = "WeightCopierWire")]
pub struct WeightCopierParams {
    /// What to copy.
    pub source: CopySource,
    /// Off-chain cost per tempo submitted, in rao of TAO (default 0).
    pub cost_per_tempo: u64,
}

impl WeightCopierParams {
    /// Copies `source` at no cost.
    pub fn new(source: CopySource) -> Self {
        WeightCopierParams {
            source,
            cost_per_tempo: 0,
        }
    }

    /// Checks every field. Every value is valid (a `uid` that is not a validator simply
    /// has nothing to copy), so this never fails; it exists for uniformity.
    ///
    /// # Errors
    /// None today.
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// The flat wire form of [`WeightCopierParams`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightCopierWire {
    source: CopySourceTag,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    uid: Option<u16>,
    #[serde(default)]
    cost_per_tempo: u64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CopySourceTag {
    Consensus,
    Validator,
}

impl TryFrom<WeightCopierWire> for WeightCopierParams {
    type Error = String;

    fn try_from(w: WeightCopierWire) -> Result<Self, String> {
        let source = match (w.source, w.uid) {
            (CopySourceTag::Validator, Some(uid)) => CopySource::Validator { uid },
            (CopySourceTag::Validator, None) => {
                return Err("`uid` is required with `source: validator`".into());
            }
            (CopySourceTag::Consensus, Some(uid)) => {
                return Err(format!(
                    "`uid` is only used with `source: validator`, got `uid: {uid}`"
                ));
            }
            (CopySourceTag::Consensus, None) => CopySource::Consensus,
        };
        Ok(WeightCopierParams {
            source,
            cost_per_tempo: w.cost_per_tempo,
        })
    }
}

impl From<WeightCopierParams> for WeightCopierWire {
    fn from(p: WeightCopierParams) -> Self {
        let (source, uid) = match p.source {
            CopySource::Consensus => (CopySourceTag::Consensus, None),
            CopySource::Validator { uid } => (CopySourceTag::Validator, Some(uid)),
        };
        WeightCopierWire {
            source,
            uid,
            cost_per_tempo: p.cost_per_tempo,
        }
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct WeightCopier {
    hotkey: HotkeyId,
    netuid: NetUid,
    params: WeightCopierParams,
    schedule: Schedule,
    row: Vec<(u16, u16)>,
    cost: u64,
}

impl WeightCopier {
    /// A copier operating `identity.hotkeys[0]` on `identity.netuid`, its phase from `seed`
    /// (it draws no random numbers).
    ///
    /// # Panics
    /// If `identity.hotkeys` is empty.
    pub fn new(identity: Identity, params: WeightCopierParams, seed: u64) -> Self {
        WeightCopier {
            hotkey: validator_hotkey(&identity),
            netuid: identity.netuid,
            params,
            schedule: Schedule::new(seed),
            row: Vec::new(),
            cost: 0,
        }
    }
}

impl Agent for WeightCopier {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let Some((subnet, own)) = self.schedule.due(view, self.netuid, self.hotkey) else {
            return;
        };
        let keep = |u: u16| u != own && u < subnet.n;
        self.row = match self.params.source {
            CopySource::Consensus => {
                let raw: Vec<(u16, f64)> = (0..subnet.n)
                    .filter(|&u| keep(u))
                    .filter_map(|u| Some((u, view.neuron(subnet.netuid, u)?.consensus)))
                    .collect();
                max_upscale(&raw)
            }
            CopySource::Validator { uid } => view
                .visible_weights(subnet.netuid, uid)
                .unwrap_or_default()
                .iter()
                .filter(|&&(u, w)| keep(u) && w > 0)
                .copied()
                .collect(),
        };
        if self.row.is_empty() {
            return;
        }
        self.cost = self.cost.saturating_add(self.params.cost_per_tempo);
        submit(self.hotkey, &subnet, &self.row, actions);
    }

    fn next_block(&self, now: u64) -> u64 {
        self.schedule.next_block(now)
    }

    fn kind(&self) -> &str {
        "weight-copier"
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

    fn copier(source: CopySource) -> WeightCopier {
        WeightCopier::new(
            Identity {
                coldkey: ColdkeyId(4),
                hotkeys: vec![HotkeyId(4)],
                netuid: NET,
            },
            WeightCopierParams {
                source,
                cost_per_tempo: 3,
            },
            0,
        )
    }

    fn tempo(a: &mut WeightCopier, v: &mut MockView) -> Vec<Action> {
        v.block = a.next_block(v.block);
        let mut out = Vec::new();
        a.act(v, &mut out);
        out
    }

    #[test]
    fn copies_the_consensus() {
        let mut v = MockView::subnet(NET, 5); // the copier is uid 4
        for (uid, c) in [(0, 0.0), (1, 0.5), (2, 0.25), (3, 0.0), (4, 0.9)] {
            v.neurons.get_mut(&(NET, uid)).unwrap().consensus = c;
        }
        let mut a = copier(CopySource::Consensus);
        assert_eq!(
            tempo(&mut a, &mut v),
            vec![Action::SetWeights {
                hotkey: HotkeyId(4),
                netuid: NET,
                weights: vec![(1, 65535), (2, 32768)],
            }]
        );
        assert_eq!(a.cost(), 3);
        v.subnets.get_mut(&NET).unwrap().commit_reveal = true;
        assert!(matches!(
            tempo(&mut a, &mut v)[..],
            [Action::CommitWeights { .. }]
        ));
        assert_eq!(a.kind(), "weight-copier");
    }

    #[test]
    fn copies_a_validators_visible_weights() {
        let mut v = MockView::subnet(NET, 5);
        v.weights
            .insert((NET, 0), vec![(1, 100), (2, 65535), (3, 0), (4, 7)]);
        let mut a = copier(CopySource::Validator { uid: 0 });
        assert_eq!(
            tempo(&mut a, &mut v),
            vec![Action::SetWeights {
                hotkey: HotkeyId(4),
                netuid: NET,
                weights: vec![(1, 100), (2, 65535)],
            }]
        );
    }

    #[test]
    fn submits_nothing_while_nothing_is_visible() {
        let mut v = MockView::subnet(NET, 5);
        let mut a = copier(CopySource::Validator { uid: 0 });
        assert!(tempo(&mut a, &mut v).is_empty());
        v.weights.insert((NET, 0), vec![]);
        assert!(tempo(&mut a, &mut v).is_empty());
        let mut a = copier(CopySource::Consensus); // no epoch yet: every consensus is 0
        assert!(tempo(&mut a, &mut v).is_empty());
        assert_eq!(a.cost(), 0);
    }

    #[test]
    fn does_nothing_unless_registered() {
        let mut v = MockView::subnet(NET, 4); // hotkey 4 is not registered
        v.weights.insert((NET, 0), vec![(1, 1)]);
        let mut a = copier(CopySource::Validator { uid: 0 });
        assert!(tempo(&mut a, &mut v).is_empty());
    }

    #[test]
    fn params_are_flat_and_reject_unknown_fields() {
        let p: WeightCopierParams =
            serde_json::from_str(r#"{"source": "validator", "uid": 3}"#).unwrap();
        assert_eq!(p, WeightCopierParams::new(CopySource::Validator { uid: 3 }));
        assert!(p.validate().is_ok());
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"source": "validator", "uid": 3, "cost_per_tempo": 0})
        );
        let p: WeightCopierParams =
            serde_json::from_str(r#"{"source": "consensus", "cost_per_tempo": 5}"#).unwrap();
        assert_eq!(p.source, CopySource::Consensus);
        assert_eq!(p.cost_per_tempo, 5);
        for bad in [
            r#"{"source": "validator"}"#,
            r#"{"source": "consensus", "uid": 1}"#,
            r#"{"source": "consensus", "cost": 1}"#,
            r#"{"source": "oracle"}"#,
            r#"{"source": "validator", "uid": -1}"#,
        ] {
            assert!(
                serde_json::from_str::<WeightCopierParams>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
