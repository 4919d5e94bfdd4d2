//! A colluding validator: it evaluates honestly but reserves a fixed share of its weight for a
//! cartel of miners, whatever their work is worth (the collusion of the whitepaper, spec
//! `published-results.md` §5).
//!
//! It is scheduled like [`super::honest_validator`]: once per tempo at block
//! `seed mod tempo` within the tempo, only while its hotkey (the identity's first) is
//! registered on the identity's subnet. Each tempo it:
//!
//! 1. evaluates every uid but its own that has served work, exactly as the honest validator
//!    does (same noise, copy detection and order of random draws, so with the same seed it
//!    observes the same scores), then drops the cartel's uids and applies the subnet's
//!    mechanism to the rest: the honest row `h`;
//! 2. finds the cartel miners that are registered (each cartel hotkey's uid, its own uid
//!    excluded): the set `C`, whether or not they served anything;
//! 3. submits `w_i = (1 − cartel_share) · h_i / Σh` for honest uids plus
//!    `cartel_share / |C|` for each uid of `C`, max-upscaled to u16 (committed under
//!    commit-reveal, set otherwise).
//!
//! So the cartel's fraction of the submitted row is `cartel_share` (up to u16 rounding). If
//! no cartel miner is registered the row is the honest one; if nothing honest scored the row
//! is the cartel's alone. A tempo with neither is skipped and not charged; otherwise
//! `cost_per_tempo` is charged (it pays for the evaluation it uses to look honest).
//!
//! Parameters ([`ColludingValidatorParams`]; the cartel's hotkeys are given to
//! [`ColludingValidator::new`]):
//! - `cartel_share`: fraction of its weight, in `[0, 1]`, put on cartel miners;
//! - `noise` (default 0.05): standard deviation of the Gaussian evaluation noise;
//! - `copy_detection` (default 0): probability in `[0, 1]` that a served copy is detected;
//! - `cost_per_tempo` (default 0): rao of TAO per tempo it submits.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_validator::{
    Evaluator, Schedule, check_noise, check_probability, default_noise, max_upscale, submit,
    validator_hotkey,
};
use crate::action::Action;
use crate::agent::Agent;
use crate::mechanism::{Mechanism, Observation};
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;

/// Parameters of [`ColludingValidator`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColludingValidatorParams {
    /// Fraction of its weight, in `[0, 1]`, put on cartel miners regardless of quality.
    pub cartel_share: f64,
    /// Standard deviation of the Gaussian evaluation noise (finite, `>= 0`; default 0.05).
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// Probability in `[0, 1]` that a served copy is detected (default 0).
    #[serde(default)]
    pub copy_detection: f64,
    /// Off-chain cost per tempo submitted, in rao of TAO (default 0).
    #[serde(default)]
    pub cost_per_tempo: u64,
}

impl ColludingValidatorParams {
    /// `cartel_share` on the cartel, every other parameter at its default.
    pub fn new(cartel_share: f64) -> Self {
        ColludingValidatorParams {
            cartel_share,
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
        check_probability("cartel_share", self.cartel_share)?;
        check_noise(self.noise)?;
        check_probability("copy_detection", self.copy_detection)
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct ColludingValidator {
    hotkey: HotkeyId,
    netuid: NetUid,
    params: ColludingValidatorParams,
    mechanism: Mechanism,
    cartel: Vec<HotkeyId>,
    schedule: Schedule,
    evaluator: Evaluator,
    honest: Vec<Observation>,
    row: Vec<(u16, u16)>,
    cost: u64,
}

impl ColludingValidator {
    /// A colluding validator operating `identity.hotkeys[0]` on `identity.netuid`, favouring
    /// the miners whose hotkeys are `cartel`, with its random stream and phase from `seed`.
    ///
    /// # Panics
    /// If `identity.hotkeys` is empty.
    pub fn new(
        identity: Identity,
        params: ColludingValidatorParams,
        mechanism: Mechanism,
        cartel: Vec<HotkeyId>,
        seed: u64,
    ) -> Self {
        ColludingValidator {
            hotkey: validator_hotkey(&identity),
            netuid: identity.netuid,
            evaluator: Evaluator::new(params.noise, params.copy_detection, seed),
            schedule: Schedule::new(seed),
            params,
            mechanism,
            cartel,
            honest: Vec::new(),
            row: Vec::new(),
            cost: 0,
        }
    }
}

impl Agent for ColludingValidator {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let Some((subnet, own)) = self.schedule.due(view, self.netuid, self.hotkey) else {
            return;
        };
        let cartel: BTreeSet<u16> = self
            .cartel
            .iter()
            .filter_map(|&h| view.uid_of(subnet.netuid, h))
            .filter(|&u| u != own && u < subnet.n)
            .collect();
        self.honest.clear();
        self.honest.extend(
            self.evaluator
                .observe(view, &subnet, own)
                .iter()
                .filter(|o| !cartel.contains(&o.uid))
                .cloned(),
        );
        self.mechanism.weights(&self.honest, &mut self.row);
        let honest_sum: f64 = self.row.iter().map(|w| f64::from(w.1)).sum();
        let share = self.params.cartel_share;
        let mut raw: Vec<(u16, f64)> = Vec::with_capacity(self.row.len() + cartel.len());
        raw.extend(
            self.row
                .iter()
                .map(|&(u, w)| (u, (1.0 - share) * f64::from(w) / honest_sum)),
        );
        raw.extend(cartel.iter().map(|&u| (u, share / cartel.len() as f64)));
        raw.sort_by_key(|r| r.0);
        self.row = max_upscale(&raw);
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
        "colluding-validator"
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

    fn served(q: f64) -> Served {
        Served {
            block: Block(1),
            quality: vec![q].into(),
            copy_of: None,
        }
    }

    /// Six uids; the validator is uid 0; honest miners 1 (0.9), 2 (0.6), 3 (0.3); cartel
    /// miners 4 (0.1, served) and 5 (nothing served).
    fn view() -> MockView {
        let mut v = MockView::subnet(NET, 6);
        for (uid, q) in [(1, 0.9), (2, 0.6), (3, 0.3), (4, 0.1)] {
            v.served.insert((NET, uid), served(q));
        }
        v
    }

    fn colluder(share: f64, cartel: &[u32]) -> ColludingValidator {
        ColludingValidator::new(
            Identity {
                coldkey: ColdkeyId(0),
                hotkeys: vec![HotkeyId(0)],
                netuid: NET,
            },
            ColludingValidatorParams {
                noise: 0.0,
                cost_per_tempo: 2,
                ..ColludingValidatorParams::new(share)
            },
            Mechanism::Proportional,
            cartel.iter().map(|&h| HotkeyId(h)).collect(),
            5,
        )
    }

    fn tempo(a: &mut ColludingValidator, v: &mut MockView) -> Vec<(u16, u16)> {
        v.block = a.next_block(v.block);
        let mut out = Vec::new();
        a.act(v, &mut out);
        match out.pop() {
            Some(Action::SetWeights { weights, .. }) => weights,
            None => Vec::new(),
            Some(other) => panic!("expected SetWeights, got {other:?}"),
        }
    }

    fn fraction(row: &[(u16, u16)], uids: &[u16]) -> f64 {
        let total: f64 = row.iter().map(|w| f64::from(w.1)).sum();
        let part: f64 = row
            .iter()
            .filter(|w| uids.contains(&w.0))
            .map(|w| f64::from(w.1))
            .sum();
        part / total
    }

    #[test]
    fn puts_exactly_the_cartel_share_on_the_cartel() {
        for share in [0.1, 0.25, 0.5, 0.9] {
            let mut v = view();
            let mut a = colluder(share, &[4, 5, 77]); // 77 is not registered
            let row = tempo(&mut a, &mut v);
            assert!(
                (fraction(&row, &[4, 5]) - share).abs() < 1e-4,
                "{share}: {row:?}"
            );
            // Equal split inside the cartel, honest proportions outside it.
            let w = |uid| row.iter().find(|w| w.0 == uid).unwrap().1;
            assert_eq!(w(4), w(5));
            assert!((f64::from(w(2)) / f64::from(w(1)) - 0.6 / 0.9).abs() < 1e-4);
            assert!((f64::from(w(3)) / f64::from(w(1)) - 0.3 / 0.9).abs() < 1e-4);
            assert_eq!(a.cost(), 2);
        }
        assert_eq!(colluder(0.5, &[]).kind(), "colluding-validator");
    }

    #[test]
    fn without_a_share_or_a_cartel_it_is_honest() {
        let honest = vec![(1, 65535), (2, 43690), (3, 21845)];
        let mut v = view();
        v.served.remove(&(NET, 4));
        assert_eq!(tempo(&mut colluder(0.0, &[4, 5]), &mut v), honest);
        assert_eq!(tempo(&mut colluder(0.5, &[]), &mut v), honest);
    }

    #[test]
    fn with_the_whole_share_or_no_honest_work_only_the_cartel_is_weighted() {
        let mut v = view();
        assert_eq!(
            tempo(&mut colluder(1.0, &[4, 5]), &mut v),
            vec![(4, 65535), (5, 65535)]
        );
        let mut v = MockView::subnet(NET, 6);
        let mut a = colluder(0.3, &[5]);
        assert_eq!(tempo(&mut a, &mut v), vec![(5, 65535)]);
        v.subnets.get_mut(&NET).unwrap().commit_reveal = true;
        v.block = a.next_block(v.block);
        let mut out = Vec::new();
        a.act(&v, &mut out);
        assert!(matches!(out[..], [Action::CommitWeights { .. }]));
    }

    #[test]
    fn params_are_checked_and_unknown_fields_rejected() {
        let p: ColludingValidatorParams = serde_json::from_str(r#"{"cartel_share": 0.3}"#).unwrap();
        assert_eq!(p, ColludingValidatorParams::new(0.3));
        assert!(p.validate().is_ok());
        assert!(serde_json::from_str::<ColludingValidatorParams>(r#"{}"#).is_err());
        assert!(
            serde_json::from_str::<ColludingValidatorParams>(
                r#"{"cartel_share": 0.3, "share": 1}"#
            )
            .is_err()
        );
        assert_eq!(
            ColludingValidatorParams::new(1.2).validate().unwrap_err(),
            "`cartel_share` must be in [0, 1], got `1.2`"
        );
        let mut p = ColludingValidatorParams::new(0.5);
        p.noise = f64::NAN;
        assert_eq!(
            p.validate().unwrap_err(),
            "`noise` must be a finite number >= 0, got `NaN`"
        );
        p.noise = 0.0;
        p.copy_detection = 2.0;
        assert_eq!(
            p.validate().unwrap_err(),
            "`copy_detection` must be in [0, 1], got `2`"
        );
    }
}
