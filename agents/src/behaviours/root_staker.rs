//! A root staker: a delegator that stakes TAO on root (netuid 0) behind a validator and claims
//! its root dividends on a schedule (spec §13.6: since 2026-10 root dividends wait as alpha in
//! the validator's basket until a staker claims).
//!
//! At its first act at or after `start_block` it picks its start subnet's *top validator* (the
//! neuron with the largest last-epoch dividends, then stake, then the lowest uid, among those
//! with a permit or dividends) and stakes `budget` rao of TAO (at most its free balance) on root
//! behind it. Then, every `claim_every_blocks` blocks after staking, it sends
//! [`Action::ClaimRoot`] for that validator's fund: the chain sells its share of the fund's
//! alpha rows and pays the TAO as more root stake (it compounds). `claim_every_blocks: 0` never
//! claims: its entitlement stays in the fund, valued at the fund's NAV. A claim costs the
//! `claim_root` transaction fee (≈ 0.0083 TAO), recycled.
//!
//! Parameters ([`RootStakerParams`], flat in scenario files): `budget` (rao, > 0),
//! `claim_every_blocks` (0 = never; 7 200 = daily; 50 400 = weekly), `start_block` (default
//! 400: after the first epochs, when dividends are known).

use serde::{Deserialize, Serialize};

use super::Identity;
use super::speculator::top_validator;
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{HotkeyId, NetUid, Rao};
use crate::view::ChainView;

/// Parameters of [`RootStaker`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootStakerParams {
    /// Rao of TAO to stake on root.
    pub budget: u64,
    /// Blocks between claims (0: never).
    #[serde(default)]
    pub claim_every_blocks: u64,
    /// The first block it may stake.
    #[serde(default = "default_start")]
    pub start_block: u64,
}

fn default_start() -> u64 {
    400
}

impl RootStakerParams {
    /// Checks every field.
    ///
    /// # Errors
    /// A message naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), String> {
        if self.budget == 0 {
            return Err("`budget` must be > 0, got `0`".into());
        }
        if self.start_block == 0 {
            return Err("`start_block` must be at least 1, got `0`".into());
        }
        Ok(())
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct RootStaker {
    identity: Identity,
    params: RootStakerParams,
    /// The validator it stakes behind, and the block it staked.
    target: Option<(HotkeyId, u64)>,
    /// The block of its next action.
    next: u64,
}

impl RootStaker {
    /// A root staker starting on `identity.netuid`.
    pub fn new(identity: Identity, params: RootStakerParams) -> Self {
        let next = params.start_block;
        RootStaker {
            identity,
            params,
            target: None,
            next,
        }
    }
}

impl Agent for RootStaker {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let now = view.block().0;
        if now < self.next {
            return;
        }
        match self.target {
            None => {
                let Some(h) = top_validator(view, self.identity.netuid) else {
                    self.next = now + 1;
                    return;
                };
                let tao = self
                    .params
                    .budget
                    .min(view.balance(self.identity.coldkey).0);
                if tao == 0 {
                    self.next = u64::MAX;
                    return;
                }
                actions.push(Action::AddStake {
                    coldkey: self.identity.coldkey,
                    hotkey: h,
                    netuid: NetUid(0),
                    tao: Rao(tao),
                    limit_price: None,
                });
                self.target = Some((h, now));
                self.next = match self.params.claim_every_blocks {
                    0 => u64::MAX,
                    k => now + k,
                };
            }
            Some((h, _)) => {
                actions.push(Action::ClaimRoot {
                    coldkey: self.identity.coldkey,
                    hotkey: Some(h),
                });
                self.next = now + self.params.claim_every_blocks.max(1);
            }
        }
    }

    fn next_block(&self, now: u64) -> u64 {
        self.next.max(now + 1)
    }

    fn kind(&self) -> &str {
        "root-staker"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_validated_and_read_flat() {
        let p: RootStakerParams =
            serde_json::from_str(r#"{"budget": 5, "claim_every_blocks": 7200}"#).unwrap();
        assert_eq!(p.start_block, 400);
        assert!(p.validate().is_ok());
        assert!(
            RootStakerParams {
                budget: 0,
                ..p.clone()
            }
            .validate()
            .is_err()
        );
        assert!(serde_json::from_str::<RootStakerParams>(r#"{"budget": 5, "x": 1}"#).is_err());
    }
}
