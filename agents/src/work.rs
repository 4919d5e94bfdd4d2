//! Miners' work: a true quality per evaluation environment that evolves over time.
//!
//! Quality is a number in `[0, 1]` per environment (a subnet with one environment has one).
//! It is private to the miner; validators see it only through their own noisy evaluation of
//! what the miner serves ([`crate::Action::Serve`]). It advances once per tempo.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// How a true quality evolves, one step per tempo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum QualityModel {
    /// Constant quality.
    Static {
        /// The quality, in `[0, 1]`.
        quality: f64,
    },
    /// A Gaussian random walk reflected into `[min, max]`.
    RandomWalk {
        /// Starting quality.
        start: f64,
        /// Standard deviation of one step.
        step: f64,
        /// Lower bound (default 0).
        #[serde(default)]
        min: f64,
        /// Upper bound (default 1).
        #[serde(default = "one")]
        max: f64,
    },
    /// `q_t = ceiling − (ceiling − start)·e^{−rate·t}`: a miner that improves and saturates.
    LearningCurve {
        /// Quality at t = 0.
        start: f64,
        /// Quality approached as t → ∞.
        ceiling: f64,
        /// Improvement rate per tempo.
        rate: f64,
    },
}

fn one() -> f64 {
    1.0
}

impl QualityModel {
    /// Checks the parameters; returns a description of the first problem.
    ///
    /// # Errors
    /// A message naming the field and the value.
    pub fn validate(&self) -> Result<(), String> {
        let unit = |name: &str, x: f64| {
            if (0.0..=1.0).contains(&x) {
                Ok(())
            } else {
                Err(format!("`{name}` must be in [0, 1], got `{x}`"))
            }
        };
        match *self {
            QualityModel::Static { quality } => unit("quality", quality),
            QualityModel::RandomWalk {
                start,
                step,
                min,
                max,
            } => {
                unit("start", start)?;
                unit("min", min)?;
                unit("max", max)?;
                if !(step >= 0.0 && step.is_finite()) {
                    return Err(format!("`step` must be a finite number >= 0, got `{step}`"));
                }
                if min > max {
                    return Err(format!("`min` ({min}) must not exceed `max` ({max})"));
                }
                Ok(())
            }
            QualityModel::LearningCurve {
                start,
                ceiling,
                rate,
            } => {
                unit("start", start)?;
                unit("ceiling", ceiling)?;
                if !(rate >= 0.0 && rate.is_finite()) {
                    return Err(format!("`rate` must be a finite number >= 0, got `{rate}`"));
                }
                Ok(())
            }
        }
    }
}

/// A quality in motion: a model and where it is now.
#[derive(Clone, Debug, PartialEq)]
pub struct Quality {
    model: QualityModel,
    current: f64,
    tempos: u64,
}

impl Quality {
    /// Starts the model at its initial quality.
    pub fn new(model: QualityModel) -> Quality {
        let current = match model {
            QualityModel::Static { quality } => quality,
            QualityModel::RandomWalk { start, .. } | QualityModel::LearningCurve { start, .. } => {
                start
            }
        };
        Quality {
            model,
            current,
            tempos: 0,
        }
    }

    /// The current quality.
    pub fn current(&self) -> f64 {
        self.current
    }

    /// Advances one tempo and returns the new quality.
    pub fn advance(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        self.tempos += 1;
        self.current = match self.model {
            QualityModel::Static { quality } => quality,
            QualityModel::RandomWalk { step, min, max, .. } => {
                let z: f64 = if step > 0.0 {
                    Normal::new(0.0, step).map_or(0.0, |n| n.sample(rng))
                } else {
                    // Keep the stream position independent of the parameters.
                    let _: f64 = rng.random();
                    0.0
                };
                reflect(self.current + z, min, max)
            }
            QualityModel::LearningCurve {
                start,
                ceiling,
                rate,
            } => ceiling - (ceiling - start) * (-rate * self.tempos as f64).exp(),
        };
        self.current
    }
}

/// Reflects `x` into `[lo, hi]`.
fn reflect(mut x: f64, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return lo;
    }
    for _ in 0..4 {
        if x < lo {
            x = 2.0 * lo - x;
        } else if x > hi {
            x = 2.0 * hi - x;
        } else {
            return x;
        }
    }
    x.clamp(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn learning_curve_approaches_its_ceiling() {
        let mut q = Quality::new(QualityModel::LearningCurve {
            start: 0.2,
            ceiling: 0.9,
            rate: 0.5,
        });
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let qs: Vec<f64> = (0..20).map(|_| q.advance(&mut rng)).collect();
        assert!(qs.windows(2).all(|w| w[1] >= w[0]));
        assert!((qs[19] - 0.9).abs() < 1e-4);
    }

    #[test]
    fn random_walk_stays_in_bounds_and_is_reproducible() {
        let model = QualityModel::RandomWalk {
            start: 0.5,
            step: 0.3,
            min: 0.1,
            max: 0.8,
        };
        let run = || {
            let mut q = Quality::new(model.clone());
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            (0..500).map(|_| q.advance(&mut rng)).collect::<Vec<_>>()
        };
        let a = run();
        assert!(a.iter().all(|x| (0.1..=0.8).contains(x)));
        assert_eq!(a, run());
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = QualityModel::Static { quality: 1.5 }
            .validate()
            .unwrap_err();
        assert_eq!(e, "`quality` must be in [0, 1], got `1.5`");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let r: Result<QualityModel, _> =
            serde_json::from_str(r#"{"model": "static", "quality": 0.5, "qualty": 1}"#);
        assert!(r.is_err());
    }
}
