//! A hand-filled [`ChainView`] for behaviours' unit tests.

use std::collections::BTreeMap;

use crate::units::{Block, ColdkeyId, HotkeyId, NetUid, Rao};
use crate::view::{ChainView, NeuronView, Served, SubnetView};

/// Everything a behaviour can observe, set field by field.
#[derive(Clone, Debug, Default)]
pub struct MockView {
    /// The current block.
    pub block: u64,
    /// Subnets by netuid.
    pub subnets: BTreeMap<NetUid, SubnetView>,
    /// Neurons by (netuid, uid).
    pub neurons: BTreeMap<(NetUid, u16), NeuronView>,
    /// Visible weights by (netuid, uid).
    pub weights: BTreeMap<(NetUid, u16), Vec<(u16, u16)>>,
    /// Served work by (netuid, uid).
    pub served: BTreeMap<(NetUid, u16), Served>,
    /// Free balances.
    pub balances: BTreeMap<ColdkeyId, u64>,
    /// Stakes by (coldkey, hotkey, netuid).
    pub stakes: BTreeMap<(ColdkeyId, HotkeyId, NetUid), u64>,
}

impl MockView {
    /// A view with one subnet of `n` uids (hotkey i at uid i, coldkey i), tempo 360, price
    /// 0.01, commit-reveal off.
    pub fn subnet(netuid: NetUid, n: u16) -> MockView {
        let mut v = MockView::default();
        v.subnets.insert(
            netuid,
            SubnetView {
                netuid,
                tempo: 360,
                price: 0.01,
                moving_price: 0.01,
                n,
                ..SubnetView::default()
            },
        );
        for uid in 0..n {
            v.neurons.insert(
                (netuid, uid),
                NeuronView {
                    hotkey: HotkeyId(u32::from(uid)),
                    coldkey: ColdkeyId(u32::from(uid)),
                    ..NeuronView::default()
                },
            );
        }
        v
    }
}

impl ChainView for MockView {
    fn block(&self) -> Block {
        Block(self.block)
    }
    fn netuids(&self) -> Vec<NetUid> {
        self.subnets.keys().copied().collect()
    }
    fn subnet(&self, netuid: NetUid) -> Option<SubnetView> {
        self.subnets.get(&netuid).copied()
    }
    fn neuron(&self, netuid: NetUid, uid: u16) -> Option<NeuronView> {
        self.neurons.get(&(netuid, uid)).copied()
    }
    fn uid_of(&self, netuid: NetUid, hotkey: HotkeyId) -> Option<u16> {
        self.neurons
            .iter()
            .find(|((n, _), nv)| *n == netuid && nv.hotkey == hotkey)
            .map(|((_, u), _)| *u)
    }
    fn visible_weights(&self, netuid: NetUid, uid: u16) -> Option<&[(u16, u16)]> {
        self.weights.get(&(netuid, uid)).map(Vec::as_slice)
    }
    fn balance(&self, coldkey: ColdkeyId) -> Rao {
        Rao(self.balances.get(&coldkey).copied().unwrap_or(0))
    }
    fn stake(&self, coldkey: ColdkeyId, hotkey: HotkeyId, netuid: NetUid) -> Rao {
        Rao(self
            .stakes
            .get(&(coldkey, hotkey, netuid))
            .copied()
            .unwrap_or(0))
    }
    fn served(&self, netuid: NetUid, uid: u16) -> Option<&Served> {
        self.served.get(&(netuid, uid))
    }
}
