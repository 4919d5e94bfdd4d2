//! [`ChainView`] over the chain state: what agents may observe.

use yumalab_agents::units::{Block, ColdkeyId, HotkeyId, NetUid, Rao};
use yumalab_agents::view::{ChainView, NeuronView, Served, SubnetView};

use super::state::Chain;

impl ChainView for Chain {
    fn block(&self) -> Block {
        Block(self.block)
    }

    fn netuids(&self) -> Vec<NetUid> {
        self.subnets.keys().copied().collect()
    }

    fn subnet(&self, netuid: NetUid) -> Option<SubnetView> {
        self.subnets.get(&netuid).map(|s| SubnetView {
            netuid,
            tempo: s.params.tempo,
            price: s.pool.price(),
            moving_price: s.moving_price,
            tao_reserve: Rao(s.pool.tao),
            alpha_reserve: Rao(s.pool.alpha),
            alpha_out: Rao(s.alpha_out),
            burn: Rao(s.burn.burn()),
            n: s.n() as u16,
            commit_reveal: s.params.yuma.commit_reveal,
            epoch_index: s.clock.epoch_index,
        })
    }

    fn neuron(&self, netuid: NetUid, uid: u16) -> Option<NeuronView> {
        let s = self.subnets.get(&netuid)?;
        let nr = s.neurons.get(usize::from(uid))?;
        Some(NeuronView {
            hotkey: nr.hotkey,
            coldkey: self.owner_of(nr.hotkey),
            registered_at: Block(nr.registered_at),
            // As of the last epoch, like the rest of the metagraph (an O(1) read: agents scan
            // every uid each tempo).
            stake: nr.stake,
            permit: nr.permit,
            consensus: nr.consensus,
            incentive: nr.incentive,
            dividends: nr.dividends,
            validator_trust: nr.validator_trust,
            emission: Rao(nr.emission),
        })
    }

    fn uid_of(&self, netuid: NetUid, hotkey: HotkeyId) -> Option<u16> {
        self.subnets.get(&netuid)?.uid_of(hotkey)
    }

    fn visible_weights(&self, netuid: NetUid, uid: u16) -> Option<&[(u16, u16)]> {
        // Stored weights are the directly set or already revealed ones; commits stay hidden.
        self.subnets
            .get(&netuid)?
            .weights
            .get(usize::from(uid))
            .map(Vec::as_slice)
    }

    fn served(&self, netuid: NetUid, uid: u16) -> Option<&Served> {
        self.subnets
            .get(&netuid)?
            .served
            .get(usize::from(uid))?
            .as_ref()
    }

    fn served_by_uid(&self, netuid: NetUid) -> Option<&[Option<Served>]> {
        self.subnets.get(&netuid).map(|s| s.served.as_slice())
    }

    fn balance(&self, coldkey: ColdkeyId) -> Rao {
        Rao(self
            .coldkeys
            .get(coldkey.0 as usize)
            .map_or(0, |c| c.balance))
    }

    fn stake(&self, coldkey: ColdkeyId, hotkey: HotkeyId, netuid: NetUid) -> Rao {
        let pool = if netuid.0 == 0 {
            self.root.pool(hotkey)
        } else {
            self.subnets
                .get(&netuid)
                .and_then(|s| s.stakes.get(&hotkey))
        };
        Rao(pool.map_or(0, |p| p.stake_of(coldkey)))
    }
}
