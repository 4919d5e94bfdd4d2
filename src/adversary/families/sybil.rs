//! `sybil`: the deviating miner serves its one model from several hotkeys (the `sybil-miner`
//! behaviour), paying a registration burn for each.
//!
//! Parameters:
//! - `hotkeys` in `[1, 16]`: uids it runs;
//! - `copies`: `marked` (the extra uids serve duplicates validators may detect) or `distinct`
//!   (outputs differ but are equally good: nothing to detect).
//!
//! Its model is the deviator group's `quality`. Both it and its honest counterpart get the
//! group's balance plus 2 TAO per possible hotkey, so the burns can be paid; unspent TAO is
//! held and does not count as profit.

use super::super::{Context, DEVIATOR, Family, Node, Param, Role, boolean, float, int, set};
use super::param;

/// The family.
pub struct Sybil;

const MAX_HOTKEYS: i64 = 16;

impl Family for Sybil {
    fn name(&self) -> &'static str {
        "sybil"
    }
    fn about(&self) -> &'static str {
        "a miner splits one model over several uids"
    }
    fn role(&self) -> Role {
        Role::Miner
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param::int("hotkeys", 1, MAX_HOTKEYS, "uids serving the one model"),
            Param::choice(
                "copies",
                &["marked", "distinct"],
                "whether the extra uids' outputs are detectable duplicates",
            ),
        ]
    }
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String> {
        let p = self.params();
        let own = ctx.honest_params(Role::Miner);
        let quality = param(&own, "quality").ok_or_else(|| {
            format!(
                "{}: population[{}].params.quality: the sybil family needs the deviator's (or an honest miner's) quality model",
                ctx.file, ctx.index
            )
        })?;
        let balance = ctx.group().balance as f64 / 1e9 + 2.0 * MAX_HOTKEYS as f64;
        let mut item = ctx.agent_item(
            DEVIATOR,
            if honest {
                "honest-miner"
            } else {
                "sybil-miner"
            },
        );
        set(&mut item, "balance", float(balance));
        let mut params = super::super::map(vec![("quality", quality)]);
        if let Some(c) = param(&own, "cost_per_tempo") {
            set(&mut params, "cost_per_tempo", c);
        }
        if !honest {
            set(&mut item, "hotkeys", int(p[0].snap(x[0]) as i128));
            set(&mut params, "mark_copies", boolean(p[1].snap(x[1]) == 0.0));
        }
        set(&mut item, "params", params);
        Ok(ctx.split(item, Vec::new()))
    }
}
