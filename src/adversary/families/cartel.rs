//! `cartel`: the deviating validator colludes with miners it brings along (the
//! `colluding-validator` and `colluding-miner` behaviours): it reserves a share of its weight
//! for them whatever their work is worth.
//!
//! Parameters:
//! - `stake_share` in `[0.05, 0.6]`: the cartel validator's share of all validator stake (its
//!   stake is set so; its balance keeps the group's unstaked margin);
//! - `weight_share` in `[0, 1]`: the share of its weight on the cartel's miners;
//! - `miners` in `[1, 8]`: how many miners the cartel registers (group `deviator-miners`);
//! - `quality` in `[0, 1]`: their (static) quality in every environment.
//!
//! The honest counterpart is the same capital played honestly: an honest validator with the
//! same stake and honest miners of the same number and quality. The gain counts both groups.

use super::super::{
    Context, DEVIATOR, DEVIATOR_MINERS, Family, Node, Param, Role, float, int, set, text,
};
use super::{param, static_quality};

/// The family.
pub struct Cartel;

impl Family for Cartel {
    fn name(&self) -> &'static str {
        "cartel"
    }
    fn about(&self) -> &'static str {
        "a validator puts a share of its weight on miners of its own cartel"
    }
    fn role(&self) -> Role {
        Role::Validator
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param::real(
                "stake_share",
                0.05,
                0.6,
                "the cartel's share of validator stake",
            ),
            Param::real(
                "weight_share",
                0.0,
                1.0,
                "share of its weight on cartel miners",
            ),
            Param::int("miners", 1, 8, "cartel miners"),
            Param::real("quality", 0.0, 1.0, "the cartel miners' quality"),
        ]
    }
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String> {
        let p = self.params();
        let share = p[0].snap(x[0]);
        // Validators who hold their stake from genesis (alpha) get the cartel's share as
        // genesis stake; validators who buy theirs (TAO), as a purchase.
        let genesis = ctx.other_validator_genesis_stake();
        let others = if genesis > 0.0 {
            genesis
        } else {
            ctx.other_validator_stake()
        };
        if others <= 0.0 {
            return Err(format!(
                "{}: population: the cartel needs other validators with stake",
                ctx.file
            ));
        }
        let g = ctx.group();
        let margin = g.balance.saturating_sub(g.stake) as f64 / 1e9;
        let stake = (share / (1.0 - share) * others * 1000.0).round() / 1000.0;
        let miners = p[2].snap(x[2]) as i128;
        let quality = p[3].snap(x[3]);
        let envs = ctx.scenario.subnets[g.subnet].environments;
        let honest_params = ctx.honest_params(Role::Validator);
        let mut v = ctx.agent_item(
            DEVIATOR,
            if honest {
                "honest-validator"
            } else {
                "colluding-validator"
            },
        );
        if genesis > 0.0 {
            set(&mut v, "genesis_stake", float(stake));
        } else {
            set(&mut v, "stake", float(stake));
            set(&mut v, "balance", float(stake + margin.max(1.0)));
        }
        let mut vp = super::super::map(Vec::new());
        for k in ["noise", "copy_detection", "cost_per_tempo"] {
            if let Some(n) = param(&honest_params, k) {
                set(&mut vp, k, n);
            }
        }
        let mut m = super::super::map(vec![
            ("group", text(DEVIATOR_MINERS)),
            (
                "kind",
                text(if honest {
                    "honest-miner"
                } else {
                    "colluding-miner"
                }),
            ),
            ("subnet", text(&ctx.scenario.subnets[g.subnet].name)),
            ("count", int(miners)),
            ("balance", float(20.0)),
            (
                "params",
                super::super::map(vec![("quality", static_quality(quality, envs))]),
            ),
        ]);
        if !honest {
            set(&mut vp, "cartel_share", float(p[1].snap(x[1])));
            set(&mut v, "cartel", text("adversary"));
            set(&mut m, "cartel", text("adversary"));
        }
        set(&mut v, "params", vp);
        Ok(ctx.split(v, vec![m]))
    }
}
