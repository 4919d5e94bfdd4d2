//! Agents supplied from outside the engine (`kind: python` population groups): the scenario
//! names a class, and whoever runs the scenario (the Python package) supplies an
//! [`ExternalAgentFactory`] for it before the run. The engine sees only the [`Agent`]s the
//! factory builds; an unresolved external agent refuses to build.

use std::fmt;
use std::sync::Arc;

use crate::agent::Agent;
use crate::behaviours::Identity;

/// Who one external agent is, as its factory is asked to build it.
#[derive(Clone, Copy, Debug)]
pub struct Spawn<'a> {
    /// The group's name.
    pub group: &'a str,
    /// The agent's stable name, `group/m` (what its seed derives from).
    pub name: &'a str,
    /// Its keys and subnet.
    pub identity: &'a Identity,
    /// Its seed: `derive_seed(run seed, stable_id(name))`, as for built-in agents.
    pub seed: u64,
    /// Its subnet's tempo at genesis, blocks.
    pub tempo: u64,
    /// The group's `params`, as written.
    pub params: &'a serde_json::Value,
}

/// Builds the agents of one `kind: python` group.
pub trait ExternalAgentFactory: Send + Sync {
    /// One agent.
    ///
    /// # Errors
    /// Why it cannot be built (the implementation reports details itself).
    fn build(&self, spawn: &Spawn<'_>) -> Result<Box<dyn Agent>, String>;
}

/// `kind: python, class: "module:Class"`: the class's name and, once resolved, the factory.
#[derive(Clone, Default)]
pub struct ExternalAgent {
    /// `module:Class`.
    pub class: String,
    /// The factory, once resolved.
    pub resolved: Option<Arc<dyn ExternalAgentFactory>>,
}

impl ExternalAgent {
    /// An unresolved external agent class.
    pub fn new(class: impl Into<String>) -> Self {
        ExternalAgent {
            class: class.into(),
            resolved: None,
        }
    }

    /// Supplies the factory.
    pub fn resolve(&mut self, factory: Arc<dyn ExternalAgentFactory>) {
        self.resolved = Some(factory);
    }
}

impl fmt::Debug for ExternalAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalAgent")
            .field("class", &self.class)
            .field("resolved", &self.resolved.is_some())
            .finish()
    }
}

impl PartialEq for ExternalAgent {
    fn eq(&self, other: &Self) -> bool {
        self.class == other.class
            && match (&self.resolved, &other.resolved) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}

/// Whether `s` is `module:attribute` with Python names (dotted paths allowed on both sides).
pub fn is_python_reference(s: &str) -> bool {
    use crate::mechanism::is_identifier;
    s.split_once(':').is_some_and(|(m, a)| {
        !m.is_empty()
            && !a.is_empty()
            && m.split('.').all(is_identifier)
            && a.split('.').all(is_identifier)
    })
}
