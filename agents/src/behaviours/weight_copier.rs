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
//!   - `stake_weighted`: a stake-weighted mix of the other validators: every other uid with a
//!     validator permit and stake at the last epoch ([`crate::NeuronView::permit`],
//!     [`crate::NeuronView::stake`]) and a visible row contributes that row, normalised to sum
//!     1 over the subnet's uids, times its stake; the sum is max-upscaled to u16. It is what
//!     Yuma's input looks like from outside (under commit-reveal, the revealed rows only),
//!     without the κ-clipping of the consensus;
//! - `cost_per_tempo` (default 0): rao of TAO per tempo it submits (copying is cheap: that is
//!   the point);
//! - `delay_blocks` (default none): when it submits. Without it, at its phase as above. With
//!   it, the copier times its submission on the subnet's epochs: it watches the subnet every
//!   block, and `delay_blocks` blocks after the first block at which it sees the epoch index
//!   advance it copies and submits, once per epoch. `0` copies the newest consensus the
//!   moment the epoch has run; committed weights are revealed at the start of the next block
//!   (spec §3.6), so a validator's revealed row is visible from `delay_blocks: 1`; a delay
//!   just under the tempo submits right before the next epoch. An epoch that arrives before
//!   the submission replaces it (a delay of a tempo or more never submits). The first epoch
//!   it can time is the first one it sees happen.

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
    /// The stake-weighted mean of the other permitted validators' visible rows, each
    /// normalised.
    StakeWeighted,
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
    /// Blocks after each epoch it submits (default `None`: at its phase); see the module
    /// docs.
    pub delay_blocks: Option<u64>,
}

impl WeightCopierParams {
    /// Copies `source` at no cost.
    pub fn new(source: CopySource) -> Self {
        WeightCopierParams {
            source,
            cost_per_tempo: 0,
            delay_blocks: None,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay_blocks: Option<u64>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CopySourceTag {
    Consensus,
    Validator,
    StakeWeighted,
}

impl TryFrom<WeightCopierWire> for WeightCopierParams {
    type Error = String;

    fn try_from(w: WeightCopierWire) -> Result<Self, String> {
        let source = match (w.source, w.uid) {
            (CopySourceTag::Validator, Some(uid)) => CopySource::Validator { uid },
            (CopySourceTag::Validator, None) => {
                return Err("`uid` is required with `source: validator`".into());
            }
            (CopySourceTag::Consensus | CopySourceTag::StakeWeighted, Some(uid)) => {
                return Err(format!(
                    "`uid` is only used with `source: validator`, got `uid: {uid}`"
                ));
            }
            (CopySourceTag::Consensus, None) => CopySource::Consensus,
            (CopySourceTag::StakeWeighted, None) => CopySource::StakeWeighted,
        };
        Ok(WeightCopierParams {
            source,
            cost_per_tempo: w.cost_per_tempo,
            delay_blocks: w.delay_blocks,
        })
    }
}

impl From<WeightCopierParams> for WeightCopierWire {
    fn from(p: WeightCopierParams) -> Self {
        let (source, uid) = match p.source {
            CopySource::Consensus => (CopySourceTag::Consensus, None),
            CopySource::Validator { uid } => (CopySourceTag::Validator, Some(uid)),
            CopySource::StakeWeighted => (CopySourceTag::StakeWeighted, None),
        };
        WeightCopierWire {
            source,
            uid,
            cost_per_tempo: p.cost_per_tempo,
            delay_blocks: p.delay_blocks,
        }
    }
}

/// Σ over the other uids with a permit, stake and a visible row of stake × the row normalised
/// to sum 1 over the subnet's `n` uids, per destination uid (length `n`). Rows are visited in
/// uid order, so the sum is deterministic.
fn stake_weighted_mix(
    view: &dyn ChainView,
    subnet: &crate::view::SubnetView,
    own: u16,
) -> Vec<f64> {
    let n = subnet.n;
    let mut mix = vec![0.0; usize::from(n)];
    for u in (0..n).filter(|&u| u != own) {
        let Some(neuron) = view.neuron(subnet.netuid, u) else {
            continue;
        };
        if !neuron.permit || !neuron.stake.is_finite() || neuron.stake <= 0.0 {
            continue;
        }
        let row = view.visible_weights(subnet.netuid, u).unwrap_or_default();
        let total: f64 = row
            .iter()
            .filter(|&&(d, _)| d < n)
            .map(|&(_, w)| f64::from(w))
            .sum();
        if total <= 0.0 {
            continue;
        }
        for &(d, w) in row.iter().filter(|&&(d, _)| d < n) {
            mix[usize::from(d)] += neuron.stake * f64::from(w) / total;
        }
    }
    mix
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
    /// With `delay_blocks`: the epoch index last seen, and the block of the pending
    /// submission.
    seen_epoch: Option<u64>,
    due_at: Option<u64>,
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
            seen_epoch: None,
            due_at: None,
        }
    }

    /// With `delay_blocks`: whether this block is a submission's, and the subnet and own uid
    /// if so (and the hotkey is registered).
    fn due_after_epoch(
        &mut self,
        view: &dyn ChainView,
        delay: u64,
    ) -> Option<(crate::view::SubnetView, u16)> {
        let subnet = view.subnet(self.netuid)?;
        let now = view.block().0;
        if self.seen_epoch.is_some_and(|e| e != subnet.epoch_index) {
            self.due_at = Some(now.saturating_add(delay));
        }
        self.seen_epoch = Some(subnet.epoch_index);
        if self.due_at.is_none_or(|b| now < b) {
            return None;
        }
        self.due_at = None;
        Some((subnet, view.uid_of(self.netuid, self.hotkey)?))
    }
}

impl Agent for WeightCopier {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let due = match self.params.delay_blocks {
            None => self.schedule.due(view, self.netuid, self.hotkey),
            Some(delay) => self.due_after_epoch(view, delay),
        };
        let Some((subnet, own)) = due else {
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
            CopySource::StakeWeighted => {
                let mix = stake_weighted_mix(view, &subnet, own);
                let raw: Vec<(u16, f64)> = (0..subnet.n)
                    .filter(|&u| keep(u))
                    .map(|u| (u, mix[usize::from(u)]))
                    .collect();
                max_upscale(&raw)
            }
        };
        if self.row.is_empty() {
            return;
        }
        self.cost = self.cost.saturating_add(self.params.cost_per_tempo);
        submit(self.hotkey, &subnet, &self.row, actions);
    }

    fn next_block(&self, now: u64) -> u64 {
        match self.params.delay_blocks {
            None => self.schedule.next_block(now),
            // It watches every block for the epoch.
            Some(_) => now + 1,
        }
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
                delay_blocks: None,
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
    fn copies_the_stake_weighted_mean_of_the_visible_rows() {
        // uid 0: stake 3, row (1: 1, 2: 1) → normalised (½, ½); uid 3: stake 1, row
        // (2: 3, 4: 1, 9: 5) → uid 9 does not exist, so (2: ¾, 4: ¼); uid 2 has stake but no
        // permit and uid 1 a permit but no stake: both left out; the copier is uid 4 and has
        // a row of its own, left out too.
        let mut v = MockView::subnet(NET, 5);
        for (uid, stake, permit) in [
            (0, 3e9, true),
            (1, 0.0, true),
            (2, 5e9, false),
            (3, 1e9, true),
            (4, 2e9, true),
        ] {
            let n = v.neurons.get_mut(&(NET, uid)).unwrap();
            n.stake = stake;
            n.permit = permit;
        }
        v.weights.insert((NET, 0), vec![(1, 1), (2, 1)]);
        v.weights.insert((NET, 1), vec![(3, 65535)]);
        v.weights.insert((NET, 2), vec![(1, 65535)]);
        v.weights.insert((NET, 3), vec![(2, 3), (4, 1), (9, 5)]);
        v.weights.insert((NET, 4), vec![(0, 65535)]);
        // The stake-weighted mean over stake 4: uid 1 (3·½)/4 = 0.375, uid 2 (3·½ + 1·¾)/4 =
        // 0.5625, uid 4 (the copier) 1·¼/4; max-upscaled: uid 1 = 0.375/0.5625 of 65535.
        let mean = [(1u16, 0.375), (2u16, 0.5625)];
        let expect: Vec<(u16, u16)> = mean
            .iter()
            .map(|&(u, m)| (u, (m / 0.5625 * 65535.0_f64).round() as u16))
            .collect();
        assert_eq!(expect, vec![(1, 43690), (2, 65535)]);
        let mut a = copier(CopySource::StakeWeighted);
        assert_eq!(
            tempo(&mut a, &mut v),
            vec![Action::SetWeights {
                hotkey: HotkeyId(4),
                netuid: NET,
                weights: expect,
            }]
        );
        // Nothing visible from a permitted, staked validator: nothing to copy.
        for u in [0, 3] {
            v.weights.remove(&(NET, u));
        }
        assert!(tempo(&mut a, &mut v).is_empty());
        assert_eq!(a.cost(), 3);
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
    fn with_a_delay_it_submits_that_many_blocks_after_each_epoch() {
        let mut v = MockView::subnet(NET, 5);
        v.weights.insert((NET, 0), vec![(1, 100), (2, 65535)]);
        let mut a = WeightCopier::new(
            Identity {
                coldkey: ColdkeyId(4),
                hotkeys: vec![HotkeyId(4)],
                netuid: NET,
            },
            WeightCopierParams {
                delay_blocks: Some(3),
                ..WeightCopierParams::new(CopySource::Validator { uid: 0 })
            },
            0,
        );
        // Blocks 1..=20, epochs seen at blocks 5 and 12 (the first look, at block 1, sets
        // the index it compares with): submissions at 8 and 15.
        let mut at = Vec::new();
        let mut block = 0;
        while block < 20 {
            block = a.next_block(block);
            v.block = block;
            if block == 5 || block == 12 {
                v.subnets.get_mut(&NET).unwrap().epoch_index += 1;
            }
            let mut out = Vec::new();
            a.act(&v, &mut out);
            if !out.is_empty() {
                at.push(block);
            }
        }
        assert_eq!(at, vec![8, 15]);
        // A delay of 0 submits in the epoch's own block; an epoch before the submission
        // replaces it.
        let mut b = WeightCopier::new(
            Identity {
                coldkey: ColdkeyId(4),
                hotkeys: vec![HotkeyId(4)],
                netuid: NET,
            },
            WeightCopierParams {
                delay_blocks: Some(0),
                ..WeightCopierParams::new(CopySource::Validator { uid: 0 })
            },
            0,
        );
        let mut c = a.clone();
        c.params.delay_blocks = Some(10);
        c.seen_epoch = None;
        c.due_at = None;
        let (mut at_b, mut at_c) = (Vec::new(), Vec::new());
        for block in 21..60u64 {
            v.block = block;
            if block % 7 == 0 {
                v.subnets.get_mut(&NET).unwrap().epoch_index += 1;
            }
            for (x, log) in [(&mut b, &mut at_b), (&mut c, &mut at_c)] {
                let mut out = Vec::new();
                x.act(&v, &mut out);
                if !out.is_empty() {
                    log.push(block);
                }
            }
        }
        assert_eq!(at_b, vec![28, 35, 42, 49, 56]);
        assert!(at_c.is_empty(), "{at_c:?}");
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
        let p: WeightCopierParams =
            serde_json::from_str(r#"{"source": "stake_weighted"}"#).unwrap();
        assert_eq!(p.source, CopySource::StakeWeighted);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"source": "stake_weighted", "cost_per_tempo": 0})
        );
        let p: WeightCopierParams =
            serde_json::from_str(r#"{"source": "consensus", "delay_blocks": 12}"#).unwrap();
        assert_eq!(p.delay_blocks, Some(12));
        assert_eq!(serde_json::to_value(&p).unwrap()["delay_blocks"], 12);
        for bad in [
            r#"{"source": "validator"}"#,
            r#"{"source": "consensus", "uid": 1}"#,
            r#"{"source": "stake_weighted", "uid": 1}"#,
            r#"{"source": "stake-weighted"}"#,
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
