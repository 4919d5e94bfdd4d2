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
