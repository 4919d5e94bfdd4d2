//! `weight-copying`: the deviating validator stops evaluating and copies weights from the
//! chain (the `weight-copier` behaviour), saving its evaluation cost.
//!
//! Parameters:
//! - `source`: `consensus` (weights ∝ last epoch's public consensus), `validator` (the
//!   visible row of the first validator the scenario registers on the deviator's subnet
//!   besides the deviator: its uid is 1 + the hotkeys registered before it, as the owner's
//!   hotkey holds uid 0) or `stake_weighted` (the stake-weighted mean of every other
//!   permitted validator's visible row, each normalised: the behaviour's
//!   `source: stake_weighted`);
//! - `stake_share` in `[0.1, 0.9]`: the share of the deviator's genesis balance it stakes (its
//!   honest counterpart stakes the same; the rest pays its registration burn);
//! - `timing`: `phase` (once per tempo at its own phase, the behaviour's default) or
//!   `after_epoch` (a set time after each epoch, the behaviour's `delay_blocks`);
//! - `delay` in `[0, 0.99]` (with `after_epoch`): how long after the epoch, as a fraction of
//!   the subnet's tempo (`delay_blocks = ⌊delay × tempo⌋`): 0 copies the newest consensus the
//!   moment the epoch has run, one block later a validator's revealed row is visible (reveals
//!   happen at the start of the block after the epoch), and near 1 it submits right before
//!   the next epoch (copying, without commit-reveal, a validator's weights of this tempo).

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
                &["consensus", "validator", "stake_weighted"],
                "what it copies: the public consensus, the first other validator's visible row, or the stake-weighted mean of the other validators' visible rows",
            ),
            Param::real(
                "stake_share",
                0.1,
                0.9,
                "share of its genesis balance staked",
            ),
            Param::choice(
                "timing",
                &["phase", "after_epoch"],
                "when it submits: at its phase, or a delay after each epoch",
            ),
            Param::real(
                "delay",
                0.0,
                0.99,
                "with after_epoch: the delay after the epoch, as a fraction of the tempo",
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
            let mut params = match p[0].snap(x[0]) as usize {
                0 => map(vec![("source", text("consensus"))]),
                1 => map(vec![
                    ("source", text("validator")),
                    ("uid", int(i128::from(first_validator_uid(ctx)?))),
                ]),
                _ => map(vec![("source", text("stake_weighted"))]),
            };
            if p[2].snap(x[2]) == 1.0 {
                let tempo = ctx.scenario.subnets[ctx.subnet].params.tempo;
                let delay = ((p[3].snap(x[3]) * tempo as f64).floor() as u64).min(tempo - 1);
                set(&mut params, "delay_blocks", int(i128::from(delay)));
            }
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

/// The uid of the first validator registered at genesis on the deviator's subnet other than
/// the deviator: the owner's hotkey is uid 0, then the groups' hotkeys in file order (the
/// deviator's split keeps every other agent's place).
fn first_validator_uid(ctx: &Context) -> Result<u64, String> {
    let mut uid = 1u64;
    for (i, g) in ctx.scenario.population.iter().enumerate() {
        if g.subnet != ctx.subnet || !g.register || g.entry.is_some() {
            continue;
        }
        let validator = g.kind.contains("validator") || g.kind == "weight-copier";
        if validator && (i != ctx.index || g.count > 1) {
            return Ok(uid);
        }
        uid += u64::from(g.count) * u64::from(g.hotkeys);
    }
    Err(format!(
        "{}: population: `source: validator` needs another validator registered on subnet `{}`",
        ctx.file, ctx.scenario.subnets[ctx.subnet].name
    ))
}
