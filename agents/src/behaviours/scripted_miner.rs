//! A miner whose on-chain actions are written in the scenario: it serves no work (scripted
//! validators do not evaluate any) and, optionally, commits metadata before given epochs.
//!
//! Committing metadata is the chain's `set_commitment` (commitments pallet). Its one economic
//! effect, which is what scripts use it for: on a subnet with `BondsResetOn`
//! (`yuma.bonds_reset: true`) every validator's bond to the committing miner is deleted
//! (`do_reset_bonds`), as in the chain's `test_yuma_3_bonds_reset`.
//!
//! Parameters ([`ScriptedMinerParams`]):
//! - `commitments` (default none): epochs, strictly ascending, each ≥ 1. For `e` the miner
//!   commits right after epoch `e − 1` has run (at block 1 for `e = 1`), so epoch `e` is the
//!   first to see the reset bonds. Epochs count the subnet's epochs in the run from 1, as for
//!   [`super::scripted_validator`].

use serde::{Deserialize, Serialize};

use super::Identity;
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;

/// Parameters of [`ScriptedMiner`]; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedMinerParams {
    /// Epochs before which the miner commits metadata.
    #[serde(default)]
    pub commitments: Vec<u64>,
}

impl ScriptedMinerParams {
    /// Checks that the epochs are ≥ 1 and strictly ascending.
    ///
    /// # Errors
    /// The first bad entry.
    pub fn validate(&self) -> Result<(), String> {
        let mut last = 0;
        for (k, &e) in self.commitments.iter().enumerate() {
            if e <= last {
                return Err(format!(
                    "`commitments[{k}]` must be an epoch >= 1 after the previous one ({last}), got `{e}`"
                ));
            }
            last = e;
        }
        Ok(())
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct ScriptedMiner {
    hotkey: HotkeyId,
    netuid: NetUid,
    params: ScriptedMinerParams,
    /// How many of `params.commitments` are done.
    done: usize,
}

impl ScriptedMiner {
    /// A scripted miner acting with the identity's first hotkey on its subnet.
    pub fn new(identity: Identity, params: ScriptedMinerParams) -> Self {
        ScriptedMiner {
            hotkey: identity.hotkeys[0],
            netuid: identity.netuid,
            params,
            done: 0,
        }
    }
}

impl Agent for ScriptedMiner {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let Some(&next) = self.params.commitments.get(self.done) else {
            return;
        };
        let Some(subnet) = view.subnet(self.netuid) else {
            return;
        };
        // Commit once the epoch before `next` has run (a missed one is made up at once).
        if subnet.epoch_index + 1 < next {
            return;
        }
        while self
            .params
            .commitments
            .get(self.done)
            .is_some_and(|&e| e <= subnet.epoch_index + 1)
        {
            self.done += 1;
        }
        actions.push(Action::CommitMetadata {
            hotkey: self.hotkey,
            netuid: self.netuid,
        });
    }

    fn next_block(&self, now: u64) -> u64 {
        if self.done < self.params.commitments.len() {
            now + 1
        } else {
            u64::MAX
        }
    }

    fn kind(&self) -> &str {
        "scripted-miner"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::units::ColdkeyId;

    #[test]
    fn commits_once_right_after_the_epoch_before_each_listed_one() {
        let p: ScriptedMinerParams = serde_json::from_str(r#"{"commitments": [3, 5]}"#).unwrap();
        p.validate().unwrap();
        let id = Identity {
            coldkey: ColdkeyId(4),
            hotkeys: vec![HotkeyId(4)],
            netuid: NetUid(1),
        };
        let mut m = ScriptedMiner::new(id, p);
        let mut view = MockView::subnet(NetUid(1), 5);
        let mut commits = Vec::new();
        for epoch_index in 0..6 {
            view.subnets.get_mut(&NetUid(1)).unwrap().epoch_index = epoch_index;
            let mut actions = Vec::new();
            m.act(&view, &mut actions);
            m.act(&view, &mut actions);
            assert!(actions.iter().all(|a| *a
                == Action::CommitMetadata {
                    hotkey: HotkeyId(4),
                    netuid: NetUid(1)
                }));
            commits.push(actions.len());
        }
        // After epochs 2 and 4, i.e. before epochs 3 and 5.
        assert_eq!(commits, vec![0, 0, 1, 0, 1, 0]);
        assert_eq!(m.next_block(10), u64::MAX, "nothing left to do");
        assert_eq!(m.kind(), "scripted-miner");
    }

    #[test]
    fn bad_epochs_are_refused() {
        for (json, want) in [
            (
                r#"{"commitments": [0]}"#,
                "`commitments[0]` must be an epoch >= 1 after the previous one (0), got `0`",
            ),
            (
                r#"{"commitments": [4, 2]}"#,
                "`commitments[1]` must be an epoch >= 1 after the previous one (4), got `2`",
            ),
        ] {
            let p: ScriptedMinerParams = serde_json::from_str(json).unwrap();
            assert_eq!(p.validate().unwrap_err(), want);
        }
        let err = serde_json::from_str::<ScriptedMinerParams>(r#"{"commit": [1]}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `commit`"), "{err}");
        assert_eq!(
            serde_json::from_str::<ScriptedMinerParams>("{}").unwrap(),
            ScriptedMinerParams::default()
        );
    }
}
