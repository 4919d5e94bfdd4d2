//! The attack families, one file each. A new family is one file here implementing
//! [`Family`](super::Family) and one line in [`all`].
//!
//! Families that exist: `weight-copying`, `cartel`, `sybil`, `lazy`, `copying-miners` (the
//! behaviours of `agents/src/behaviours/` support them directly). Not yet: delegator
//! strategies (momentum / yield chasing thresholds: the `speculator` behaviour trades the pool
//! but no delegator behaviour chooses among validators yet), owner strategies (own miners,
//! hyperparameter changes: the subnet's `owner` section is not a population group, so a
//! family would edit `subnets[i].owner`; left for a later session), and weight copying
//! timed around commit-reveal or from a stake-weighted mix of validators (the `weight-copier`
//! behaviour copies the consensus or one validator, as soon as it can see them).

mod cartel;
mod copying_miners;
mod lazy;
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
