//! `delegator`: a delegator trades its stake between subnets and validators by a rule (the
//! `speculator` behaviour's `momentum` or `yield_chasing` strategy, with a `threshold` a trade
//! must clear) instead of staking once and holding.
//!
//! The deviator is one agent of a `speculator` group (by default the first such group; name
//! one with `--deviator`). Its capital is the group's per-agent `balance` (free TAO at
//! genesis); it stakes `capital_share` of what is above 1 TAO (kept for transaction fees)
//! and keeps the rest as TAO.
//!
//! Parameters:
//! - `strategy`: `momentum` (moves to the subnet whose spot price rose most over the
//!   lookback; exits to TAO when none rose) or `yield_chasing` (moves to the validator with
//!   the highest recent dividends per unit stake);
//! - `threshold` in `[0, 1]`: the margin a trade must clear — momentum: the best rise must
//!   beat its own subnet's by this much (a fraction: 0.05 = 5 points) and an exit needs a fall
//!   of this much; yield chasing: the best yield must be `1 + threshold` times its own;
//! - `lookback_tempos` in `[1, 24]`: how far back momentum compares prices (yield chasing
//!   ignores it);
//! - `capital_share` in `[0.1, 1]`: the share of its capital (above 1 TAO) it stakes.
//!
//! Honest play is passive staking: the same agent with the same budget stakes once, at its
//! first act, behind its start subnet's top validator (where the scenario puts it) and holds
//! (`strategy: buy_and_hold`). Both keep the group's `trade_every_tempos`. A trader with a
//! threshold no trade clears behaves exactly as the passive staker (its gain is 0 to the
//! rao); profit is TAO value at the end at spot prices minus the genesis balance.

use super::super::{Context, DEVIATOR, Family, Node, Param, Role, float, int, map, set, text};
use super::param;

/// The family.
pub struct Delegator;

const STRATEGIES: [&str; 2] = ["momentum", "yield_chasing"];

impl Family for Delegator {
    fn name(&self) -> &'static str {
        "delegator"
    }
    fn about(&self) -> &'static str {
        "a delegator chases price momentum or dividend yield instead of staking once and holding"
    }
    fn role(&self) -> Role {
        Role::Delegator
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param::choice("strategy", &STRATEGIES, "its trading rule"),
            Param::real(
                "threshold",
                0.0,
                1.0,
                "the margin a trade must clear (momentum: price rise; yield: relative yield)",
            ),
            Param::int("lookback_tempos", 1, 24, "tempos momentum looks back over"),
            Param::real(
                "capital_share",
                0.1,
                1.0,
                "share of its capital (above 1 TAO) it stakes",
            ),
        ]
    }
    fn main_param(&self) -> usize {
        1
    }
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String> {
        let p = self.params();
        let balance = ctx.group().balance as f64 / 1e9;
        let budget = (p[3].snap(x[3]) * (balance - 1.0) * 1000.0).floor() / 1000.0;
        if budget <= 0.0 {
            return Err(format!(
                "{}: population[{}].balance: the delegator family needs a balance above 1 TAO to stake, got {balance}",
                ctx.file, ctx.index
            ));
        }
        let own = super::super::get(ctx.item(), "params")
            .cloned()
            .unwrap_or_else(|| map(Vec::new()));
        let mut params = map(Vec::new());
        if honest {
            set(&mut params, "strategy", text("buy_and_hold"));
        } else {
            let strategy = STRATEGIES[p[0].snap(x[0]) as usize];
            set(&mut params, "strategy", text(strategy));
            if strategy == "momentum" {
                set(&mut params, "lookback_tempos", int(p[2].snap(x[2]) as i128));
            }
            let threshold = p[1].snap(x[1]);
            if threshold > 0.0 {
                set(&mut params, "threshold", float(threshold));
            }
        }
        set(&mut params, "budget", float(budget));
        if let Some(every) = param(&own, "trade_every_tempos") {
            set(&mut params, "trade_every_tempos", every);
        }
        let mut item = ctx.agent_item(DEVIATOR, "speculator");
        set(&mut item, "params", params);
        Ok(ctx.split(item, Vec::new()))
    }
}
