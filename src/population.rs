//! From a [`Scenario`] to a runnable simulation: accounts, subnets, registrations, stakes and
//! one agent per group member, each with its own random stream.
//!
//! Seeds: agent `m` of group `g` gets `derive_seed(scenario seed, stable_id("g/m"))`, so
//! adding a group or reordering the file does not change any other agent's stream.

use std::collections::BTreeMap;

use yumalab_agents::behaviours::Identity;
use yumalab_agents::mechanism::Mechanism;
use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid, Rao};
use yumalab_agents::{Action, Agent, derive_seed, stable_id};

use crate::engine::{BuildError, SimulationBuilder};
use crate::scenario::{Group, Network, Scenario};
use crate::world::{self, Holder, Join};

/// Agent `m`'s genesis stake in group `g`, rao.
/// Whether agents of `kind` set weights: the hotkeys an adopted subnet's holders nominate,
/// and the validators the adversary's families count.
pub(crate) fn sets_weights(kind: &str) -> bool {
    kind.ends_with("-validator") || kind == "weight-copier"
}

fn genesis_stake_of(g: &Group, m: usize) -> u64 {
    g.genesis_stakes.get(m).copied().unwrap_or(g.genesis_stake)
}

/// The weights of the world's root stake over the adopted subnets' validators
/// ([`world::nominate_root`]), from each adopted subnet's (TAO value of the holders' alpha
/// nominated, its validators with their genesis stakes): first split between the subnets in
/// proportion to the value nominated on each — so root stake and alpha stand in the same
/// ratio on every adopted subnet — then within a subnet in proportion to the genesis stakes
/// (equally if none has any), as the alpha is ([`world::pro_rata`]). Weights are in units of
/// 10⁻¹⁸ of the root stake.
fn root_weights(subnets: &[(u64, Vec<(HotkeyId, u64)>)]) -> Vec<(HotkeyId, u64)> {
    const UNIT: u64 = 1_000_000_000_000_000_000;
    let values: Vec<u64> = subnets.iter().map(|s| s.0).collect();
    let mut out = Vec::new();
    for ((_, nominees), part) in subnets.iter().zip(world::pro_rata(UNIT, &values)) {
        let stakes: Vec<u64> = nominees.iter().map(|n| n.1).collect();
        for (&(h, _), w) in nominees.iter().zip(world::pro_rata(part, &stakes)) {
            out.push((h, w));
        }
    }
    out
}

/// Who each agent is, for reports: group, kind, coldkey, hotkeys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The agent's id in the engine.
    pub agent: usize,
    /// Its group.
    pub group: String,
    /// Its behaviour.
    pub kind: String,
    /// Its subnet.
    pub netuid: NetUid,
    /// Its identity.
    pub identity: Identity,
    /// What it held at genesis, in rao of TAO, valued as the reports value holdings at the end
    /// ([`crate::report::summary::all_holdings`]): its free TAO plus its genesis stake at what
    /// it would realise if sold alone into the genesis pool (fee and slippage included). Stake
    /// bought at block 1 is in it as the TAO it costs.
    pub genesis: u64,
}

/// Checks a group's `params` against its behaviour's parameter type.
///
/// # Errors
/// The deserialisation or validation message.
pub fn check_params(kind: &str, params: &serde_json::Value) -> Result<(), String> {
    if kind == "python" {
        // The class's keyword arguments: checked by the class itself when it is built.
        return if params.is_object() || params.is_null() {
            Ok(())
        } else {
            Err(format!(
                "a `kind: python` group's `params` must be a mapping (the class's keyword arguments), got `{params}`"
            ))
        };
    }
    make(
        kind,
        Identity {
            coldkey: Default::default(),
            hotkeys: vec![HotkeyId(0)],
            netuid: NetUid(1),
        },
        params,
        0,
        &Mechanism::Proportional,
        Some("cartel"),
        &[],
        &|_| Vec::new(),
    )
    .map(|_| ())
}

/// Parameter fields that are amounts of TAO: written in TAO in scenario files, held in rao by
/// the behaviours.
pub(crate) const TAO_FIELDS: &[&str] = &["cost_per_tempo", "budget"];

/// Parses `params` into a behaviour's parameter type and checks it.
fn params_of<P: serde::de::DeserializeOwned>(
    params: &serde_json::Value,
    validate: impl Fn(&P) -> Result<(), String>,
) -> Result<P, String> {
    let mut params = params.clone();
    if let Some(map) = params.as_object_mut() {
        for field in TAO_FIELDS {
            if let Some(v) = map.get_mut(*field) {
                match v.as_f64() {
                    Some(tao) if tao >= 0.0 && tao.is_finite() => {
                        *v = serde_json::Value::from((tao * 1e9).round() as u64)
                    }
                    _ => return Err(format!("`{field}` must be TAO >= 0, got `{v}`")),
                }
            }
        }
    }
    let p: P = serde_json::from_value(params).map_err(|e| e.to_string())?;
    validate(&p)?;
    Ok(p)
}

/// Builds one agent of `kind`. `cartel_name` is the group's cartel (colluding kinds);
/// `cartel` the hotkeys of that cartel's miners on the subnet (colluding validators);
/// `group` the hotkeys of a group of the same subnet by name (scripted validators).
#[allow(clippy::too_many_arguments)]
fn make(
    kind: &str,
    identity: Identity,
    params: &serde_json::Value,
    seed: u64,
    mechanism: &Mechanism,
    cartel_name: Option<&str>,
    cartel: &[HotkeyId],
    group: &dyn Fn(&str) -> Vec<HotkeyId>,
) -> Result<Box<dyn Agent>, String> {
    use yumalab_agents::behaviours::*;
    Ok(match kind {
        "honest-miner" => {
            let p = params_of(params, honest_miner::HonestMinerParams::validate)?;
            Box::new(honest_miner::HonestMiner::new(identity, p, seed))
        }
        "copying-miner" => {
            let p = params_of(params, copying_miner::CopyingMinerParams::validate)?;
            Box::new(copying_miner::CopyingMiner::new(identity, p, seed))
        }
        "sybil-miner" => {
            let p = params_of(params, sybil_miner::SybilMinerParams::validate)?;
            Box::new(sybil_miner::SybilMiner::new(identity, p, seed))
        }
        "colluding-miner" => {
            // The cartel is named on the group; the behaviour keeps it among its params.
            let mut params = params.clone();
            if let (Some(map), Some(c)) = (params.as_object_mut(), cartel_name) {
                map.insert("cartel".into(), serde_json::Value::String(c.into()));
            }
            let p = params_of(&params, colluding_miner::ColludingMinerParams::validate)?;
            Box::new(colluding_miner::ColludingMiner::new(identity, p, seed))
        }
        "subnet-owner" => {
            let p = params_of(params, owner::OwnerParams::validate)?;
            Box::new(owner::Owner::new(identity, p, seed))
        }
        "honest-validator" => {
            let p = params_of(params, honest_validator::HonestValidatorParams::validate)?;
            Box::new(honest_validator::HonestValidator::new(
                identity,
                p,
                mechanism.clone(),
                seed,
            ))
        }
        "lazy-validator" => {
            let p = params_of(params, lazy_validator::LazyValidatorParams::validate)?;
            Box::new(lazy_validator::LazyValidator::new(
                identity,
                p,
                mechanism.clone(),
                seed,
            ))
        }
        "weight-copier" => {
            let p = params_of(params, weight_copier::WeightCopierParams::validate)?;
            Box::new(weight_copier::WeightCopier::new(identity, p, seed))
        }
        "colluding-validator" => {
            let p = params_of(
                params,
                colluding_validator::ColludingValidatorParams::validate,
            )?;
            Box::new(colluding_validator::ColludingValidator::new(
                identity,
                p,
                mechanism.clone(),
                cartel.to_vec(),
                seed,
            ))
        }
        "root-staker" => {
            let p = params_of(params, root_staker::RootStakerParams::validate)?;
            Box::new(root_staker::RootStaker::new(identity, p))
        }
        "speculator" => {
            let p = params_of(params, speculator::SpeculatorParams::validate)?;
            Box::new(speculator::Speculator::new(identity, p, seed))
        }
        "scripted-validator" => {
            let p = params_of(
                params,
                scripted_validator::ScriptedValidatorParams::validate,
            )?;
            Box::new(scripted_validator::ScriptedValidator::new(
                identity, p, group,
            ))
        }
        "scripted-miner" => {
            let p = params_of(params, scripted_miner::ScriptedMinerParams::validate)?;
            Box::new(scripted_miner::ScriptedMiner::new(identity, p))
        }
        other => return Err(format!("unknown behaviour `{other}`")),
    })
}

impl Scenario {
    /// Builds the simulation for this scenario with `seed` (the scenario's own seed, or a
    /// sweep replicate's). Returns the builder (observers can still be added) and who each
    /// agent is.
    ///
    /// In a snapshot world ([`Network::Snapshot`]) the chain starts as the snapshot's world
    /// ([`world::build_with`], background subnets) at its block, the scenario's subnets join
    /// it ([`world::adopt`], [`world::register`], in [`world::join_order`]), and every time in
    /// the scenario counts from that block.
    ///
    /// # Errors
    /// A group whose parameters do not build, or a world that does not build as planned
    /// (both already checked by parsing; kept for safety).
    pub fn build(&self, seed: u64) -> Result<(SimulationBuilder, Vec<Member>), String> {
        let t0 = self.network.genesis_block();
        // The world's aggregate holder (coldkey, hotkey): its root stake goes to the adopted
        // subnets' validators (`stakers: delegate`).
        let mut network = None;
        let mut b = match &self.network {
            Network::Isolated => {
                let mut b = SimulationBuilder::new(self.chain.clone());
                b.external_issuance(self.external_issuance);
                b
            }
            Network::Snapshot(w) => {
                let adopted: Vec<NetUid> = self
                    .subnets
                    .iter()
                    .filter_map(|s| s.adopt.as_ref().map(|a| a.0))
                    .collect();
                let world = world::build_with(
                    &w.snapshot,
                    self.chain.clone(),
                    Holder::Background,
                    &adopted,
                )
                .map_err(|e| format!("world `{}`: {e}", w.name))?;
                let mut world = world;
                if w.markets == crate::scenario::network::Markets::Moving {
                    world::market::install(&mut world, seed);
                }
                network = Some((world.network_coldkey, world.network_hotkey));
                SimulationBuilder::from_chain(world.chain)
            }
        };
        let mut netuids = Vec::new();
        let mut owners = Vec::new();
        let mut owner_keys: Vec<(ColdkeyId, HotkeyId)> = Vec::new();
        for s in &self.subnets {
            let owner = b.coldkey(format!("{}/owner", s.name), s.owner_balance);
            let owner_hk = b.hotkey(format!("{}/owner", s.name), owner);
            owner_keys.push((owner, owner_hk));
            for (block, h) in &s.owner_changes {
                let netuid = s.netuid;
                b.at(
                    t0 + *block,
                    Action::SetHyperparameter {
                        coldkey: owner,
                        netuid,
                        hyperparameter: h.clone(),
                    },
                );
            }
            if s.owner_miners > 0 {
                // The owner's own miners: extra hotkeys of the owner coldkey (spec §5.8:
                // their incentive is burned).
                let mut hotkeys = vec![owner_hk];
                hotkeys.extend(
                    (0..s.owner_miners).map(|k| b.hotkey(format!("{}/owner/{k}", s.name), owner)),
                );
                owners.push((
                    s,
                    Identity {
                        coldkey: owner,
                        hotkeys,
                        netuid: s.netuid,
                    },
                ));
            }
            if let Network::Isolated = self.network {
                let alpha = (s.pool_tao as f64 / s.pool_price).round() as u64;
                netuids.push(b.subnet(
                    s.params.clone(),
                    owner,
                    owner_hk,
                    s.pool_tao,
                    alpha,
                    s.start_block,
                ));
            }
        }
        let mut adopted = vec![None; self.subnets.len()];
        if let Network::Snapshot(w) = &self.network {
            (netuids, adopted) = self.join_world(&mut b, &w.snapshot, &owner_keys, network, t0)?;
        }
        if let Some((s, n)) = self
            .subnets
            .iter()
            .zip(&netuids)
            .find(|(s, n)| s.netuid != **n)
        {
            return Err(format!(
                "subnet `{}` joined as netuid {}, not the planned {}",
                s.name, n.0, s.netuid.0
            ));
        }
        // Accounts first, so cartels can be resolved to hotkeys before agents are built.
        let mut identities: Vec<Vec<Identity>> = Vec::new();
        for g in &self.population {
            let netuid = netuids[g.subnet];
            let members = (0..g.count)
                .map(|m| {
                    let c = b.coldkey(format!("{}/{m}", g.name), g.balance);
                    let hotkeys = (0..g.hotkeys)
                        .map(|k| b.hotkey(format!("{}/{m}/{k}", g.name), c))
                        .collect();
                    Identity {
                        coldkey: c,
                        hotkeys,
                        netuid,
                    }
                })
                .collect();
            identities.push(members);
        }
        let mut cartels: BTreeMap<(&str, usize), Vec<HotkeyId>> = BTreeMap::new();
        for (g, ids) in self.population.iter().zip(&identities) {
            if let (Some(c), true) = (&g.cartel, g.kind.ends_with("miner")) {
                cartels
                    .entry((c.as_str(), g.subnet))
                    .or_default()
                    .extend(ids.iter().flat_map(|i| i.hotkeys.iter().copied()));
            }
        }
        // The starting population is registered at genesis, in file order (no burns: they are
        // already on the subnet when the run starts); stakes are bought at block 1.
        for (g, ids) in self.population.iter().zip(&identities) {
            if g.register {
                for id in ids {
                    for &h in &id.hotkeys {
                        b.register_at_genesis(h, id.netuid)
                            .map_err(|e| format!("group `{}`: {e}", g.name))?;
                    }
                }
            }
            // Root stakers of the starting population hold a root seat from the start, while
            // root's 64 seats last (§13.6.12: since 2026-10 seats are otherwise bought).
            if g.root_stake > 0 {
                for id in ids {
                    b.root_register_at_genesis(id.hotkeys[0]);
                }
            }
            // Each agent's share of the group's genesis stake (`stake_distribution`; equal
            // by default); an agent whose share is 0 holds none.
            for (m, id) in ids.iter().enumerate() {
                let alpha = genesis_stake_of(g, m);
                if alpha > 0 {
                    b.stake_at_genesis(id.coldkey, id.hotkeys[0], id.netuid, alpha)
                        .map_err(|e| format!("group `{}`: {e}", g.name))?;
                }
            }
        }
        // The holders' stake of each adopted subnet goes to its validators (`stakers`), and
        // the world's root stake to the validators of those subnets.
        let mut root_nominees = Vec::new();
        for (k, a) in adopted.iter().enumerate() {
            if let Some(a) = a {
                let nominees = self.nominate(&mut b, k, a, &identities)?;
                if a.to_nominate > 0 && !nominees.is_empty() {
                    let price = b
                        .chain()
                        .subnets
                        .get(&a.netuid)
                        .map_or(0.0, |s| s.pool.price());
                    let value = (a.to_nominate as f64 * price).round() as u64;
                    root_nominees.push((value, nominees));
                }
            }
        }
        if let Some(network) = network {
            world::nominate_root(b.chain_mut(), network, &root_weights(&root_nominees));
        }
        // Every hotkey of each group, by (subnet, group name): what scripted validators weight.
        let group_hotkeys: BTreeMap<(usize, &str), Vec<HotkeyId>> = self
            .population
            .iter()
            .zip(&identities)
            .map(|(g, ids)| {
                let hotkeys = ids.iter().flat_map(|i| i.hotkeys.iter().copied()).collect();
                ((g.subnet, g.name.as_str()), hotkeys)
            })
            .collect();
        for (g, ids) in self.population.iter().zip(&identities) {
            for id in ids {
                let h = id.hotkeys[0];
                if g.stake > 0 {
                    b.at(
                        t0 + 1,
                        Action::AddStake {
                            coldkey: id.coldkey,
                            hotkey: h,
                            netuid: id.netuid,
                            tao: Rao(g.stake),
                            limit_price: None,
                        },
                    );
                }
                if g.root_stake > 0 {
                    b.at(
                        t0 + 1,
                        Action::AddStake {
                            coldkey: id.coldkey,
                            hotkey: h,
                            netuid: NetUid(0),
                            tao: Rao(g.root_stake),
                            limit_price: None,
                        },
                    );
                }
            }
        }
        // What each coldkey holds at genesis (free TAO, genesis stakes at what they realise
        // in the genesis pools), valued as reports value the end of the run.
        let held = crate::report::summary::all_holdings(b.chain());
        let genesis_of = |c: ColdkeyId| held.get(c.0 as usize).map_or(0, |x| x.round() as u64);
        let mut members = Vec::new();
        for (g, ids) in self.population.iter().zip(identities) {
            let mechanism = &self.subnets[g.subnet].mechanism;
            let cartel = g
                .cartel
                .as_deref()
                .and_then(|c| cartels.get(&(c, g.subnet)))
                .cloned()
                .unwrap_or_default();
            let group = |name: &str| {
                group_hotkeys
                    .get(&(g.subnet, name))
                    .cloned()
                    .unwrap_or_default()
            };
            for (m, id) in ids.into_iter().enumerate() {
                let agent_name = format!("{}/{m}", g.name);
                let agent_seed = derive_seed(seed, stable_id(&agent_name));
                let agent = match &g.class {
                    Some(class) => {
                        let factory = class.resolved.as_ref().ok_or_else(|| {
                            format!(
                                "group `{}`: the Python class `{}` is not resolved (run the scenario with the Python package)",
                                g.name, class.class
                            )
                        })?;
                        factory.build(&yumalab_agents::external::Spawn {
                            group: &g.name,
                            name: &agent_name,
                            identity: &id,
                            seed: agent_seed,
                            tempo: self.subnets[g.subnet].params.tempo,
                            params: &g.params,
                        })?
                    }
                    None => make(
                        &g.kind,
                        id.clone(),
                        &g.params,
                        agent_seed,
                        mechanism,
                        g.cartel.as_deref(),
                        &cartel,
                        &group,
                    )?,
                };
                let agent = if g.entry.is_some() || g.exit.is_some() {
                    let validator = g.kind.contains("validator") || g.kind == "weight-copier";
                    Box::new(yumalab_agents::behaviours::dynamic::Dynamic::new(
                        agent,
                        id.clone(),
                        validator,
                        g.entry.clone(),
                        g.exit.clone(),
                        agent_seed,
                    ))
                } else {
                    agent
                };
                let agent_id = b.agent(agent);
                members.push(Member {
                    agent: agent_id,
                    group: g.name.clone(),
                    kind: g.kind.clone(),
                    netuid: id.netuid,
                    genesis: genesis_of(id.coldkey),
                    identity: id,
                });
            }
        }
        for (s, id) in owners {
            let name = format!("{}/owner", s.name);
            let agent_seed = derive_seed(seed, stable_id(&name));
            let agent = make(
                "subnet-owner",
                id.clone(),
                &s.owner_params,
                agent_seed,
                &s.mechanism,
                None,
                &[],
                &|_| Vec::new(),
            )?;
            let agent_id = b.agent(agent);
            members.push(Member {
                agent: agent_id,
                group: name,
                kind: "subnet-owner".into(),
                netuid: id.netuid,
                genesis: genesis_of(id.coldkey),
                identity: id,
            });
        }
        b.end_at(t0 + self.blocks);
        Ok((b, members))
    }

    /// Stakes an adopted subnet's holders' alpha ([`world::Adopted::to_nominate`]) from their
    /// coldkey to the subnet's validators — the hotkeys of the registered groups of a
    /// weight-setting kind ([`sets_weights`]) — in proportion to their genesis stakes, or
    /// equally if none has any; the rao of rounding go to the first ([`world::pro_rata`]).
    /// Without validators the holders' hotkey keeps it, as with `stakers: passive`. Returns
    /// the validators nominated (hotkey, genesis stake), empty if none.
    fn nominate(
        &self,
        b: &mut SimulationBuilder,
        k: usize,
        a: &world::Adopted,
        identities: &[Vec<Identity>],
    ) -> Result<Vec<(HotkeyId, u64)>, String> {
        let total = a.to_nominate;
        if total == 0 {
            return Ok(Vec::new());
        }
        let mut nominees: Vec<(HotkeyId, u64)> = Vec::new();
        for (g, ids) in self.population.iter().zip(identities) {
            if g.subnet != k || !g.register || !sets_weights(&g.kind) {
                continue;
            }
            for (m, id) in ids.iter().enumerate() {
                nominees.push((id.hotkeys[0], genesis_stake_of(g, m)));
            }
        }
        let (coldkey, holder) = a.stakers;
        let err = |e: BuildError| format!("subnet `{}`: {e}", self.subnets[k].name);
        if nominees.is_empty() {
            b.stake_at_genesis(coldkey, holder, a.netuid, total)
                .map_err(err)?;
            return Ok(nominees);
        }
        let weights: Vec<u64> = nominees.iter().map(|n| n.1).collect();
        for (&(h, _), part) in nominees.iter().zip(world::pro_rata(total, &weights)) {
            if part > 0 {
                b.stake_at_genesis(coldkey, h, a.netuid, part)
                    .map_err(err)?;
            }
        }
        Ok(nominees)
    }

    /// The scenario's subnets join a snapshot world ([`world::join_order`]); returns their
    /// netuids in file order, and for each adopted subnet what [`world::adopt`] made.
    #[allow(clippy::type_complexity)]
    fn join_world(
        &self,
        b: &mut SimulationBuilder,
        snapshot: &world::Snapshot,
        owners: &[(ColdkeyId, HotkeyId)],
        network: Option<(ColdkeyId, HotkeyId)>,
        t0: u64,
    ) -> Result<(Vec<NetUid>, Vec<Option<world::Adopted>>), String> {
        let joins: Vec<Join> = self
            .subnets
            .iter()
            .map(|s| {
                s.adopt
                    .as_ref()
                    .map_or(Join::Register, |a| Join::Adopt(a.0))
            })
            .collect();
        let mut netuids = vec![NetUid(0); joins.len()];
        let mut adopted = vec![None; joins.len()];
        let mut keep = Vec::new();
        for k in world::join_order(&joins) {
            let s = &self.subnets[k];
            let chain = b.chain_mut();
            let netuid = match joins[k] {
                Join::Adopt(n) => {
                    let state =
                        snapshot
                            .subnets
                            .iter()
                            .find(|x| x.netuid == n)
                            .ok_or_else(|| {
                                format!("subnet `{}`: no netuid {} to adopt", s.name, n.0)
                            })?;
                    // The agents' genesis stakes on it come out of the snapshot holders'.
                    let carved: u64 = self
                        .population
                        .iter()
                        .filter(|g| g.subnet == k)
                        .flat_map(|g| (0..g.count as usize).map(|m| genesis_stake_of(g, m)))
                        .fold(0, u64::saturating_add);
                    let nominate = s.stakers == crate::scenario::Stakers::Delegate;
                    let market = network.filter(|_| s.market_moving);
                    let a = world::adopt(
                        chain,
                        state,
                        s.params.clone(),
                        owners[k],
                        carved,
                        nominate,
                        market,
                    )
                    .ok_or_else(|| format!("subnet `{}`: cannot adopt netuid {}", s.name, n.0))?;
                    adopted[k] = Some(a);
                    a.netuid
                }
                Join::Register => {
                    world::register(
                        chain,
                        s.params.clone(),
                        owners[k],
                        s.start_block.map(|x| t0 + x),
                        &keep,
                    )
                    .map_err(|e| format!("subnet `{}`: {e}", s.name))?
                    .netuid
                }
            };
            keep.push(netuid);
            netuids[k] = netuid;
        }
        Ok((netuids, adopted))
    }

    /// The groups, by name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.population.iter().find(|g| g.name == name)
    }
}
