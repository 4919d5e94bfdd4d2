//! A lazy validator: it saves on evaluation by re-submitting old weights, or by not
//! evaluating at all.
//!
//! It is scheduled like [`super::honest_validator`] (once per tempo at block `seed mod tempo`
//! within the tempo, only while its hotkey, the identity's first, is registered on the
//! identity's subnet) and, when it evaluates, evaluates exactly like it (true quality plus
//! Gaussian noise per environment, copy detection, the subnet's mechanism; same order of
//! random draws). It commits under commit-reveal and sets weights otherwise; it never submits
//! an empty row. The modes ([`LazyMode`]):
//!
//! - `stale`: evaluates once, then re-submits those same weights every tempo. "Once" means
//!   its first evaluation that gave a non-empty row (a tempo with nothing served is not an
//!   evaluation; a row where nothing scored is evaluated again next tempo).
//! - `every_n` (`n` >= 1): evaluates on its first tempo with served work and then every `n`
//!   tempos (counted while registered), re-submitting the weights of its last evaluation in
//!   between; `n = 1` is the honest validator.
//! - `uniform`: no evaluation; weight 1 (65535) on every uid other than its own that has
//!   served anything, copies included.
//!
//! Re-submitted rows drop uids that no longer exist (`>= n`) and its own uid, which the chain
//! would refuse, but nothing else: a replaced miner keeps its predecessor's weight, which is
//! the cost of laziness.
//!
//! Parameters ([`LazyValidatorParams`]), flat in scenario files (`mode: every_n`, `n: 3`,
//! `noise: 0.05`, ...):
//! - `mode`: `stale`, `every_n` (with `n`) or `uniform`;
//! - `noise` (default 0.05): standard deviation of the Gaussian evaluation noise;
//! - `copy_detection` (default 0): probability in `[0, 1]` that a served copy is detected;
//! - `cost_per_tempo` (default 0): rao of TAO charged for each tempo it evaluates (never in
//!   `uniform` mode, never for re-submissions).

use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_validator::{
    Evaluator, Schedule, check_noise, check_probability, default_noise, submit, validator_hotkey,
};
use crate::action::Action;
use crate::agent::Agent;
use crate::mechanism::Mechanism;
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;

/// How lazy; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum LazyMode {
    /// Evaluates honestly once (with noise, like the honest validator), then re-submits the
    /// same weights every tempo.
    Stale,
    /// Evaluates honestly only every `n` tempos, re-submitting the stale weights in between.
    EveryN {
        /// Tempos between evaluations (>= 1).
        n: u32,
    },
    /// Weight 1 on every uid that served anything; no evaluation.
    Uniform,
}

/// Parameters of [`LazyValidator`]; see the module docs. Serialized flat: the mode's tag
/// `mode` and its field `n` sit beside the other fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LazyValidatorWire", into = "LazyValidatorWire")]
pub struct LazyValidatorParams {
    /// How lazy.
    pub mode: LazyMode,
    /// Standard deviation of the Gaussian evaluation noise (finite, `>= 0`; default 0.05).
    pub noise: f64,
    /// Probability in `[0, 1]` that a served copy is detected (default 0).
    pub copy_detection: f64,
    /// Off-chain cost per tempo evaluated, in rao of TAO (default 0).
    pub cost_per_tempo: u64,
}

impl LazyValidatorParams {
    /// Lazy in `mode`, every other parameter at its default.
    pub fn new(mode: LazyMode) -> Self {
        LazyValidatorParams {
            mode,
            noise: default_noise(),
            copy_detection: 0.0,
            cost_per_tempo: 0,
        }
    }

    /// Checks every field (`cost_per_tempo` takes any value).
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        if let LazyMode::EveryN { n: 0 } = self.mode {
            return Err("`n` must be at least 1, got `0`".into());
        }
        check_noise(self.noise)?;
        check_probability("copy_detection", self.copy_detection)
    }
}

/// The flat wire form of [`LazyValidatorParams`] (serde's `flatten` cannot be combined with
/// `deny_unknown_fields`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LazyValidatorWire {
    mode: LazyModeTag,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    #[serde(default = "default_noise")]
    noise: f64,
    #[serde(default)]
    copy_detection: f64,
    #[serde(default)]
    cost_per_tempo: u64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LazyModeTag {
    Stale,
    EveryN,
    Uniform,
}

impl TryFrom<LazyValidatorWire> for LazyValidatorParams {
    type Error = String;

    fn try_from(w: LazyValidatorWire) -> Result<Self, String> {
        let mode = match (w.mode, w.n) {
            (LazyModeTag::EveryN, Some(n)) => LazyMode::EveryN { n },
            (LazyModeTag::EveryN, None) => {
                return Err("`n` is required with `mode: every_n`".into());
            }
            (_, Some(n)) => {
                return Err(format!(
                    "`n` is only used with `mode: every_n`, got `n: {n}`"
                ));
            }
            (LazyModeTag::Stale, None) => LazyMode::Stale,
            (LazyModeTag::Uniform, None) => LazyMode::Uniform,
        };
        Ok(LazyValidatorParams {
            mode,
            noise: w.noise,
            copy_detection: w.copy_detection,
            cost_per_tempo: w.cost_per_tempo,
        })
    }
}

impl From<LazyValidatorParams> for LazyValidatorWire {
    fn from(p: LazyValidatorParams) -> Self {
        let (mode, n) = match p.mode {
            LazyMode::Stale => (LazyModeTag::Stale, None),
            LazyMode::EveryN { n } => (LazyModeTag::EveryN, Some(n)),
            LazyMode::Uniform => (LazyModeTag::Uniform, None),
        };
        LazyValidatorWire {
            mode,
            n,
            noise: p.noise,
            copy_detection: p.copy_detection,
            cost_per_tempo: p.cost_per_tempo,
        }
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct LazyValidator {
    hotkey: HotkeyId,
    netuid: NetUid,
    params: LazyValidatorParams,
    mechanism: Mechanism,
    schedule: Schedule,
    evaluator: Evaluator,
    /// The weights of the last evaluation, if any.
    stale: Option<Vec<(u16, u16)>>,
    /// Tempos acted (while registered) since the last evaluation.
    since: u32,
    row: Vec<(u16, u16)>,
    cost: u64,
}

impl LazyValidator {
    /// A lazy validator operating `identity.hotkeys[0]` on `identity.netuid`, with its random
    /// stream and phase from `seed`.
    ///
    /// # Panics
    /// If `identity.hotkeys` is empty.
    pub fn new(
        identity: Identity,
        params: LazyValidatorParams,
        mechanism: Mechanism,
        seed: u64,
    ) -> Self {
        LazyValidator {
            hotkey: validator_hotkey(&identity),
            netuid: identity.netuid,
            schedule: Schedule::new(seed),
            evaluator: Evaluator::new(params.noise, params.copy_detection, seed),
            params,
            mechanism,
            stale: None,
            since: 0,
            row: Vec::new(),
            cost: 0,
        }
    }

    fn evaluates_now(&self) -> bool {
        match (self.params.mode, &self.stale) {
            (LazyMode::Uniform, _) => false,
            (_, None) => true,
            (LazyMode::Stale, Some(w)) => w.is_empty(),
            (LazyMode::EveryN { n }, Some(_)) => self.since >= n.max(1),
        }
    }
}

impl Agent for LazyValidator {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let Some((subnet, own)) = self.schedule.due(view, self.netuid, self.hotkey) else {
            return;
        };
        self.since = self.since.saturating_add(1);
        self.row.clear();
        if self.params.mode == LazyMode::Uniform {
            self.row.extend(
                (0..subnet.n)
                    .filter(|&u| u != own && view.served(subnet.netuid, u).is_some())
                    .map(|u| (u, u16::MAX)),
            );
        } else if self.evaluates_now() {
            let mut fresh = Vec::new();
            if self
                .evaluator
                .evaluate(view, &subnet, own, &self.mechanism, &mut fresh)
            {
                self.cost = self.cost.saturating_add(self.params.cost_per_tempo);
                self.stale = Some(fresh);
                self.since = 0;
            }
        }
        if let Some(stale) = &self.stale
            && self.params.mode != LazyMode::Uniform
        {
            self.row.extend(
                stale
                    .iter()
                    .filter(|&&(u, _)| u < subnet.n && u != own)
                    .copied(),
            );
        }
        submit(self.hotkey, &subnet, &self.row, actions);
    }

    fn next_block(&self, now: u64) -> u64 {
        self.schedule.next_block(now)
    }

    fn kind(&self) -> &str {
        "lazy-validator"
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
    use crate::view::Served;

    const NET: NetUid = NetUid(1);

    fn served(block: u64, q: f64) -> Served {
        Served {
            block: Block(block),
            quality: vec![q].into(),
            copy_of: None,
        }
    }

    /// Four uids; the validator is uid 0; uids 1 and 2 served work, uid 3 did not.
    fn view() -> MockView {
        let mut v = MockView::subnet(NET, 4);
        v.served.insert((NET, 1), served(2, 1.0));
        v.served.insert((NET, 2), served(3, 0.5));
        v
    }

    fn lazy(mode: LazyMode) -> LazyValidator {
        LazyValidator::new(
            Identity {
                coldkey: ColdkeyId(0),
                hotkeys: vec![HotkeyId(0)],
                netuid: NET,
            },
            LazyValidatorParams {
                noise: 0.0,
                cost_per_tempo: 10,
                ..LazyValidatorParams::new(mode)
            },
            Mechanism::Proportional,
            7,
        )
    }

    /// One tempo: the row submitted, if any.
    fn tempo(a: &mut LazyValidator, v: &mut MockView) -> Option<Vec<(u16, u16)>> {
        v.block = a.next_block(v.block);
        let mut out = Vec::new();
        a.act(v, &mut out);
        assert!(out.len() <= 1);
        out.pop().map(|a| match a {
            Action::SetWeights { weights, .. } => weights,
            other => panic!("expected SetWeights, got {other:?}"),
        })
    }

    /// Swaps the qualities of uids 1 and 2: an honest evaluation would change its weights.
    fn swap(v: &mut MockView) {
        v.served.insert((NET, 1), served(2, 0.5));
        v.served.insert((NET, 2), served(3, 1.0));
    }

    const FIRST: [(u16, u16); 2] = [(1, 65535), (2, 32768)];
    const SWAPPED: [(u16, u16); 2] = [(1, 32768), (2, 65535)];

    #[test]
    fn stale_evaluates_once_then_resubmits() {
        let mut v = view();
        let mut a = lazy(LazyMode::Stale);
        assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST);
        swap(&mut v);
        for _ in 0..3 {
            assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST);
        }
        assert_eq!(a.cost(), 10);
        assert_eq!(a.kind(), "lazy-validator");
    }

    #[test]
    fn stale_waits_for_something_to_evaluate() {
        let mut v = MockView::subnet(NET, 4);
        let mut a = lazy(LazyMode::Stale);
        assert_eq!(tempo(&mut a, &mut v), None);
        assert_eq!(a.cost(), 0);
        v.served = view().served;
        assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST);
        assert_eq!(a.cost(), 10);
    }

    #[test]
    fn every_n_evaluates_every_n_tempos() {
        let mut v = view();
        let mut a = lazy(LazyMode::EveryN { n: 3 });
        assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST); // evaluates
        swap(&mut v);
        assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST); // stale
        assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST); // stale
        assert_eq!(a.cost(), 10);
        assert_eq!(tempo(&mut a, &mut v).unwrap(), SWAPPED); // evaluates
        assert_eq!(a.cost(), 20);
        v.served = view().served;
        assert_eq!(tempo(&mut a, &mut v).unwrap(), SWAPPED); // stale
        assert_eq!(tempo(&mut a, &mut v).unwrap(), SWAPPED); // stale
        assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST); // evaluates
        assert_eq!(a.cost(), 30);
    }

    #[test]
    fn every_one_is_the_honest_validator() {
        use super::super::honest_validator::{HonestValidator, HonestValidatorParams};
        let p = HonestValidatorParams {
            noise: 0.2,
            copy_detection: 0.0,
            cost_per_tempo: 0,
        };
        let mut h = HonestValidator::new(
            Identity {
                coldkey: ColdkeyId(0),
                hotkeys: vec![HotkeyId(0)],
                netuid: NET,
            },
            p,
            Mechanism::Proportional,
            7,
        );
        let mut l = lazy(LazyMode::EveryN { n: 1 });
        l.params.noise = 0.2;
        l.evaluator = Evaluator::new(0.2, 0.0, 7);
        let (mut vh, mut vl) = (view(), view());
        for _ in 0..4 {
            vh.block = h.next_block(vh.block);
            let mut out = Vec::new();
            h.act(&vh, &mut out);
            let Some(Action::SetWeights { weights, .. }) = out.pop() else {
                panic!("the honest validator set no weights");
            };
            assert_eq!(tempo(&mut l, &mut vl).unwrap(), weights);
        }
    }

    #[test]
    fn uniform_weights_everything_served_without_evaluating() {
        let mut v = view();
        v.served.insert((NET, 0), served(1, 1.0)); // its own: not weighted
        let mut a = lazy(LazyMode::Uniform);
        assert_eq!(tempo(&mut a, &mut v).unwrap(), vec![(1, 65535), (2, 65535)]);
        assert_eq!(a.cost(), 0);
        v.subnets.get_mut(&NET).unwrap().commit_reveal = true;
        v.block = a.next_block(v.block);
        let mut out = Vec::new();
        a.act(&v, &mut out);
        assert!(matches!(out[..], [Action::CommitWeights { .. }]));
    }

    #[test]
    fn stale_rows_drop_uids_that_no_longer_exist() {
        let mut v = view();
        let mut a = lazy(LazyMode::Stale);
        assert_eq!(tempo(&mut a, &mut v).unwrap(), FIRST);
        v.subnets.get_mut(&NET).unwrap().n = 2;
        assert_eq!(tempo(&mut a, &mut v).unwrap(), vec![(1, 65535)]);
    }

    #[test]
    fn params_are_flat_checked_and_reject_unknown_fields() {
        let p: LazyValidatorParams =
            serde_json::from_str(r#"{"mode": "every_n", "n": 3, "noise": 0.1}"#).unwrap();
        assert_eq!(p.mode, LazyMode::EveryN { n: 3 });
        assert_eq!(p.noise, 0.1);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"mode": "every_n", "n": 3, "noise": 0.1,
                               "copy_detection": 0.0, "cost_per_tempo": 0})
        );
        let p: LazyValidatorParams = serde_json::from_str(r#"{"mode": "stale"}"#).unwrap();
        assert_eq!(p, LazyValidatorParams::new(LazyMode::Stale));
        for bad in [
            r#"{"mode": "every_n"}"#,
            r#"{"mode": "stale", "n": 2}"#,
            r#"{"mode": "uniform", "nosie": 0.1}"#,
            r#"{"mode": "sleepy"}"#,
            r#"{}"#,
        ] {
            assert!(
                serde_json::from_str::<LazyValidatorParams>(bad).is_err(),
                "{bad}"
            );
        }
        let e = serde_json::from_str::<LazyValidatorParams>(r#"{"mode": "every_n"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`n` is required with `mode: every_n`"), "{e}");
        assert_eq!(
            LazyValidatorParams::new(LazyMode::EveryN { n: 0 })
                .validate()
                .unwrap_err(),
            "`n` must be at least 1, got `0`"
        );
        let mut p = LazyValidatorParams::new(LazyMode::Uniform);
        assert!(p.validate().is_ok());
        p.noise = -0.5;
        assert_eq!(
            p.validate().unwrap_err(),
            "`noise` must be a finite number >= 0, got `-0.5`"
        );
        p.noise = 0.0;
        p.copy_detection = -0.1;
        assert_eq!(
            p.validate().unwrap_err(),
            "`copy_detection` must be in [0, 1], got `-0.1`"
        );
        // The mode alone has the same shape.
        let m: LazyMode = serde_json::from_str(r#"{"mode": "every_n", "n": 2}"#).unwrap();
        assert_eq!(m, LazyMode::EveryN { n: 2 });
    }
}
