//! `lazy`: the deviating validator evaluates less (the `lazy-validator` behaviour) and saves
//! the evaluation cost of the tempos it skips.
//!
//! Parameters:
//! - `mode`: `stale` (evaluate once, re-submit forever), `every_n` (evaluate every `n`
//!   tempos) or `uniform` (never evaluate, equal weight on everyone who serves);
//! - `n` in `[2, 30]` tempos (only with `every_n`).
//!
//! It keeps the honest validators' `noise`, `copy_detection` and `cost_per_tempo`.

use super::super::{Context, Family, Node, Param, Role, int, set, text};

/// The family.
pub struct Lazy;

impl Family for Lazy {
    fn name(&self) -> &'static str {
        "lazy"
    }
    fn about(&self) -> &'static str {
        "a validator evaluates rarely or never and re-submits old or uniform weights"
    }
    fn role(&self) -> Role {
        Role::Validator
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param::choice(
                "mode",
                &["every_n", "stale", "uniform"],
                "how it saves work",
            ),
            Param::int("n", 2, 30, "tempos between evaluations (every_n)"),
        ]
    }
    fn main_param(&self) -> usize {
        1
    }
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String> {
        let p = self.params();
        let mut params = ctx.honest_params(Role::Validator);
        let item = if honest {
            let mut item = ctx.agent_item(super::super::DEVIATOR, "honest-validator");
            set(&mut item, "params", params);
            item
        } else {
            let mut item = ctx.agent_item(super::super::DEVIATOR, "lazy-validator");
            let mode = p[0].snap(x[0]) as usize;
            set(
                &mut params,
                "mode",
                text(["every_n", "stale", "uniform"][mode]),
            );
            if mode == 0 {
                set(&mut params, "n", int(p[1].snap(x[1]) as i128));
            }
            set(&mut item, "params", params);
            item
        };
        Ok(ctx.split(item, Vec::new()))
    }
}
