//! What the analysis needs to answer in real units: TAO's USD price path (resolved for the
//! run's seed), each group's off-chain costs per agent per day, and the USD value of a
//! subnet's value unit. Built from the scenario by a run ([`Units::of`]) and recorded in the
//! tables' metadata (`scenario.units`, JSON), so `yumalab report DIR` converts exactly as the
//! run did ([`Units::from_metadata`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scenario::{Costs, PricePath, Scenario};

/// The metadata key.
pub const KEY: &str = "scenario.units";

/// Real units of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// TAO's price in USD over the run (days from its start); `None`: not priced.
    pub tao_usd: Option<PricePath>,
    /// Off-chain costs per agent per day, by group (only groups that have some).
    pub costs: BTreeMap<String, Costs>,
    /// USD per value unit, by netuid (only subnets that price their unit).
    pub value_usd: BTreeMap<u16, f64>,
}

impl Units {
    /// The units of a run of `scenario` with `seed` (a random-walk price is drawn here).
    pub fn of(scenario: &Scenario, seed: u64) -> Units {
        let days = scenario.blocks as f64 / crate::scenario::BLOCKS_PER_DAY as f64;
        Units {
            tao_usd: scenario.tao_usd.as_ref().map(|t| t.resolve(seed, days)),
            costs: scenario
                .population
                .iter()
                .filter(|g| !g.costs.is_zero())
                .map(|g| (g.name.clone(), g.costs))
                .collect(),
            value_usd: scenario
                .subnets
                .iter()
                .filter_map(|s| s.value_usd.map(|v| (s.netuid.0, v)))
                .collect(),
        }
    }

    /// Whether nothing is priced or charged (then nothing is recorded).
    pub fn is_empty(&self) -> bool {
        self.tao_usd.is_none() && self.costs.is_empty() && self.value_usd.is_empty()
    }

    /// The metadata entry, if there is anything to record.
    pub fn metadata(&self) -> Option<(String, String)> {
        (!self.is_empty()).then(|| {
            (
                KEY.to_owned(),
                serde_json::to_string(self).unwrap_or_default(),
            )
        })
    }

    /// The units recorded in `metadata` (none if absent or unreadable).
    pub fn from_metadata(metadata: &BTreeMap<String, String>) -> Units {
        metadata
            .get(KEY)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }

    /// USD per TAO on `day`, NaN when not priced.
    pub fn price(&self, day: f64) -> f64 {
        self.tao_usd.as_ref().map_or(f64::NAN, |p| p.at(day))
    }

    /// `∫ 1 / price` over `[0, days]`, in days·TAO/USD: what `1` USD a day for `days` days
    /// costs in TAO (hourly steps at the midpoints); NaN when not priced.
    pub fn tao_per_usd_days(&self, days: f64) -> f64 {
        if self.tao_usd.is_none() {
            return f64::NAN;
        }
        if days <= 0.0 {
            return 0.0;
        }
        let n = (days * 24.0).ceil().max(1.0) as usize;
        let h = days / n as f64;
        (0..n).map(|k| h / self.price((k as f64 + 0.5) * h)).sum()
    }

    /// Mean price over `[0, days]` (hourly midpoints); NaN when not priced.
    pub fn mean_price(&self, days: f64) -> f64 {
        if self.tao_usd.is_none() {
            return f64::NAN;
        }
        if days <= 0.0 {
            return self.price(0.0);
        }
        let n = (days * 24.0).ceil().max(1.0) as usize;
        let h = days / n as f64;
        (0..n)
            .map(|k| self.price((k as f64 + 0.5) * h))
            .sum::<f64>()
            / n as f64
    }
}
