//! Named parameter sets for the built-in behaviours, so scenarios can say
//! `preset: honest-miner/strong` instead of spelling out parameters. A group's own `params`
//! override a preset's field by field.
//!
//! Parameters are written as in scenario files (amounts in TAO), as JSON text.

/// One preset: its name (`kind/variant`), the behaviour, and its parameters as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// `kind/variant`.
    pub name: &'static str,
    /// The behaviour (a scenario `kind`).
    pub kind: &'static str,
    /// Parameters, as a JSON object.
    pub params: &'static str,
}

/// Every preset.
pub static PRESETS: &[Preset] = &[
    Preset {
        name: "honest-miner/strong",
        kind: "honest-miner",
        params: r#"{"quality": [{"model": "static", "quality": 0.8}]}"#,
    },
    Preset {
        name: "honest-miner/weak",
        kind: "honest-miner",
        params: r#"{"quality": [{"model": "static", "quality": 0.3}]}"#,
    },
    Preset {
        name: "honest-miner/learner",
        kind: "honest-miner",
        params: r#"{"quality": [{"model": "learning_curve", "start": 0.2, "ceiling": 0.9, "rate": 0.05}]}"#,
    },
    Preset {
        name: "honest-miner/drifter",
        kind: "honest-miner",
        params: r#"{"quality": [{"model": "random_walk", "start": 0.5, "step": 0.05}]}"#,
    },
    Preset {
        name: "copying-miner/one-tempo",
        kind: "copying-miner",
        params: r#"{"lag_tempos": 1}"#,
    },
    Preset {
        name: "honest-validator/careful",
        kind: "honest-validator",
        params: r#"{"noise": 0.02, "cost_per_tempo": 0.05}"#,
    },
    Preset {
        name: "honest-validator/noisy",
        kind: "honest-validator",
        params: r#"{"noise": 0.2}"#,
    },
    Preset {
        name: "weight-copier/consensus",
        kind: "weight-copier",
        params: r#"{"source": "consensus"}"#,
    },
    Preset {
        name: "lazy-validator/stale",
        kind: "lazy-validator",
        params: r#"{"mode": "stale"}"#,
    },
    Preset {
        name: "lazy-validator/every-10",
        kind: "lazy-validator",
        params: r#"{"mode": "every_n", "n": 10}"#,
    },
    Preset {
        name: "lazy-validator/uniform",
        kind: "lazy-validator",
        params: r#"{"mode": "uniform"}"#,
    },
    Preset {
        name: "colluding-validator/cartel-80",
        kind: "colluding-validator",
        params: r#"{"cartel_share": 0.8}"#,
    },
    Preset {
        name: "speculator/holder",
        kind: "speculator",
        params: r#"{"strategy": "buy_and_hold", "budget": 100}"#,
    },
    Preset {
        name: "speculator/momentum",
        kind: "speculator",
        params: r#"{"strategy": "momentum", "lookback_tempos": 4, "budget": 100}"#,
    },
    Preset {
        name: "speculator/yield",
        kind: "speculator",
        params: r#"{"strategy": "yield_chasing", "budget": 100}"#,
    },
    Preset {
        name: "speculator/noise",
        kind: "speculator",
        params: r#"{"strategy": "noise", "trade_probability": 0.3, "budget": 100}"#,
    },
];

/// Looks a preset up by name.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed_by_their_kind() {
        for (k, p) in PRESETS.iter().enumerate() {
            assert!(p.name.starts_with(&format!("{}/", p.kind)), "{}", p.name);
            assert!(
                PRESETS[k + 1..].iter().all(|q| q.name != p.name),
                "{} twice",
                p.name
            );
            let v: serde_json::Value = serde_json::from_str(p.params).unwrap();
            assert!(v.is_object(), "{}", p.name);
        }
    }
}
