//! An honest validator: once per tempo it evaluates every miner's served work through its own
//! noise and submits what the subnet's incentive mechanism makes of it.
//!
//! Each tempo, at block `seed mod tempo` within the tempo (its *phase*, so that validators do
//! not all act on the same block), if its hotkey (the identity's first) is registered on the
//! identity's subnet, it:
//!
//! 1. observes every uid `0..n` except its own that has served work
//!    ([`ChainView::served`]), in ascending uid order: the score in each environment is the
//!    true quality plus `noise · z` with `z` a standard normal draw (one per environment, in
//!    environment order), then one uniform draw decides whether a copy (`copy_of` set) is
//!    detected (probability `copy_detection`; the draw is made for every uid, copy or not, so
//!    the stream position depends only on what was served);
//! 2. applies the subnet's [`Mechanism`] to the observations;
//! 3. submits the row: [`Action::CommitWeights`] when the subnet uses commit-reveal,
//!    [`Action::SetWeights`] otherwise (an empty row, when nothing scored, is not submitted);
//! 4. adds `cost_per_tempo` to its off-chain cost.
//!
//! A tempo with nothing served is not an evaluation: nothing is submitted and nothing is
//! charged. Calls at other blocks than its phase (the engine wakes every agent at block 1) do
//! nothing. Scores are not clipped: the mechanism treats negative means as 0.
//!
//! Parameters ([`HonestValidatorParams`]):
//! - `noise` (default 0.05): standard deviation of the Gaussian evaluation noise added to each
//!   true quality;
//! - `copy_detection` (default 0): probability in `[0, 1]` that a served copy is detected
//!   (a detected copy scores 0);
//! - `cost_per_tempo` (default 0): rao of TAO the evaluation costs, per tempo evaluated.
//!
//! The schedule, the evaluation and the submission are shared with the other validator
//! behaviours ([`super::lazy_validator`], [`super::colluding_validator`],
//! [`super::weight_copier`]) through crate-private helpers in this file.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::{Identity, stream};
use crate::action::Action;
use crate::agent::Agent;
use crate::mechanism::{Mechanism, Observation};
use crate::units::{HotkeyId, NetUid};
use crate::view::{ChainView, SubnetView};

/// Parameters of [`HonestValidator`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HonestValidatorParams {
    /// Standard deviation of the Gaussian evaluation noise added to each true quality
    /// (finite, `>= 0`; default 0.05).
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// Probability in `[0, 1]` that a served copy is detected (default 0).
    #[serde(default)]
    pub copy_detection: f64,
    /// Off-chain evaluation cost per tempo evaluated, in rao of TAO (default 0).
    #[serde(default)]
    pub cost_per_tempo: u64,
}

impl Default for HonestValidatorParams {
    fn default() -> Self {
        HonestValidatorParams {
            noise: default_noise(),
            copy_detection: 0.0,
            cost_per_tempo: 0,
        }
    }
}

impl HonestValidatorParams {
    /// Checks every field (`cost_per_tempo` takes any value).
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        check_noise(self.noise)?;
        check_probability("copy_detection", self.copy_detection)
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct HonestValidator {
    hotkey: HotkeyId,
    netuid: NetUid,
    params: HonestValidatorParams,
    mechanism: Mechanism,
    schedule: Schedule,
    evaluator: Evaluator,
    weights: Vec<(u16, u16)>,
    cost: u64,
}

impl HonestValidator {
    /// A validator operating `identity.hotkeys[0]` on `identity.netuid`, with its random
    /// stream and phase from `seed`.
    ///
    /// # Panics
    /// If `identity.hotkeys` is empty.
    pub fn new(
        identity: Identity,
        params: HonestValidatorParams,
        mechanism: Mechanism,
        seed: u64,
    ) -> Self {
        HonestValidator {
            hotkey: validator_hotkey(&identity),
            netuid: identity.netuid,
            schedule: Schedule::new(seed),
            evaluator: Evaluator::new(params.noise, params.copy_detection, seed),
            params,
            mechanism,
            weights: Vec::new(),
            cost: 0,
        }
    }
}

impl Agent for HonestValidator {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let Some((subnet, own)) = self.schedule.due(view, self.netuid, self.hotkey) else {
            return;
        };
        if !self
            .evaluator
            .evaluate(view, &subnet, own, &self.mechanism, &mut self.weights)
        {
            return;
        }
        self.cost = self.cost.saturating_add(self.params.cost_per_tempo);
        submit(self.hotkey, &subnet, &self.weights, actions);
    }

    fn next_block(&self, now: u64) -> u64 {
        self.schedule.next_block(now)
    }

    fn kind(&self) -> &str {
        "honest-validator"
    }

    fn cost(&self) -> u64 {
        self.cost
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by the validator behaviours.

pub(crate) fn default_noise() -> f64 {
    0.05
}

/// "`noise` must be a finite number >= 0, got `-1`".
pub(crate) fn check_noise(noise: f64) -> Result<(), String> {
    if noise >= 0.0 && noise.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "`noise` must be a finite number >= 0, got `{noise}`"
        ))
    }
}

/// "`name` must be in [0, 1], got `x`".
pub(crate) fn check_probability(name: &str, x: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(format!("`{name}` must be in [0, 1], got `{x}`"))
    }
}

/// The hotkey a validator operates: the identity's first.
pub(crate) fn validator_hotkey(identity: &Identity) -> HotkeyId {
    *identity
        .hotkeys
        .first()
        .expect("a validator's identity needs a hotkey")
}

/// Once per tempo at `seed mod tempo`, the tempo learned from the subnet each time.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    seed: u64,
    tempo: u64,
}

impl Schedule {
    pub(crate) fn new(seed: u64) -> Self {
        Schedule { seed, tempo: 360 }
    }

    /// The tempo last learned (360 until then).
    pub(crate) fn tempo(&self) -> u64 {
        self.tempo
    }

    /// Learns the tempo; whether `block` is this agent's block within the tempo.
    pub(crate) fn on_phase(&mut self, block: u64, tempo: u64) -> bool {
        self.tempo = tempo.max(1);
        block % self.tempo == self.seed % self.tempo
    }

    /// When a validator is due: the subnet and its own uid, if the subnet exists, this is
    /// its phase block and its hotkey is registered.
    pub(crate) fn due(
        &mut self,
        view: &dyn ChainView,
        netuid: NetUid,
        hotkey: HotkeyId,
    ) -> Option<(SubnetView, u16)> {
        let subnet = view.subnet(netuid)?;
        if !self.on_phase(view.block().0, subnet.tempo) {
            return None;
        }
        Some((subnet, view.uid_of(netuid, hotkey)?))
    }

    /// The next phase block strictly after `now` (as [`super::fixed_weights`]).
    pub(crate) fn next_block(&self, now: u64) -> u64 {
        let t = self.tempo.max(1);
        let base = now - now % t + self.seed % t;
        if base > now { base } else { base + t }
    }
}

/// A validator's noisy evaluation of served work, with its own random stream.
#[derive(Clone, Debug)]
pub(crate) struct Evaluator {
    noise: f64,
    copy_detection: f64,
    rng: ChaCha8Rng,
    observations: Vec<Observation>,
    /// The row submitted before the last one, kept for its capacity ([`Evaluator::evaluate`]).
    previous: Vec<(u16, u16)>,
}

impl Evaluator {
    pub(crate) fn new(noise: f64, copy_detection: f64, seed: u64) -> Self {
        Evaluator {
            noise,
            copy_detection,
            rng: stream(seed),
            observations: Vec::new(),
            previous: Vec::new(),
        }
    }

    /// Observes every uid but `own` with served work (see the module docs for the draws);
    /// returns the observations, ascending uid.
    pub(crate) fn observe(
        &mut self,
        view: &dyn ChainView,
        subnet: &SubnetView,
        own: u16,
    ) -> &[Observation] {
        // The observations of earlier tempos are overwritten in place (their score vectors
        // keep their capacity), so a steady evaluation allocates nothing; `len` of them count.
        // The served qualities are read from the subnet's contiguous served records
        // ([`crate::view::Qualities`] keeps them inline), one uid after the other.
        let mut len = 0;
        let all = view.served_by_uid(subnet.netuid);
        for uid in (0..subnet.n).filter(|&u| u != own) {
            let served = match all {
                Some(all) => all.get(usize::from(uid)).and_then(Option::as_ref),
                None => view.served(subnet.netuid, uid),
            };
            let Some(served) = served else {
                continue;
            };
            if len == self.observations.len() {
                self.observations.push(Observation {
                    uid,
                    scores: Vec::with_capacity(served.quality.len()),
                    served_at: 0,
                    copy_detected: false,
                });
            }
            let o = &mut self.observations[len];
            len += 1;
            o.uid = uid;
            o.scores.clear();
            let (rng, noise) = (&mut self.rng, self.noise);
            o.scores.extend(served.quality.iter().map(|q| {
                let z: f64 = rng.sample(StandardNormal);
                q + noise * z
            }));
            let u: f64 = self.rng.random();
            o.served_at = served.block.0;
            o.copy_detected = served.copy_of.is_some() && u < self.copy_detection;
        }
        &self.observations[..len]
    }

    /// Observes and applies `mechanism` into `weights`; false (and `weights` untouched) when
    /// nothing was served, which is not an evaluation.
    pub(crate) fn evaluate(
        &mut self,
        view: &dyn ChainView,
        subnet: &SubnetView,
        own: u16,
        mechanism: &Mechanism,
        weights: &mut Vec<(u16, u16)>,
    ) -> bool {
        let len = self.observe(view, subnet, own).len();
        if len == 0 {
            return false;
        }
        let neuron = view.neuron(subnet.netuid, own).unwrap_or_default();
        // The last row becomes `previous`; the row before it lends its capacity to the new one
        // (the mechanism clears `weights` first).
        std::mem::swap(weights, &mut self.previous);
        let evaluation = crate::mechanism::Evaluation {
            netuid: subnet.netuid.0,
            validator_uid: own,
            hotkey: u64::from(neuron.hotkey.0),
            block: view.block().0,
            epoch: subnet.epoch_index,
            stake: neuron.stake,
            previous: &self.previous,
        };
        mechanism.weights_for(&evaluation, &self.observations[..len], weights);
        true
    }
}

/// Pushes the row, committed under commit-reveal and set otherwise; an empty row is not
/// submitted.
pub(crate) fn submit(
    hotkey: HotkeyId,
    subnet: &SubnetView,
    weights: &[(u16, u16)],
    actions: &mut Vec<Action>,
) {
    if weights.is_empty() {
        return;
    }
    let netuid = subnet.netuid;
    let weights = weights.to_vec();
    actions.push(if subnet.commit_reveal {
        Action::CommitWeights {
            hotkey,
            netuid,
            weights,
        }
    } else {
        Action::SetWeights {
            hotkey,
            netuid,
            weights,
        }
    });
}

/// Max-upscales non-negative raw weights to u16 (the largest becomes 65535), rounding as
/// [`Mechanism::weights`] does and omitting weights that round to 0; keeps the input order.
pub(crate) fn max_upscale(raw: &[(u16, f64)]) -> Vec<(u16, u16)> {
    let max = raw.iter().map(|r| r.1).fold(0.0, f64::max);
    if max <= 0.0 || !max.is_finite() {
        return Vec::new();
    }
    raw.iter()
        .filter_map(|&(uid, w)| {
            let u = (w / max * 65535.0).round();
            (u >= 1.0).then_some((uid, u as u16))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::units::{Block, ColdkeyId};
    use crate::view::Served;

    const NET: NetUid = NetUid(1);

    fn identity(hotkey: u32) -> Identity {
        Identity {
            coldkey: ColdkeyId(hotkey),
            hotkeys: vec![HotkeyId(hotkey)],
            netuid: NET,
        }
    }

    fn served(block: u64, quality: &[f64], copy_of: Option<u16>) -> Served {
        Served {
            block: Block(block),
            quality: quality.into(),
            copy_of,
        }
    }

    /// Five uids; the validator is uid 0; uids 1..=4 served work, uid 4 a copy of uid 1.
    fn view() -> MockView {
        let mut v = MockView::subnet(NET, 5);
        v.served.insert((NET, 0), served(1, &[1.0, 1.0], None)); // its own: ignored
        v.served.insert((NET, 1), served(2, &[0.9, 0.7], None));
        v.served.insert((NET, 2), served(3, &[0.5, 0.3], None));
        v.served.insert((NET, 3), served(4, &[0.2, 0.0], None));
        v.served.insert((NET, 4), served(5, &[0.9, 0.7], Some(1)));
        v
    }

    fn validator(params: HonestValidatorParams, seed: u64) -> HonestValidator {
        HonestValidator::new(identity(0), params, Mechanism::Proportional, seed)
    }

    fn exact() -> HonestValidatorParams {
        HonestValidatorParams {
            noise: 0.0,
            ..HonestValidatorParams::default()
        }
    }

    fn act(a: &mut impl Agent, v: &mut MockView) -> Vec<Action> {
        v.block = a.next_block(v.block);
        let mut out = Vec::new();
        a.act(v, &mut out);
        out
    }

    fn obs(uid: u16, scores: &[f64], served_at: u64, copy_detected: bool) -> Observation {
        Observation {
            uid,
            scores: scores.to_vec(),
            served_at,
            copy_detected,
        }
    }

    /// The draws of the module docs, one uid at a time from `rng`, written out independently:
    /// what [`Evaluator::observe`] must reproduce exactly, whatever its buffers and layout.
    fn observe_one_pass(
        view: &MockView,
        own: u16,
        (noise, copy_detection): (f64, f64),
        rng: &mut ChaCha8Rng,
    ) -> Vec<Observation> {
        let n = view.subnet(NET).unwrap().n;
        let mut out = Vec::new();
        for uid in (0..n).filter(|&u| u != own) {
            let Some(served) = view.served.get(&(NET, uid)) else {
                continue;
            };
            let scores = served
                .quality
                .iter()
                .map(|q| {
                    let z: f64 = rng.sample(StandardNormal);
                    q + noise * z
                })
                .collect();
            let u: f64 = rng.random();
            out.push(Observation {
                uid,
                scores,
                served_at: served.block.0,
                copy_detected: served.copy_of.is_some() && u < copy_detection,
            });
        }
        out
    }

    #[test]
    fn observations_draw_as_the_module_docs_say_tempo_after_tempo() {
        // Uneven environments (0 to 5 qualities), gaps and copies, over three evaluations by
        // one evaluator (its buffers are reused between them).
        let mut v = MockView::subnet(NET, 12);
        let mut e = Evaluator::new(0.3, 0.5, 42);
        let mut reference = stream(42);
        let (mut detected, mut missed) = (0, 0);
        for round in 0..3u16 {
            v.served.clear();
            for uid in (0..12u16).filter(|u| (u + round) % 5 != 3) {
                // Up to 5 environments: beyond `Qualities::INLINE`, the heap.
                let k = usize::from((uid + round) % 6);
                let quality: Vec<f64> = (0..k).map(|j| 0.1 * f64::from(uid) + j as f64).collect();
                let copy_of = (uid % 3 == 0).then_some(1);
                let block = u64::from(round * 10 + uid);
                v.served
                    .insert((NET, uid), served(block, &quality, copy_of));
            }
            let subnet = v.subnet(NET).unwrap();
            let got = e.observe(&v, &subnet, 2).to_vec();
            let want = observe_one_pass(&v, 2, (0.3, 0.5), &mut reference);
            assert_eq!(got, want, "round {round}");
            detected += got.iter().filter(|o| o.copy_detected).count();
            missed += got
                .iter()
                .filter(|o| !o.copy_detected && v.served[&(NET, o.uid)].copy_of.is_some())
                .count();
            assert!(got.iter().any(|o| o.scores.len() > 1), "round {round}");
        }
        // Both outcomes of the detection draw happened.
        assert!(detected > 0 && missed > 0, "{detected} {missed}");
    }

    #[test]
    fn without_noise_it_sets_exactly_the_mechanism_weights() {
        let mut v = view();
        let mut a = validator(
            HonestValidatorParams {
                cost_per_tempo: 7,
                ..exact()
            },
            11,
        );
        let mut expected = Vec::new();
        Mechanism::Proportional.weights(
            &[
                obs(1, &[0.9, 0.7], 2, false),
                obs(2, &[0.5, 0.3], 3, false),
                obs(3, &[0.2, 0.0], 4, false),
                obs(4, &[0.9, 0.7], 5, false),
            ],
            &mut expected,
        );
        assert_eq!(expected[0], (1, 65535));
        assert_eq!(
            act(&mut a, &mut v),
            vec![Action::SetWeights {
                hotkey: HotkeyId(0),
                netuid: NET,
                weights: expected.clone(),
            }]
        );
        assert_eq!(a.cost(), 7);
        v.subnets.get_mut(&NET).unwrap().commit_reveal = true;
        assert_eq!(
            act(&mut a, &mut v),
            vec![Action::CommitWeights {
                hotkey: HotkeyId(0),
                netuid: NET,
                weights: expected,
            }]
        );
        assert_eq!(a.cost(), 14);
        assert_eq!(a.kind(), "honest-validator");
    }

    #[test]
    fn acts_once_per_tempo_at_its_seeded_phase_and_only_when_registered() {
        let a = validator(exact(), 365);
        assert_eq!(a.next_block(0), 5);
        assert_eq!(a.next_block(5), 365);
        assert_eq!(a.next_block(364), 365);
        let mut a = validator(exact(), 365);
        let mut v = view();
        // Off phase (the engine's first wake-up at block 1): nothing.
        v.block = 1;
        let mut out = Vec::new();
        a.act(&v, &mut out);
        assert!(out.is_empty());
        assert_eq!(act(&mut a, &mut v).len(), 1);
        // Deregistered: nothing, and no cost.
        v.neurons.get_mut(&(NET, 0)).unwrap().hotkey = HotkeyId(99);
        let mut a = validator(
            HonestValidatorParams {
                cost_per_tempo: 5,
                ..exact()
            },
            365,
        );
        assert!(act(&mut a, &mut v).is_empty());
        assert_eq!(a.cost(), 0);
    }

    #[test]
    fn nothing_served_is_not_an_evaluation() {
        let mut v = MockView::subnet(NET, 3);
        let mut a = validator(
            HonestValidatorParams {
                cost_per_tempo: 5,
                ..exact()
            },
            1,
        );
        assert!(act(&mut a, &mut v).is_empty());
        assert_eq!(a.cost(), 0);
    }

    #[test]
    fn noise_is_reproducible_from_the_seed() {
        let noisy = HonestValidatorParams {
            noise: 0.3,
            ..HonestValidatorParams::default()
        };
        let run = |seed| {
            let mut v = view();
            let mut a = validator(noisy.clone(), seed);
            (0..5).map(|_| act(&mut a, &mut v)).collect::<Vec<_>>()
        };
        let a = run(3);
        assert_eq!(a, run(3));
        assert_ne!(a, run(4));
        // Noise changes the weights from the exact ones.
        let mut v = view();
        assert_ne!(a[0], act(&mut validator(exact(), 3), &mut v));
    }

    #[test]
    fn the_stream_does_not_depend_on_the_noise_level() {
        // Same seed: the same draws, only scaled by the noise level.
        let v = view();
        let mut e1 = Evaluator::new(0.1, 0.0, 9);
        let mut e2 = Evaluator::new(0.2, 0.0, 9);
        let s = v.subnets[&NET];
        let o1 = e1.observe(&v, &s, 0).to_vec();
        let o2 = e2.observe(&v, &s, 0).to_vec();
        assert_eq!(o1.len(), 4);
        for (a, b) in o1.iter().zip(&o2) {
            let q = v.served[&(NET, a.uid)].quality.as_slice();
            for ((x, y), q) in a.scores.iter().zip(&b.scores).zip(q) {
                assert!(((y - q) - 2.0 * (x - q)).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn certain_copy_detection_zeroes_copies() {
        let mut v = view();
        let mut a = validator(
            HonestValidatorParams {
                copy_detection: 1.0,
                ..exact()
            },
            2,
        );
        let out = act(&mut a, &mut v);
        let Action::SetWeights { weights, .. } = &out[0] else {
            panic!("expected SetWeights, got {out:?}");
        };
        assert!(weights.iter().all(|w| w.0 != 4), "{weights:?}");
        assert!(weights.iter().any(|w| w.0 == 1));
        // Without detection the copy scores like the original.
        let out = act(&mut validator(exact(), 2), &mut view());
        let Action::SetWeights { weights, .. } = &out[0] else {
            panic!("expected SetWeights, got {out:?}");
        };
        assert!(weights.contains(&(4, 65535)));
    }

    #[test]
    fn params_are_checked_and_unknown_fields_rejected() {
        assert!(HonestValidatorParams::default().validate().is_ok());
        let bad = |noise, copy_detection| HonestValidatorParams {
            noise,
            copy_detection,
            cost_per_tempo: 0,
        };
        assert_eq!(
            bad(-1.0, 0.0).validate().unwrap_err(),
            "`noise` must be a finite number >= 0, got `-1`"
        );
        assert_eq!(
            bad(f64::INFINITY, 0.0).validate().unwrap_err(),
            "`noise` must be a finite number >= 0, got `inf`"
        );
        assert_eq!(
            bad(0.1, 1.5).validate().unwrap_err(),
            "`copy_detection` must be in [0, 1], got `1.5`"
        );
        assert!(bad(0.1, f64::NAN).validate().is_err());
        let p: HonestValidatorParams = serde_json::from_str("{}").unwrap();
        assert_eq!(p, HonestValidatorParams::default());
        let p: HonestValidatorParams =
            serde_json::from_str(r#"{"noise": 0.1, "copy_detection": 0.5, "cost_per_tempo": 3}"#)
                .unwrap();
        assert_eq!(p.cost_per_tempo, 3);
        assert!(serde_json::from_str::<HonestValidatorParams>(r#"{"nois": 0.1}"#).is_err());
    }

    #[test]
    fn max_upscale_matches_the_mechanism_rounding() {
        assert_eq!(
            max_upscale(&[(3, 0.5), (1, 1.0), (2, 0.0)]),
            vec![(3, 32768), (1, 65535)]
        );
        assert!(max_upscale(&[(1, 0.0)]).is_empty());
    }
}
