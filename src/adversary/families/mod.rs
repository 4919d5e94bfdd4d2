//! The attack families, one file each. A new family is one file here implementing
//! [`Family`](super::Family) and one line in [`all`].
//!
//! Families: `weight-copying`, `cartel`, `sybil`, `lazy`, `copying-miners`, `delegator`
//! (momentum / yield chasing against passive staking) and `owner` (own miners, a
//! hyperparameter change); the behaviours of `agents/src/behaviours/` support them directly.
//! Not expressible yet: owner changes of κ or the registration burn (not among the owner's
//! `changes`).

mod cartel;
mod copying_miners;
mod delegator;
mod lazy;
mod owner;
mod sybil;
mod weight_copying;

use super::Family;

/// Every family, in the order reports list them.
pub fn all() -> Vec<&'static dyn Family> {
    vec![
        &weight_copying::WeightCopying,
        &cartel::Cartel,
        &sybil::Sybil,
        &lazy::Lazy,
        &copying_miners::CopyingMiners,
        &delegator::Delegator,
        &owner::Owner,
    ]
}

/// The family called `name`.
///
/// # Errors
/// A message listing the families that exist.
pub fn by_name(name: &str) -> Result<&'static dyn Family, String> {
    all().into_iter().find(|f| f.name() == name).ok_or_else(|| {
        let names: Vec<&str> = all().iter().map(|f| f.name()).collect();
        format!(
            "--families: unknown family `{name}` (families: {})",
            names.join(", ")
        )
    })
}

/// `n` copies of a static quality model, one per environment.
pub(crate) fn static_quality(q: f64, environments: usize) -> super::Node {
    super::Node::detached(super::Value::Seq(
        (0..environments.max(1))
            .map(|_| {
                super::map(vec![
                    ("model", super::text("static")),
                    ("quality", super::float(q)),
                ])
            })
            .collect(),
    ))
}

/// The value of `key` in `params`, if set.
pub(crate) fn param(params: &super::Node, key: &str) -> Option<super::Node> {
    super::get(params, key).cloned()
}
