//! `copying-miners`: the deviating miner stops working and serves, late, a copy of the best
//! miner's output (the `copying-miner` behaviour); it may run several such uids.
//!
//! Parameters:
//! - `lag` in `[1, 10]` tempos: how old the copy it serves is;
//! - `count` in `[1, 6]`: copying uids it runs (the first replaces the deviating agent, the
//!   others are added as `deviator-miners` with the same balance).
//!
//! The honest counterpart runs as many honest miners with the deviator group's quality model
//! and cost.

use super::super::{Context, DEVIATOR, DEVIATOR_MINERS, Family, Node, Param, Role, int, set};
use super::param;

/// The family.
pub struct CopyingMiners;

impl Family for CopyingMiners {
    fn name(&self) -> &'static str {
        "copying-miners"
    }
    fn about(&self) -> &'static str {
        "a miner serves a late copy of the best miner's work instead of its own"
    }
    fn role(&self) -> Role {
        Role::Miner
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param::int("lag", 1, 10, "tempos between the original and the copy"),
            Param::int("count", 1, 6, "copying uids run"),
        ]
    }
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String> {
        let p = self.params();
        let own = ctx.honest_params(Role::Miner);
        let quality = param(&own, "quality").ok_or_else(|| {
            format!(
                "{}: population[{}].params.quality: the copying-miners family needs the deviator's (or an honest miner's) quality model",
                ctx.file, ctx.index
            )
        })?;
        let count = p[1].snap(x[1]) as i128;
        let kind = if honest {
            "honest-miner"
        } else {
            "copying-miner"
        };
        let params = if honest {
            let mut params = super::super::map(vec![("quality", quality)]);
            if let Some(c) = param(&own, "cost_per_tempo") {
                set(&mut params, "cost_per_tempo", c);
            }
            params
        } else {
            super::super::map(vec![("lag_tempos", int(p[0].snap(x[0]) as i128))])
        };
        let mut item = ctx.agent_item(DEVIATOR, kind);
        set(&mut item, "params", params.clone());
        let mut extra = Vec::new();
        if count > 1 {
            let mut m = ctx.agent_item(DEVIATOR_MINERS, kind);
            set(&mut m, "count", int(count - 1));
            set(&mut m, "params", params);
            extra.push(m);
        }
        Ok(ctx.split(item, extra))
    }
}
