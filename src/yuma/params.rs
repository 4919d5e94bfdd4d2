//! Yuma parameters, stored as the chain stores them.

use super::bonds::{self, BondsModel};

/// Liquid alpha settings (Yuma3 only; the classic path ignores them, as the chain does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidAlpha {
    /// `AlphaValues.0`, a u16 proportion (chain default 45 875 ≈ 0.7).
    pub alpha_low: u16,
    /// `AlphaValues.1`, a u16 proportion (chain default 58 982 ≈ 0.9).
    pub alpha_high: u16,
    /// `AlphaSigmoidSteepness` (chain default 1000).
    pub steepness: i16,
}

impl Default for LiquidAlpha {
    fn default() -> Self {
        LiquidAlpha {
            alpha_low: 45_875,
            alpha_high: 58_982,
            steepness: 1000,
        }
    }
}

/// Which consensus the liquid-alpha sigmoid measures a weight against
/// (`LiquidAlphaConsensusMode`, spec §13.10).
///
/// The gate of the liquid-alpha branch ("liquid alpha on and some `c_j ≠ 0`") always tests this
/// epoch's consensus; the mode only chooses the `c*` in the sigmoid's `d_ij = W^b_ij − c*_j`.
/// Before the 2026-10 regime the chain had no such setting and always used [`Current`].
///
/// [`Current`]: LiquidAlphaConsensus::Current
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LiquidAlphaConsensus {
    /// This epoch's consensus `c` (the rule of §3.9b; the default of [`YumaParams`]).
    #[default]
    Current,
    /// The previous epoch's stored consensus, `u16/65535` ([`super::EpochInput`]'s
    /// `previous_consensus`).
    Previous,
    /// [`Previous`](Self::Previous) when `BondsPenalty` is 65 535 (β = 1, the chain's
    /// default), else [`Current`](Self::Current). The chain's default mode since spec 446.
    Auto,
    /// The elementwise maximum of the current and the previous consensus (a missing previous
    /// entry reads as 0). Present in one test version of the chain; [UNSURE] whether it
    /// shipped, so scenario and replay files do not offer it.
    Max,
}

impl LiquidAlphaConsensus {
    /// The mode after resolving [`Auto`](Self::Auto) against `BondsPenalty` (never `Auto`).
    pub fn resolve(self, bonds_penalty: u16) -> LiquidAlphaConsensus {
        match self {
            LiquidAlphaConsensus::Auto if bonds_penalty == u16::MAX => {
                LiquidAlphaConsensus::Previous
            }
            LiquidAlphaConsensus::Auto => LiquidAlphaConsensus::Current,
            mode => mode,
        }
    }

    /// Every mode a scenario or replay file may name, with its name.
    pub const NAMED: [(LiquidAlphaConsensus, &'static str); 3] = [
        (LiquidAlphaConsensus::Current, "current"),
        (LiquidAlphaConsensus::Previous, "previous"),
        (LiquidAlphaConsensus::Auto, "auto"),
    ];

    /// Looks a mode up by its file name (`current`, `previous`, `auto`).
    pub fn from_name(name: &str) -> Option<LiquidAlphaConsensus> {
        Self::NAMED
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(m, _)| *m)
    }
}

/// `c*`, the consensus the liquid-alpha sigmoid reads (spec §13.10), as fractions: the chain's
/// `compute_consensus` for liquid alpha.
///
/// - `Current`: `current` itself;
/// - `Previous`: `previous[j]/65535`. The result has `previous`'s length, which may be shorter
///   than `current` (after uid growth): the columns beyond it get no rate, and the chain's
///   sparse EMA then drops their bonds ([UNSURE], §13.15);
/// - `Max`: `max(current[j], previous[j]/65535)`, a missing previous entry read as 0;
/// - `Auto`: resolved first with `bonds_penalty` ([`LiquidAlphaConsensus::resolve`]).
///
/// Previous values are read as the chain reads a stored u16 proportion into `I32F32`.
pub fn liquid_alpha_consensus(
    mode: LiquidAlphaConsensus,
    bonds_penalty: u16,
    current: &[f64],
    previous: &[u16],
    out: &mut Vec<f64>,
) {
    let stored = |u: u16| super::fixed::to_i32f32(super::fixed::from_u16_proportion(u));
    out.clear();
    match mode.resolve(bonds_penalty) {
        LiquidAlphaConsensus::Previous => out.extend(previous.iter().map(|&u| stored(u))),
        LiquidAlphaConsensus::Max => out.extend(current.iter().enumerate().map(|(j, &c)| {
            let p = previous.get(j).map_or(0.0, |&u| stored(u));
            if p > c { p } else { c }
        })),
        _ => out.extend_from_slice(current),
    }
}

/// The per-subnet (per-mechanism) settings the epoch reads.
///
/// Defaults are the "new subnet" column of spec §4: Yuma3 on, κ = 32 767, β = 65 535,
/// bonds moving average 900 000, 64 validator permits, liquid alpha off.
#[derive(Clone, Copy, Debug)]
pub struct YumaParams {
    /// How bonds and dividends are computed (`yuma2`, `yuma3`, ...), see [`bonds::VARIANTS`].
    pub bonds: &'static dyn BondsModel,
    /// `Kappa`, u16 proportion: the stake mass that must support a consensus weight.
    pub kappa: u16,
    /// `BondsPenalty`, u16 proportion: β in `W^b = W + β(Ŵ − W)`.
    pub bonds_penalty: u16,
    /// `BondsMovingAverage` in millionths (900 000 means the new-bond weight a = 0.1).
    pub bonds_moving_average: u64,
    /// `MaxAllowedValidators`: K in the top-K permit rule.
    pub max_allowed_validators: u16,
    /// `LiquidAlphaOn` with its values; `None` means off.
    pub liquid_alpha: Option<LiquidAlpha>,
    /// `CommitRevealWeightsEnabled`: apply the commit-reveal column mask (spec §3.6 step 4).
    pub commit_reveal: bool,
    /// `LiquidAlphaConsensusMode` (§13.10): the consensus the liquid-alpha sigmoid reads.
    /// Default [`LiquidAlphaConsensus::Current`], the rule before the 2026-10 regime.
    pub liquid_alpha_consensus: LiquidAlphaConsensus,
}

impl Default for YumaParams {
    fn default() -> Self {
        YumaParams {
            bonds: &bonds::yuma3::Yuma3,
            kappa: 32_767,
            bonds_penalty: 65_535,
            bonds_moving_average: 900_000,
            max_allowed_validators: 64,
            liquid_alpha: None,
            commit_reveal: false,
            liquid_alpha_consensus: LiquidAlphaConsensus::Current,
        }
    }
}

impl YumaParams {
    /// κ as a fraction.
    pub fn kappa_f64(&self) -> f64 {
        super::fixed::to_i32f32(f64::from(self.kappa) / 65535.0)
    }

    /// β as a fraction.
    pub fn bonds_penalty_f64(&self) -> f64 {
        super::fixed::to_i32f32(f64::from(self.bonds_penalty) / 65535.0)
    }

    /// The EMA weight on the new bond, `a = 1 − BondsMovingAverage/10⁶`, clamped to `[0, 1]`.
    pub fn ema_alpha(&self) -> f64 {
        let bma = self.bonds_moving_average.min(1_000_000) as f64;
        super::fixed::to_i32f32(1.0 - bma / 1_000_000.0)
    }
}
