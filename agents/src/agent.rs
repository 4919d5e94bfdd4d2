//! The [`Agent`] trait: one required method, the rest defaulted.

use crate::action::Action;
use crate::view::ChainView;

/// A participant: miner, validator, delegator, owner. It observes the chain through a
/// read-only [`ChainView`] and pushes [`Action`]s; it owns its private state and its random
/// stream (derived by the engine from the run seed and the agent's stable id).
pub trait Agent: Send {
    /// Called at each block the agent is scheduled for (see [`Agent::next_block`]); push the
    /// actions to take now.
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>);

    /// The next block at which the agent wants to act, given the current one. The default,
    /// every block, is simple and slow; most agents act once per tempo.
    fn next_block(&self, now: u64) -> u64 {
        now + 1
    }

    /// A short label for reports ("honest-validator", "weight-copier").
    fn kind(&self) -> &str {
        "agent"
    }

    /// Off-chain costs so far (evaluation compute, serving), in rao of TAO. On-chain costs
    /// (registration burns, swap fees) are tracked by the engine from the actions applied.
    fn cost(&self) -> u64 {
        0
    }
}
