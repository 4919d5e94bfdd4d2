//! Incentive mechanisms: how a validator turns the work it observed into weights.
//!
//! A subnet declares one [`Mechanism`]; each validator applies it to its own
//! [`Observation`]s (true quality plus the validator's noise, per environment). Single-score
//! mechanisms use the mean over environments. An observation flagged as a detected copy
//! scores 0. Output weights are u16, max-upscaled (the largest is 65535), in ascending uid
//! order, with zero weights omitted.
//!
//! A mechanism may also live outside the engine ([`Mechanism::External`], written
//! `kind: python` in scenarios): the scenario names a function, and whoever runs the
//! scenario (the Python package) supplies an [`ExternalMechanism`] for it before the run. The
//! engine only sees the trait; an unresolved external mechanism gives no weights.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A subnet's incentive mechanism.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Mechanism {
    /// Weight proportional to the observed score.
    Proportional,
    /// All weight on the best observed score (ties: earliest served, then lowest uid).
    WinnerTakesAll,
    /// Equal weight on the `k` best (ties as for winner-takes-all).
    TopK {
        /// How many miners share the weight.
        k: u16,
    },
    /// Weight ∝ exp(score / temperature).
    Softmax {
        /// Temperature (> 0): small is close to winner-takes-all, large close to uniform.
        temperature: f64,
    },
    /// Pareto winner-takes-all over the environments: only a miner not dominated in every
    /// environment can win, and among those the one that reached the frontier first (served
    /// earliest) keeps the win against later copies. A miner is dominated if another scores
    /// at least `margin` higher in every environment (and strictly more in one); the margin
    /// is what protects the first mover from copies that the evaluation noise places a hair
    /// above it.
    ParetoWinnerTakesAll {
        /// How much better in every environment a challenger must be to dominate
        /// (default 0.01).
        #[serde(default = "default_margin")]
        margin: f64,
    },
    /// A mechanism supplied from outside the engine (`kind: python`): `function` names it
    /// (`module:attribute`), `params` are handed to it untouched. It must be resolved
    /// ([`External::resolve`]) before a run; unresolved, it gives no weights.
    #[serde(rename = "python")]
    External(External),
}

/// What one validator's evaluation is, for an [`ExternalMechanism`]: who evaluates, when,
/// with how much stake, and the row it submitted last.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evaluation<'a> {
    /// The subnet.
    pub netuid: u16,
    /// The validator's uid.
    pub validator_uid: u16,
    /// The validator's hotkey id.
    pub hotkey: u64,
    /// The current block.
    pub block: u64,
    /// The subnet's epoch index (how many epochs have run).
    pub epoch: u64,
    /// The validator's stake weight at the last epoch (rao).
    pub stake: f64,
    /// The row it submitted last (ascending uid, u16 weights); empty at first.
    pub previous: &'a [(u16, u16)],
}

/// A mechanism implemented outside the engine. Implementations report their own errors
/// (and stop the run through the caller's stop flag): the engine only gets weights.
pub trait ExternalMechanism: Send + Sync {
    /// Raw weights, one per observation in order (finite, `>= 0`), into `raw` (cleared
    /// first). Anything else (another length, a negative or non-finite value) gives no
    /// weights.
    fn weights(
        &self,
        evaluation: &Evaluation<'_>,
        observations: &[Observation],
        raw: &mut Vec<f64>,
    );
}

/// `kind: python`: the function's name, its parameters, and once resolved its
/// implementation.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// `module:attribute`.
    pub function: String,
    /// Parameters for the function, as written.
    #[serde(default)]
    pub params: serde_json::Value,
    /// The implementation, once resolved.
    #[serde(skip)]
    pub resolved: Option<Arc<dyn ExternalMechanism>>,
}

impl External {
    /// Supplies the implementation.
    pub fn resolve(&mut self, implementation: Arc<dyn ExternalMechanism>) {
        self.resolved = Some(implementation);
    }
}

impl fmt::Debug for External {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("External")
            .field("function", &self.function)
            .field("params", &self.params)
            .field("resolved", &self.resolved.is_some())
            .finish()
    }
}

impl PartialEq for External {
    fn eq(&self, other: &Self) -> bool {
        self.function == other.function
            && self.params == other.params
            && match (&self.resolved, &other.resolved) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}

fn default_margin() -> f64 {
    0.01
}

impl Mechanism {
    /// Checks the parameters.
    ///
    /// # Errors
    /// A message naming the field and value.
    pub fn validate(&self) -> Result<(), String> {
        if let Mechanism::External(e) = self {
            let ok = e.function.split_once(':').is_some_and(|(m, a)| {
                !m.is_empty()
                    && !a.is_empty()
                    && m.split('.').all(is_identifier)
                    && a.split('.').all(is_identifier)
            });
            return if ok {
                Ok(())
            } else {
                Err(format!(
                    "`function` must be `module:function` (Python names, e.g. `my_rules:score`), got `{}`",
                    e.function
                ))
            };
        }
        match *self {
            Mechanism::TopK { k: 0 } => Err("`k` must be at least 1, got `0`".into()),
            Mechanism::Softmax { temperature }
                if !(temperature > 0.0 && temperature.is_finite()) =>
            {
                Err(format!(
                    "`temperature` must be a finite number > 0, got `{temperature}`"
                ))
            }
            Mechanism::ParetoWinnerTakesAll { margin }
                if !(margin >= 0.0 && margin.is_finite()) =>
            {
                Err(format!(
                    "`margin` must be a finite number >= 0, got `{margin}`"
                ))
            }
            _ => Ok(()),
        }
    }
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_alphabetic() || f == '_')
        && c.all(|x| x.is_alphanumeric() || x == '_')
}

/// What one validator observed of one uid's work this tempo.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The uid.
    pub uid: u16,
    /// Observed score per environment (true quality plus this validator's noise).
    pub scores: Vec<f64>,
    /// Block at which the work was served (earlier wins ties).
    pub served_at: u64,
    /// The validator detected the work as a copy: it scores 0.
    pub copy_detected: bool,
}

impl Observation {
    fn score(&self) -> f64 {
        if self.copy_detected || self.scores.is_empty() {
            0.0
        } else {
            (self.scores.iter().sum::<f64>() / self.scores.len() as f64).max(0.0)
        }
    }
}

impl Mechanism {
    /// The weights for `observations`, into `out` (cleared first), without an evaluation
    /// context (an [`ExternalMechanism`] sees a default [`Evaluation`]).
    pub fn weights(&self, observations: &[Observation], out: &mut Vec<(u16, u16)>) {
        self.weights_for(&Evaluation::default(), observations, out);
    }

    /// The weights `evaluation`'s validator gives for `observations`, into `out` (cleared
    /// first). Built-in mechanisms ignore `evaluation`.
    pub fn weights_for(
        &self,
        evaluation: &Evaluation<'_>,
        observations: &[Observation],
        out: &mut Vec<(u16, u16)>,
    ) {
        out.clear();
        let mut raw: Vec<(u16, f64)> = Vec::with_capacity(observations.len());
        // Ranking order: score descending, then earliest served, then lowest uid.
        let ranked = |obs: &[Observation]| {
            let mut idx: Vec<usize> = (0..obs.len()).collect();
            idx.sort_by(|&a, &b| {
                obs[b]
                    .score()
                    .total_cmp(&obs[a].score())
                    .then(obs[a].served_at.cmp(&obs[b].served_at))
                    .then(obs[a].uid.cmp(&obs[b].uid))
            });
            idx
        };
        match *self {
            Mechanism::External(ref e) => {
                let Some(implementation) = &e.resolved else {
                    return;
                };
                let mut row = Vec::with_capacity(observations.len());
                implementation.weights(evaluation, observations, &mut row);
                if row.len() != observations.len()
                    || row.iter().any(|w| !(*w >= 0.0 && w.is_finite()))
                {
                    return;
                }
                raw.extend(observations.iter().zip(row).map(|(o, w)| (o.uid, w)));
            }
            Mechanism::Proportional => raw.extend(observations.iter().map(|o| (o.uid, o.score()))),
            Mechanism::WinnerTakesAll => {
                if let Some(&i) = ranked(observations).first() {
                    raw.push((observations[i].uid, observations[i].score()));
                }
            }
            Mechanism::TopK { k } => {
                for &i in ranked(observations).iter().take(usize::from(k)) {
                    if observations[i].score() > 0.0 {
                        raw.push((observations[i].uid, 1.0));
                    }
                }
            }
            Mechanism::Softmax { temperature } => {
                let max = observations
                    .iter()
                    .map(Observation::score)
                    .fold(f64::NEG_INFINITY, f64::max);
                raw.extend(
                    observations
                        .iter()
                        .map(|o| (o.uid, ((o.score() - max) / temperature).exp())),
                );
            }
            Mechanism::ParetoWinnerTakesAll { margin } => {
                let valid = |o: &Observation| !o.copy_detected && !o.scores.is_empty();
                let dominated = |o: &Observation| {
                    observations.iter().any(|c| {
                        valid(c)
                            && c.uid != o.uid
                            && c.scores.len() == o.scores.len()
                            && c.scores
                                .iter()
                                .zip(&o.scores)
                                .all(|(a, b)| *a >= b + margin)
                            && c.scores.iter().zip(&o.scores).any(|(a, b)| *a > b + margin)
                    })
                };
                let winner = observations
                    .iter()
                    .filter(|o| valid(o) && !dominated(o))
                    .min_by(|a, b| a.served_at.cmp(&b.served_at).then(a.uid.cmp(&b.uid)));
                if let Some(w) = winner {
                    raw.push((w.uid, 1.0));
                }
            }
        }
        let max = raw.iter().map(|r| r.1).fold(0.0, f64::max);
        if max <= 0.0 || !max.is_finite() {
            return;
        }
        raw.sort_by_key(|r| r.0);
        out.reserve(raw.len());
        for (uid, w) in raw {
            let u = (w / max * 65535.0).round();
            if u >= 1.0 {
                out.push((uid, u as u16));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(uid: u16, scores: &[f64], served_at: u64) -> Observation {
        Observation {
            uid,
            scores: scores.to_vec(),
            served_at,
            copy_detected: false,
        }
    }

    fn run(m: Mechanism, o: &[Observation]) -> Vec<(u16, u16)> {
        let mut out = Vec::new();
        m.weights(o, &mut out);
        out
    }

    #[test]
    fn proportional_scales_the_best_to_65535() {
        let o = [obs(3, &[0.5], 1), obs(1, &[1.0], 1), obs(2, &[0.0], 1)];
        assert_eq!(
            run(Mechanism::Proportional, &o),
            vec![(1, 65535), (3, 32768)]
        );
    }

    #[test]
    fn winner_takes_all_breaks_ties_by_first_served() {
        let o = [obs(1, &[0.9], 20), obs(2, &[0.9], 10), obs(3, &[0.5], 1)];
        assert_eq!(run(Mechanism::WinnerTakesAll, &o), vec![(2, 65535)]);
    }

    #[test]
    fn top_k_splits_equally() {
        let o = [obs(1, &[0.9], 1), obs(2, &[0.8], 1), obs(3, &[0.1], 1)];
        assert_eq!(
            run(Mechanism::TopK { k: 2 }, &o),
            vec![(1, 65535), (2, 65535)]
        );
    }

    #[test]
    fn softmax_temperature_interpolates() {
        let o = [obs(1, &[1.0], 1), obs(2, &[0.5], 1)];
        let cold = run(Mechanism::Softmax { temperature: 0.01 }, &o);
        let hot = run(Mechanism::Softmax { temperature: 100.0 }, &o);
        assert_eq!(cold, vec![(1, 65535)]);
        assert!(hot[1].1 > 65_000);
    }

    #[test]
    fn pareto_keeps_the_first_on_the_frontier_against_a_later_copy() {
        // 1 is first and undominated; 2 is a later near-copy; 3 is dominated by 1.
        let o = [
            obs(1, &[0.8, 0.6], 5),
            obs(2, &[0.81, 0.6], 9),
            obs(3, &[0.5, 0.5], 1),
        ];
        assert_eq!(
            run(Mechanism::ParetoWinnerTakesAll { margin: 0.01 }, &o),
            vec![(1, 65535)]
        );
        // Without a margin the noisy copy dominates the original.
        assert_eq!(
            run(Mechanism::ParetoWinnerTakesAll { margin: 0.0 }, &o),
            vec![(2, 65535)]
        );
        // A real improvement in every environment beyond the margin takes the win.
        let o = [obs(1, &[0.8, 0.6], 5), obs(2, &[0.9, 0.7], 9)];
        assert_eq!(
            run(Mechanism::ParetoWinnerTakesAll { margin: 0.05 }, &o),
            vec![(2, 65535)]
        );
    }

    #[test]
    fn detected_copies_score_zero() {
        let mut o = [obs(1, &[0.9], 1), obs(2, &[0.5], 1)];
        o[0].copy_detected = true;
        assert_eq!(run(Mechanism::WinnerTakesAll, &o), vec![(2, 65535)]);
    }

    struct Halves;
    impl ExternalMechanism for Halves {
        fn weights(&self, e: &Evaluation<'_>, o: &[Observation], raw: &mut Vec<f64>) {
            raw.clear();
            raw.extend(o.iter().map(|x| {
                if u64::from(x.uid) == e.epoch {
                    1.0
                } else {
                    0.5
                }
            }));
        }
    }

    struct Wrong(f64);
    impl ExternalMechanism for Wrong {
        fn weights(&self, _: &Evaluation<'_>, o: &[Observation], raw: &mut Vec<f64>) {
            raw.clear();
            raw.extend(o.iter().map(|_| self.0));
        }
    }

    fn external(function: &str) -> External {
        External {
            function: function.into(),
            params: serde_json::Value::Null,
            resolved: None,
        }
    }

    #[test]
    fn external_mechanisms_get_the_evaluation_and_are_upscaled_as_built_ins() {
        let o = [obs(1, &[0.9], 1), obs(2, &[0.8], 1)];
        let mut e = external("m:f");
        let mut out = vec![(9, 9)];
        // Unresolved: no weights.
        Mechanism::External(e.clone()).weights(&o, &mut out);
        assert!(out.is_empty());
        e.resolve(Arc::new(Halves));
        let ev = Evaluation {
            epoch: 2,
            ..Evaluation::default()
        };
        Mechanism::External(e).weights_for(&ev, &o, &mut out);
        assert_eq!(out, vec![(1, 32768), (2, 65535)]);
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let mut e = external("m:f");
            e.resolve(Arc::new(Wrong(bad)));
            Mechanism::External(e).weights(&o, &mut out);
            assert!(out.is_empty(), "{bad}");
        }
    }

    #[test]
    fn external_mechanisms_parse_as_kind_python() {
        let m: Mechanism = serde_json::from_value(serde_json::json!(
            {"kind": "python", "function": "my_rules:score", "params": {"k": 3}}
        ))
        .unwrap();
        let Mechanism::External(e) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(e.function, "my_rules:score");
        assert_eq!(e.params["k"], 3);
        assert!(m.validate().is_ok());
        for bad in ["score", "my_rules:", ":f", "my-rules:f", "a.b:c d"] {
            assert!(
                Mechanism::External(external(bad)).validate().is_err(),
                "{bad}"
            );
        }
        assert!(
            Mechanism::External(external("pkg.mod:Cls.f"))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn parameters_are_checked() {
        assert!(Mechanism::TopK { k: 0 }.validate().is_err());
        assert!(Mechanism::Softmax { temperature: 0.0 }.validate().is_err());
        assert!(Mechanism::Proportional.validate().is_ok());
    }
}
