//! `weight-copying`: the deviating validator stops evaluating and copies weights from the
//! chain (the `weight-copier` behaviour), saving its evaluation cost.
//!
//! Parameters:
//! - `source`: `consensus` (weights ∝ last epoch's public consensus) or `validator` (the row
//!   of the validator at uid 0, the scenario's first registered hotkey);
//! - `stake_share` in `[0.1, 0.9]`: the share of the deviator's genesis balance it stakes (its
//!   honest counterpart stakes the same; the rest pays its registration burn).
//!
//! Timing submissions around commit-reveal and copying a stake-weighted mix are not
//! expressible: the behaviour submits once per tempo what it can see.

use super::super::{Context, Family, Node, Param, Role, float, get, int, map, set, text};

/// The family.
pub struct WeightCopying;

impl Family for WeightCopying {
    fn name(&self) -> &'static str {
        "weight-copying"
    }
    fn about(&self) -> &'static str {
        "a validator copies weights from the chain instead of evaluating"
    }
    fn role(&self) -> Role {
        Role::Validator
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param::choice(
                "source",
                &["consensus", "validator"],
                "what it copies: the public consensus or validator uid 0",
            ),
            Param::real(
                "stake_share",
                0.1,
                0.9,
                "share of its genesis balance staked",
            ),
        ]
    }
    fn main_param(&self) -> usize {
        1
    }
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String> {
        let p = self.params();
        let balance = ctx.group().balance as f64 / 1e9;
        let stake = (p[1].snap(x[1]) * balance * 1000.0).round() / 1000.0;
        let mut item = if honest {
            let mut item = ctx.agent_item(super::super::DEVIATOR, "honest-validator");
            set(&mut item, "params", ctx.honest_params(Role::Validator));
            item
        } else {
            let mut item = ctx.agent_item(super::super::DEVIATOR, "weight-copier");
            let params = if p[0].snap(x[0]) == 0.0 {
                map(vec![("source", text("consensus"))])
            } else {
                map(vec![("source", text("validator")), ("uid", int(0))])
            };
            set(&mut item, "params", params);
            item
        };
        if get(&item, "balance").is_none() {
            return Err(format!(
                "{}: population[{}]: the deviator needs a `balance`",
                ctx.file, ctx.index
            ));
        }
        set(&mut item, "stake", float(stake));
        Ok(ctx.split(item, Vec::new()))
    }
}
