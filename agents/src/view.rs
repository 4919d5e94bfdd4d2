//! What an agent may observe: only what is public on chain, plus its own private signals
//! (those stay in the agent).
//!
//! The engine implements [`ChainView`] over its state. Weights of subnets with commit-reveal
//! are visible only once revealed, which is exactly what weight copiers work around.

use crate::units::{Block, ColdkeyId, HotkeyId, NetUid, Rao};

/// The public state of one neuron, as the metagraph shows it after the last epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NeuronView {
    /// The neuron's hotkey.
    pub hotkey: HotkeyId,
    /// The coldkey owning the hotkey.
    pub coldkey: ColdkeyId,
    /// Block of (re)registration.
    pub registered_at: Block,
    /// Stake weight used by Yuma at the last epoch (alpha + TaoWeight × root), in rao.
    pub stake: f64,
    /// Validator permit.
    pub permit: bool,
    /// Last epoch's consensus, incentive, dividends, validator trust (fractions).
    pub consensus: f64,
    /// Last epoch's incentive.
    pub incentive: f64,
    /// Last epoch's dividends.
    pub dividends: f64,
    /// Last epoch's validator trust.
    pub validator_trust: f64,
    /// Last epoch's emission, in alpha rao.
    pub emission: Rao,
}

/// The public state of one subnet.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SubnetView {
    /// The subnet.
    pub netuid: NetUid,
    /// Blocks between epochs.
    pub tempo: u64,
    /// Spot price, TAO per alpha.
    pub price: f64,
    /// Moving (EMA) price.
    pub moving_price: f64,
    /// TAO reserve of the pool.
    pub tao_reserve: Rao,
    /// Alpha reserve of the pool.
    pub alpha_reserve: Rao,
    /// Alpha outstanding (staked, pending, held by the protocol).
    pub alpha_out: Rao,
    /// Current neuron registration burn.
    pub burn: Rao,
    /// Number of registered uids.
    pub n: u16,
    /// Whether weights go through commit-reveal.
    pub commit_reveal: bool,
    /// The epoch index (how many epochs have run).
    pub epoch_index: u64,
}

/// Work a miner serves off chain (what validators evaluate), as last served.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Served {
    /// Block at which it was served.
    pub block: Block,
    /// The true quality of the work, one value per evaluation environment (a subnet with a
    /// single environment has one). Validators see it through their own noise.
    pub quality: Qualities,
    /// If the work is a copy: the uid whose output was copied. The mechanism may detect
    /// copies; honest work has `None`.
    pub copy_of: Option<u16>,
}

/// The qualities of served work, one per environment: a slice (it dereferences to `[f64]`)
/// kept inside the [`Served`] record for up to [`Qualities::INLINE`] environments and on the
/// heap beyond.
///
/// Why not a `Vec<f64>`: a validator reads every uid's served work once a tempo, long after it
/// was served. With each uid's qualities in an allocation of their own, scattered over the heap,
/// a 128-subnet run spent a fifth of its time waiting on those reads; inline, a subnet's served
/// work is one contiguous array that the processor streams.
#[derive(Clone)]
pub struct Qualities(Repr);

#[derive(Clone)]
enum Repr {
    /// The first `len` values.
    Inline {
        len: u8,
        values: [f64; Qualities::INLINE],
    },
    Heap(Vec<f64>),
}

impl Qualities {
    /// How many environments are kept inline.
    pub const INLINE: usize = 4;

    /// A copy of `values`.
    pub fn from_slice(values: &[f64]) -> Qualities {
        if values.len() <= Self::INLINE {
            let mut inline = [0.0; Self::INLINE];
            inline[..values.len()].copy_from_slice(values);
            Qualities(Repr::Inline {
                len: values.len() as u8,
                values: inline,
            })
        } else {
            Qualities(Repr::Heap(values.to_vec()))
        }
    }

    /// The values as a slice.
    pub fn as_slice(&self) -> &[f64] {
        match &self.0 {
            Repr::Inline { len, values } => &values[..usize::from(*len)],
            Repr::Heap(v) => v,
        }
    }
}

impl Default for Qualities {
    fn default() -> Self {
        Qualities::from_slice(&[])
    }
}

impl std::ops::Deref for Qualities {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        self.as_slice()
    }
}

impl PartialEq for Qualities {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl std::fmt::Debug for Qualities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl From<Vec<f64>> for Qualities {
    fn from(values: Vec<f64>) -> Self {
        if values.len() <= Self::INLINE {
            Qualities::from_slice(&values)
        } else {
            Qualities(Repr::Heap(values))
        }
    }
}

impl From<&[f64]> for Qualities {
    fn from(values: &[f64]) -> Self {
        Qualities::from_slice(values)
    }
}

/// Read-only access to the chain for agents.
pub trait ChainView {
    /// The current block.
    fn block(&self) -> Block;
    /// The subnets that exist, ascending.
    fn netuids(&self) -> Vec<NetUid>;
    /// One subnet's public state.
    fn subnet(&self, netuid: NetUid) -> Option<SubnetView>;
    /// One neuron (by uid) of a subnet.
    fn neuron(&self, netuid: NetUid, uid: u16) -> Option<NeuronView>;
    /// The uid of a hotkey on a subnet.
    fn uid_of(&self, netuid: NetUid, hotkey: HotkeyId) -> Option<u16>;
    /// A validator's weights as visible to the public: the last set or *revealed* row
    /// (committed weights stay hidden until revealed).
    fn visible_weights(&self, netuid: NetUid, uid: u16) -> Option<&[(u16, u16)]>;
    /// Free TAO of a coldkey.
    fn balance(&self, coldkey: ColdkeyId) -> Rao;
    /// The work a uid last served on a subnet (off chain; what validators evaluate).
    /// The default knows of no work.
    fn served(&self, _netuid: NetUid, _uid: u16) -> Option<&Served> {
        None
    }
    /// The work every uid of a subnet last served, by uid (`served(netuid, uid)` is
    /// `served_by_uid(netuid)[uid]`), for agents that read them all; `None` if the view
    /// cannot lend them at once (the default), in which case callers ask uid by uid.
    fn served_by_uid(&self, _netuid: NetUid) -> Option<&[Option<Served>]> {
        None
    }
    /// Alpha stake of a coldkey on a hotkey on a subnet (root: TAO).
    fn stake(&self, coldkey: ColdkeyId, hotkey: HotkeyId, netuid: NetUid) -> Rao;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualities_are_their_values_inline_or_on_the_heap() {
        for n in 0..=Qualities::INLINE + 3 {
            let values: Vec<f64> = (0..n).map(|i| 0.25 * i as f64 - 0.5).collect();
            let a = Qualities::from_slice(&values);
            let b = Qualities::from(values.clone());
            assert_eq!(a.as_slice(), values.as_slice());
            assert_eq!(&b[..], values.as_slice());
            assert_eq!(a, b);
            assert_eq!(a.len(), n);
            assert_eq!(format!("{a:?}"), format!("{values:?}"));
            assert_eq!(
                matches!(a.0, Repr::Inline { .. }),
                n <= Qualities::INLINE,
                "{n}"
            );
        }
        assert!(Qualities::default().is_empty());
        assert_ne!(
            Qualities::from_slice(&[1.0]),
            Qualities::from_slice(&[1.0, 0.0])
        );
    }
}
