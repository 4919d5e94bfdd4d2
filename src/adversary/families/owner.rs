//! `owner`: a subnet's owner runs miners of its own (the `subnet-owner` behaviour; the chain
//! burns their incentive) and changes a hyperparameter during the run (the owner's
//! `changes`).
//!
//! The deviator is the owner of a subnet (`--deviator SUBNET`; default the first subnet), not
//! a population group. Its profit is its coldkey's holdings at the end at spot prices (free
//! TAO, its owner-cut stake) minus its genesis balance.
//!
//! Parameters:
//! - `miners` in `[0, 8]`: miner uids it runs (registered by the owner at the current burn);
//! - `quality` in `[0, 1]`: their (static) quality in every environment;
//! - `change`: the hyperparameter it sets — `none`, `commit_reveal_on` / `_off`,
//!   `liquid_alpha_on` (`{alpha_low: 0.7, alpha_high: 0.9}`) / `_off`, `yuma3_on` / `_off`
//!   (setting the value the subnet already has is a change that changes nothing);
//! - `at` in `[0, 0.9]`: when, as a fraction of the run (block `max(1, at × blocks)`).
//!
//! κ and the registration burn are not among the hyperparameters an owner may change in a
//! scenario (see `scenarios/README.md`, `owner.changes`), so they are not in the space.
//!
//! Honest play is the scenario's owner without miners of its own and with only the
//! scenario's own `changes`. Both get the scenario owner's balance plus 2 TAO per possible
//! miner and 1 TAO for the change's fee, so burns and fees can be paid; unspent TAO is held
//! and is not profit.

use super::super::{
    Context, Family, Node, Param, Role, Value, boolean, float, get, int, map, remove, set,
};
use super::static_quality;

/// The family.
pub struct Owner;

const MAX_MINERS: i64 = 8;
const CHANGES: [&str; 7] = [
    "none",
    "commit_reveal_on",
    "commit_reveal_off",
    "liquid_alpha_on",
    "liquid_alpha_off",
    "yuma3_on",
    "yuma3_off",
];

impl Family for Owner {
    fn name(&self) -> &'static str {
        "owner"
    }
    fn about(&self) -> &'static str {
        "a subnet owner runs miners of its own and changes a hyperparameter"
    }
    fn role(&self) -> Role {
        Role::Owner
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param::int("miners", 0, MAX_MINERS, "owner-run miner uids"),
            Param::real("quality", 0.0, 1.0, "their quality"),
            Param::choice("change", &CHANGES, "the hyperparameter it sets"),
            Param::real("at", 0.0, 0.9, "when it sets it, as a fraction of the run"),
        ]
    }
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String> {
        let p = self.params();
        let s = &ctx.scenario.subnets[ctx.subnet];
        let mut tree = ctx.tree.clone();
        let Some(Value::Seq(subnets)) = get(&tree, "subnets").map(|n| &n.value) else {
            return Err(format!("{}: subnets: expected a list", ctx.file));
        };
        let mut item = subnets[ctx.subnet].clone();
        let mut owner = get(&item, "owner")
            .cloned()
            .unwrap_or_else(|| map(Vec::new()));
        let balance = s.owner_balance as f64 / 1e9 + 2.0 * MAX_MINERS as f64 + 1.0;
        set(&mut owner, "balance", float(balance));
        let miners = p[0].snap(x[0]) as i128;
        if honest || miners == 0 {
            remove(&mut owner, "miners");
            remove(&mut owner, "params");
        } else {
            set(&mut owner, "miners", int(miners));
            set(
                &mut owner,
                "params",
                map(vec![(
                    "quality",
                    static_quality(p[1].snap(x[1]), s.environments),
                )]),
            );
        }
        let change = CHANGES[p[2].snap(x[2]) as usize];
        if !honest && change != "none" {
            let block = ((p[3].snap(x[3]) * ctx.scenario.blocks as f64).round() as i128).max(1);
            let value = match change {
                "commit_reveal_on" => ("commit_reveal", boolean(true)),
                "commit_reveal_off" => ("commit_reveal", boolean(false)),
                "liquid_alpha_on" => (
                    "liquid_alpha",
                    map(vec![("alpha_low", float(0.7)), ("alpha_high", float(0.9))]),
                ),
                "liquid_alpha_off" => ("liquid_alpha", Node::detached(Value::Null)),
                "yuma3_on" => ("yuma3", boolean(true)),
                _ => ("yuma3", boolean(false)),
            };
            let mut changes = match get(&owner, "changes").map(|n| &n.value) {
                Some(Value::Seq(items)) => items.clone(),
                _ => Vec::new(),
            };
            changes.push(map(vec![("block", int(block)), value]));
            set(&mut owner, "changes", Node::detached(Value::Seq(changes)));
        }
        set(&mut item, "owner", owner);
        let Some(Value::Seq(subnets)) =
            super::super::get_mut(&mut tree, "subnets").map(|n| &mut n.value)
        else {
            unreachable!("read above")
        };
        subnets[ctx.subnet] = item;
        Ok(tree)
    }
    fn profit(&self, ctx: &Context, out: &crate::run::Outcome) -> f64 {
        let name = format!("{}/owner", ctx.scenario.subnets[ctx.subnet].name);
        let chain = out.simulation.chain();
        let Some(id) = chain.coldkeys.iter().position(|c| c.name == name) else {
            return f64::NAN;
        };
        let held = crate::report::summary::all_holdings(chain)[id];
        let genesis = ctx.scenario.subnets[ctx.subnet].owner_balance as f64
            + (2.0 * MAX_MINERS as f64 + 1.0) * 1e9;
        (held - genesis) / 1e9
    }
}
