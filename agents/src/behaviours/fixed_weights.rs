//! A validator that submits the same weights every tempo: the simplest honest validator, and
//! the workload of the engine's benchmarks.
//!
//! Parameters: the hotkey, the subnet, the `(uid, weight)` row, and the phase (the block
//! offset within the tempo at which it acts, so that many validators do not all act at once).
//! It commits when the subnet uses commit-reveal and sets directly otherwise.

use crate::action::Action;
use crate::agent::Agent;
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;

/// See the module docs.
#[derive(Clone, Debug)]
pub struct FixedWeights {
    /// The validator's hotkey (must be registered on `netuid` to have any effect).
    pub hotkey: HotkeyId,
    /// The subnet.
    pub netuid: NetUid,
    /// The row to submit.
    pub weights: Vec<(u16, u16)>,
    /// Block offset within the tempo at which to act.
    pub phase: u64,
    tempo: u64,
}

impl FixedWeights {
    /// A validator submitting `weights` on `netuid` every tempo, at `phase` blocks into it.
    pub fn new(hotkey: HotkeyId, netuid: NetUid, weights: Vec<(u16, u16)>, phase: u64) -> Self {
        FixedWeights {
            hotkey,
            netuid,
            weights,
            phase,
            tempo: 360,
        }
    }
}

impl Agent for FixedWeights {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let Some(subnet) = view.subnet(self.netuid) else {
            return;
        };
        self.tempo = subnet.tempo.max(1);
        if view.uid_of(self.netuid, self.hotkey).is_none() {
            return;
        }
        let weights = self.weights.clone();
        actions.push(if subnet.commit_reveal {
            Action::CommitWeights {
                hotkey: self.hotkey,
                netuid: self.netuid,
                weights,
            }
        } else {
            Action::SetWeights {
                hotkey: self.hotkey,
                netuid: self.netuid,
                weights,
            }
        });
    }

    fn next_block(&self, now: u64) -> u64 {
        // The next block at `phase` modulo tempo, strictly after `now`.
        let t = self.tempo.max(1);
        let base = now - now % t + self.phase % t;
        if base > now { base } else { base + t }
    }

    fn kind(&self) -> &str {
        "fixed-weights-validator"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acts_once_per_tempo_at_its_phase() {
        let a = FixedWeights::new(HotkeyId(0), NetUid(1), vec![], 5);
        assert_eq!(a.next_block(0), 5);
        assert_eq!(a.next_block(5), 365);
        assert_eq!(a.next_block(364), 365);
        assert_eq!(a.next_block(365), 725);
    }
}
