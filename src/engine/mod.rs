//! The simulation engine: a [`SimulationBuilder`] that validates once, and a [`Simulation`]
//! that steps the chain block by block and drives agents and observers.
//!
//! # Ordering guarantees
//!
//! One tick is one block. Within block `b`:
//! 1. the chain's own block step runs ([`Chain::step_block`]: registration prices, emission,
//!    reveals, coinbase, epochs, price EMAs); observers get [`Observer::on_epoch`] for each
//!    epoch that ran, in netuid order;
//! 2. scheduled actions for block `b` (from the scenario) are applied in the order they were
//!    scheduled;
//! 3. every agent due at `b` acts, in ascending agent id, **all on the same state** (the
//!    state after steps 1 and 2); their actions are then applied in (agent id, push order);
//! 4. observers get [`Observer::on_block`].
//!
//! Same-block ties are therefore FIFO on a sequence number, and no agent sees another's
//! same-block actions before choosing its own.
//!
//! # Determinism contract
//!
//! - A run is a pure function of its inputs: no wall clock, no OS entropy, and the same
//!   bytes whatever the number of threads ([`Simulation::set_threads`]): agents due in a
//!   block may act on several threads, but they only read the same state, and their actions
//!   are applied afterwards in (agent id, push order) as on one thread. Observers added with
//!   [`SimulationBuilder::shared_observer`] may get step 1's `on_epoch` calls on another
//!   thread during step 3 (when no scheduled action comes between, so on the same state);
//!   each observer still gets every call, in order. The epochs due together in step 1 are
//!   computed side by side and paid one after the other in netuid order, as on one thread
//!   (no payout changes another subnet's epoch inputs).
//! - Agents' random streams are seeded by the caller from the run seed and a stable id
//!   ([`yumalab_agents::derive_seed`]), never from call order.
//! - Every collection that reaches output iterates in a fixed order (ids, netuids).
//! - In debug builds, conservation is checked after every block and violations panic.
//!
//! The engine does no I/O: agents push actions, the chain applies them, observers decide
//! what leaves the run.
//!
//! # Stopping early
//!
//! [`Simulation::run_or_stop`] checks a caller's flag (an [`AtomicBool`]) before every block
//! and returns [`Stopped`] once it is set: the front end sets it from a signal handler, so a
//! run stops within one block of being told to. The engine only reads the flag.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::team::Team;

use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};
use yumalab_agents::{Action, Agent};

use crate::chain::block::EpochRecord;
use crate::chain::emission::TOTAL_SUPPLY;
use crate::chain::extrinsics::Refusal;
use crate::chain::ledger::SupplyError;
use crate::chain::params::{ChainParams, SubnetParams};
use crate::chain::state::Chain;

/// Receives typed records while a run goes; the only way data leaves a run.
pub trait Observer {
    /// After an epoch ran.
    fn on_epoch(&mut self, _chain: &Chain, _record: &EpochRecord) {}
    /// After an action was applied or refused. `agent` is `None` for scheduled actions.
    fn on_action(
        &mut self,
        _block: u64,
        _agent: Option<usize>,
        _action: &Action,
        _result: &Result<(), Refusal>,
    ) {
    }
    /// At the end of every block (keep it cheap).
    fn on_block(&mut self, _chain: &Chain) {}
    /// When the run reaches its end block.
    fn on_end(&mut self, _chain: &Chain) {}
}

/// A mistake in how a simulation was put together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// The end block is not set, or not after the chain's genesis block.
    NoEnd,
    /// A scheduled action names a subnet that does not exist.
    UnknownSubnet {
        /// The block it was scheduled at.
        block: u64,
        /// The subnet.
        netuid: u16,
    },
    /// A scheduled action at the genesis block or before (the next block is the first that
    /// runs: block 1 of an empty chain).
    ScheduledAtGenesis,
    /// A genesis registration on a subnet that does not exist, is full, or has the hotkey.
    GenesisRegistration {
        /// The subnet.
        netuid: u16,
    },
    /// Genesis money beyond a token's supply (the first amount that crossed it).
    Supply(SupplyError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NoEnd => write!(
                f,
                "the run has no end block after its genesis block (set one with `end_at`)"
            ),
            BuildError::UnknownSubnet { block, netuid } => {
                write!(
                    f,
                    "action scheduled at block {block} names subnet {netuid}, which does not exist"
                )
            }
            BuildError::GenesisRegistration { netuid } => write!(
                f,
                "cannot register at genesis on subnet {netuid}: it does not exist, is full, or already has the hotkey"
            ),
            BuildError::ScheduledAtGenesis => write!(
                f,
                "actions cannot be scheduled at the genesis block or before; the first block is the next one (1 on an empty chain)"
            ),
            BuildError::Supply(e) => write!(f, "genesis money beyond the supply: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Puts a simulation together: accounts, subnets, agents, observers, scheduled actions.
pub struct SimulationBuilder {
    chain: Chain,
    agents: Vec<Box<dyn Agent>>,
    observers: Vec<Watcher>,
    scheduled: Vec<(u64, Action)>,
    end: u64,
    /// The first genesis amount that went beyond a supply ([`SimulationBuilder::build`]
    /// refuses it).
    supply: Option<SupplyError>,
}

impl SimulationBuilder {
    /// A new, empty chain with these parameters.
    pub fn new(params: ChainParams) -> Self {
        SimulationBuilder {
            chain: Chain::new(params),
            agents: Vec::new(),
            observers: Vec::new(),
            scheduled: Vec::new(),
            end: 0,
            supply: None,
        }
    }

    /// A simulation of an already built chain (a world, [`crate::world`]): it starts at the
    /// chain's block, and the first block stepped is the next one.
    pub fn from_chain(chain: Chain) -> Self {
        SimulationBuilder {
            chain,
            agents: Vec::new(),
            observers: Vec::new(),
            scheduled: Vec::new(),
            end: 0,
            supply: None,
        }
    }

    /// Write access to the chain being built (genesis set-up that has no builder method).
    pub fn chain_mut(&mut self) -> &mut Chain {
        &mut self.chain
    }

    /// Notes (the first) genesis amount that takes `what` to `before + add` rao beyond the
    /// supply.
    fn supply_check(&mut self, what: impl FnOnce() -> String, before: u64, add: u64) {
        let amount = u128::from(before) + u128::from(add);
        if amount > u128::from(TOTAL_SUPPLY) && self.supply.is_none() {
            self.supply = Some(SupplyError {
                what: what(),
                amount,
                bound: TOTAL_SUPPLY,
            });
        }
    }

    /// A coldkey with `balance` rao of genesis TAO. A balance that takes `TotalIssuance`
    /// beyond the supply makes [`SimulationBuilder::build`] fail.
    pub fn coldkey(&mut self, name: impl Into<String>, balance: u64) -> ColdkeyId {
        let name = name.into();
        self.supply_check(
            || format!("TotalIssuance with the genesis balance of coldkey `{name}`"),
            self.chain.total_issuance,
            balance,
        );
        self.chain.add_coldkey(name, balance)
    }

    /// TAO (rao) issued before the simulation and held outside it (sets where the run sits
    /// on the halving schedule).
    pub fn external_issuance(&mut self, amount: u64) -> &mut Self {
        self.supply_check(
            || "TotalIssuance with the external issuance".into(),
            self.chain.total_issuance,
            amount,
        );
        self.chain.add_external_issuance(amount);
        self
    }

    /// Registers a hotkey at genesis (no burn; see [`Chain::register_at_genesis`]).
    ///
    /// # Errors
    /// The subnet does not exist, is full, or already has the hotkey.
    pub fn register_at_genesis(
        &mut self,
        hotkey: HotkeyId,
        netuid: NetUid,
    ) -> Result<u16, BuildError> {
        self.chain
            .register_at_genesis(hotkey, netuid)
            .ok_or(BuildError::GenesisRegistration { netuid: netuid.0 })
    }

    /// Gives `hotkey` a root seat at genesis (no burn; it holds the seat when the run starts,
    /// §13.6.12). `false` if root's 64 seats are already taken (the hotkey then has none).
    pub fn root_register_at_genesis(&mut self, hotkey: HotkeyId) -> bool {
        self.chain.root_register_at_genesis(hotkey)
    }

    /// Stakes `alpha` rao of alpha from `coldkey` to `hotkey` on a subnet at genesis, as if
    /// staked before the run: minted outside the pool (like the pool's own reserve), so no
    /// swap, no price impact and no TAO spent (see [`Chain::stake_at_genesis`]).
    ///
    /// # Errors
    /// [`BuildError::UnknownSubnet`] (at block 0) if the subnet does not exist.
    pub fn stake_at_genesis(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        netuid: NetUid,
        alpha: u64,
    ) -> Result<(), BuildError> {
        if let Some(s) = self.chain.subnets.get(&netuid) {
            let issued = s.alpha_issuance();
            self.supply_check(
                || format!("subnet {} alpha issuance with a genesis stake", netuid.0),
                issued,
                alpha,
            );
        }
        self.chain
            .stake_at_genesis(coldkey, hotkey, netuid, alpha)
            .ok_or(BuildError::UnknownSubnet {
                block: 0,
                netuid: netuid.0,
            })
    }

    /// A hotkey owned by `owner`.
    pub fn hotkey(&mut self, name: impl Into<String>, owner: ColdkeyId) -> HotkeyId {
        self.chain.add_hotkey(name, owner)
    }

    /// A subnet with a genesis pool, emitting from `start_block` (`None`: never, until started).
    pub fn subnet(
        &mut self,
        params: SubnetParams,
        owner: ColdkeyId,
        owner_hotkey: HotkeyId,
        tao_reserve: u64,
        alpha_reserve: u64,
        start_block: Option<u64>,
    ) -> NetUid {
        self.supply_check(
            || "TotalIssuance with a genesis pool's TAO reserve".into(),
            self.chain.total_issuance,
            tao_reserve,
        );
        self.supply_check(|| "a genesis pool's alpha reserve".into(), 0, alpha_reserve);
        let netuid = self.chain.add_subnet_genesis(
            params,
            owner,
            owner_hotkey,
            tao_reserve,
            alpha_reserve,
            start_block,
        );
        let s = self.chain.subnets.get_mut(&netuid).expect("just added");
        // A genesis subnet starts with its moving price at the spot price (capped at 1, as the
        // EMA is), rather than at 0, which would take months of blocks to catch up.
        s.moving_price = s.pool.price().min(1.0);
        netuid
    }

    /// Adds an agent; returns its id (ids are dense, in insertion order).
    pub fn agent(&mut self, agent: Box<dyn Agent>) -> usize {
        self.agents.push(agent);
        self.agents.len() - 1
    }

    /// Adds an observer.
    pub fn observer(&mut self, observer: Box<dyn Observer>) -> &mut Self {
        self.observers.push(Watcher::Local(observer));
        self
    }

    /// Adds an observer that may watch epochs on another thread: when every observer of a
    /// threaded run ([`Simulation::set_threads`]) is added this way, a block's
    /// [`Observer::on_epoch`] calls run beside the agents' acts, on the same state (only in
    /// blocks without scheduled actions, which would come between the two). Each observer
    /// still gets its calls in the same order; observers share nothing through the engine.
    pub fn shared_observer(&mut self, observer: Box<dyn Observer + Send>) -> &mut Self {
        self.observers.push(Watcher::Shared(observer));
        self
    }

    /// Schedules an action at `block` (applied before agents act in that block).
    pub fn at(&mut self, block: u64, action: Action) -> &mut Self {
        self.scheduled.push((block, action));
        self
    }

    /// The last block to run (absolute: a chain built from a snapshot starts after its block).
    pub fn end_at(&mut self, block: u64) -> &mut Self {
        self.end = block;
        self
    }

    /// Read access to the chain being built (to look up ids, prices).
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Validates and builds the runnable simulation.
    ///
    /// # Errors
    /// [`BuildError`] naming the first problem.
    pub fn build(self) -> Result<Simulation, BuildError> {
        let start = self.chain.block;
        if self.end <= start {
            return Err(BuildError::NoEnd);
        }
        if let Some(e) = self.supply {
            return Err(BuildError::Supply(e));
        }
        self.chain.check_supply().map_err(BuildError::Supply)?;
        let mut queue = BinaryHeap::new();
        // Netuids known when each action runs: the genesis subnets plus one per subnet
        // registration scheduled before it (registrations take the next netuid in order).
        let mut scheduled: Vec<(usize, (u64, Action))> =
            self.scheduled.into_iter().enumerate().collect();
        scheduled.sort_by_key(|(seq, (block, _))| (*block, *seq));
        let mut known_max = self.chain.subnets.keys().next_back().map_or(0, |n| n.0);
        for (seq, (block, action)) in scheduled {
            if block <= start {
                return Err(BuildError::ScheduledAtGenesis);
            }
            if let Some(netuid) = action_netuid(&action)
                && netuid.0 != 0
                && netuid.0 > known_max
            {
                return Err(BuildError::UnknownSubnet {
                    block,
                    netuid: netuid.0,
                });
            }
            if matches!(action, Action::RegisterSubnet { .. }) {
                known_max += 1;
            }
            queue.push(Reverse(Scheduled {
                block,
                seq: seq as u64,
                action,
            }));
        }
        // Each agent first wakes when it asks to (never before the first block stepped).
        let mut wake = Calendar::default();
        for (id, a) in self.agents.iter().enumerate() {
            wake.push(a.next_block(start).max(start + 1), id);
        }
        Ok(Simulation {
            chain: self.chain,
            agents: self.agents,
            observers: self.observers,
            queue,
            wake,
            end: self.end,
            epochs: Vec::new(),
            pushed: Vec::new(),
            due: Vec::new(),
            actions: Vec::new(),
            buffers: Vec::new(),
            team: None,
        })
    }
}

fn action_netuid(a: &Action) -> Option<NetUid> {
    match a {
        Action::Register { netuid, .. }
        | Action::SetWeights { netuid, .. }
        | Action::CommitWeights { netuid, .. }
        | Action::AddStake { netuid, .. }
        | Action::RemoveStake { netuid, .. }
        | Action::StartCall { netuid, .. }
        | Action::Serve { netuid, .. }
        | Action::CommitMetadata { netuid, .. }
        | Action::SetHyperparameter { netuid, .. } => Some(*netuid),
        Action::MoveStake { to_netuid, .. } => Some(*to_netuid),
        Action::ClaimRoot { .. } | Action::RootRegister { .. } | Action::SwapBasket { .. } => {
            Some(NetUid(0))
        }
        Action::SetTake { .. } | Action::RegisterSubnet { .. } => None,
    }
}

#[derive(Debug)]
struct Scheduled {
    block: u64,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.block, self.seq) == (other.block, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.block, self.seq).cmp(&(other.block, other.seq))
    }
}

/// When agents wake: the ids due at each block (in no particular order within a block; the
/// engine sorts the due ids). A map by block rather than one heap of every agent: a step
/// takes whole blocks off the front, and waking an agent is an insertion into a small map.
#[derive(Default)]
struct Calendar {
    by_block: BTreeMap<u64, Vec<usize>>,
    /// Emptied lists, kept for their capacity.
    spare: Vec<Vec<usize>>,
}

impl Calendar {
    fn push(&mut self, block: u64, id: usize) {
        let spare = &mut self.spare;
        self.by_block
            .entry(block)
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push(id);
    }

    /// Moves the ids due at `block` or before into `due` (unsorted).
    fn take_due(&mut self, block: u64, due: &mut Vec<usize>) {
        while let Some(entry) = self.by_block.first_entry() {
            if *entry.key() > block {
                break;
            }
            let mut ids = entry.remove();
            due.extend_from_slice(&ids);
            ids.clear();
            self.spare.push(ids);
        }
    }
}

/// A run stopped by its caller before its end ([`Simulation::run_or_stop`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// The last block stepped.
    pub block: u64,
    /// The block the run would have ended at.
    pub end: u64,
}

/// Why [`Simulation::run_checked`] ended early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Halt {
    /// Told to stop.
    Stopped(Stopped),
    /// A block broke conservation or the supply.
    Broken(crate::chain::ledger::ConservationError),
}

impl fmt::Display for Halt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Halt::Stopped(s) => s.fmt(f),
            Halt::Broken(e) => write!(f, "{e} (checked every block; this is a bug in yumalab)"),
        }
    }
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stopped after block {} of {}", self.block, self.end)
    }
}

impl std::error::Error for Stopped {}

/// A runnable simulation (built by [`SimulationBuilder`]; cannot be misconfigured).
pub struct Simulation {
    chain: Chain,
    agents: Vec<Box<dyn Agent>>,
    observers: Vec<Watcher>,
    queue: BinaryHeap<Reverse<Scheduled>>,
    wake: Calendar,
    end: u64,
    epochs: Vec<EpochRecord>,
    pushed: Vec<(usize, Action)>,
    due: Vec<usize>,
    actions: Vec<Action>,
    /// One action list per due agent (threaded acts), kept for their capacity.
    buffers: Vec<Vec<Action>>,
    /// The helper threads a block's parallel work runs on besides the calling thread
    /// (`None`: the calling thread alone).
    team: Option<Team>,
}

/// An observer as added to the builder: one that stays on the calling thread, or one that
/// may watch epochs on another ([`SimulationBuilder::shared_observer`]).
enum Watcher {
    Local(Box<dyn Observer>),
    Shared(Box<dyn Observer + Send>),
}

impl Watcher {
    fn get(&mut self) -> &mut dyn Observer {
        match self {
            Watcher::Local(o) => o.as_mut(),
            Watcher::Shared(o) => o.as_mut(),
        }
    }
}

/// One piece of a threaded round: a due agent and the list its actions go to, or an
/// observer watching the block's epochs.
enum Job<'a> {
    Act(&'a mut Box<dyn Agent>, &'a mut Vec<Action>),
    Watch(&'a mut (dyn Observer + Send)),
}

impl Simulation {
    /// Lets the agents due in a block act on `threads` threads (1, the default: on the
    /// calling thread): the calling thread and `threads − 1` helpers that stay up for the run
    /// ([`crate::team`]), so that `threads` threads are busy, not `threads` helpers and a waiting
    /// caller. The outputs are the same bytes for every count (module docs: Determinism
    /// contract).
    ///
    /// # Errors
    /// A message if the threads cannot be started.
    pub fn set_threads(&mut self, threads: usize) -> Result<(), String> {
        self.team = if threads > 1 {
            Some(Team::new(threads)?)
        } else {
            None
        };
        Ok(())
    }

    /// Lets every due agent act on the current state, on the calling thread and the team's:
    /// each pushes into its own list (`buffers[k]` for `due[k]`); with `watch`, the observers
    /// get this block's `on_epoch` calls in the same round, each observer one job, placed at
    /// the start of a different chunk so that they go to different threads. Which thread
    /// runs a job changes nothing but the time.
    fn act_threaded(&mut self, team: &Team, watch: bool) {
        let n = self.due.len();
        if self.buffers.len() < n {
            self.buffers.resize_with(n, Vec::new);
        }
        // Each watching observer starts a chunk of its own (`Team::chunk`).
        let width = n + self.observers.len();
        let chunk = team.chunk(width);
        let mut watchers = self.observers.iter_mut().filter_map(|w| match w {
            Watcher::Shared(o) if watch => Some(Job::Watch(o.as_mut())),
            _ => None,
        });
        let mut jobs: Vec<Job<'_>> = Vec::with_capacity(width);
        let mut rest: &mut [Box<dyn Agent>] = &mut self.agents;
        let mut offset = 0;
        for (&id, buffer) in self.due.iter().zip(self.buffers.iter_mut()) {
            while jobs.len().is_multiple_of(chunk)
                && let Some(w) = watchers.next()
            {
                jobs.push(w);
            }
            let tail = std::mem::take(&mut rest).split_at_mut(id - offset).1;
            let (agent, tail) = tail.split_first_mut().expect("due ids are agents' ids");
            jobs.push(Job::Act(agent, buffer));
            rest = tail;
            offset = id + 1;
        }
        jobs.extend(watchers);
        let chain = &self.chain;
        let epochs = &self.epochs;
        team.for_each(&mut jobs, &|job| match job {
            Job::Act(agent, buffer) => {
                buffer.clear();
                agent.act(chain, buffer);
            }
            Job::Watch(o) => {
                for record in epochs {
                    o.on_epoch(chain, record);
                }
            }
        });
    }

    /// The chain's current state.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The agents, by id (to read their off-chain costs and state after a run).
    pub fn agents(&self) -> &[Box<dyn Agent>] {
        &self.agents
    }

    /// The last block the run will step.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Whether the run has reached its end.
    pub fn finished(&self) -> bool {
        self.chain.block >= self.end
    }

    /// Steps one block (see the module docs for the order within a block).
    pub fn step(&mut self) {
        self.epochs.clear();
        self.chain
            .step_block_on(&mut self.epochs, self.team.as_ref());
        let b = self.chain.block;
        // On several threads, observers that may watch epochs beside the agents' acts,
        // which read the same state unless scheduled actions come between the two.
        let watch = self.team.is_some()
            && !self.epochs.is_empty()
            && self.queue.peek().is_none_or(|Reverse(s)| s.block > b)
            && self
                .observers
                .iter()
                .all(|w| matches!(w, Watcher::Shared(_)));
        if !watch {
            for record in &self.epochs {
                for o in &mut self.observers {
                    o.get().on_epoch(&self.chain, record);
                }
            }
        }
        while self.queue.peek().is_some_and(|Reverse(s)| s.block <= b) {
            let Reverse(s) = self.queue.pop().expect("peeked");
            let result = self.chain.apply(&s.action);
            for o in &mut self.observers {
                o.get().on_action(b, None, &s.action, &result);
            }
        }
        self.due.clear();
        self.wake.take_due(b, &mut self.due);
        self.due.sort_unstable();
        self.pushed.clear();
        if (self.due.len() > 1 || watch)
            && let Some(team) = self.team.take()
        {
            self.act_threaded(&team, watch);
            self.team = Some(team);
            for (&id, buffer) in self.due.iter().zip(self.buffers.iter_mut()) {
                self.pushed.extend(buffer.drain(..).map(|a| (id, a)));
                let next = self.agents[id].next_block(b).max(b + 1);
                self.wake.push(next, id);
            }
        } else {
            for &id in &self.due {
                self.actions.clear();
                self.agents[id].act(&self.chain, &mut self.actions);
                self.pushed.extend(self.actions.drain(..).map(|a| (id, a)));
                let next = self.agents[id].next_block(b).max(b + 1);
                self.wake.push(next, id);
            }
        }
        for (id, action) in self.pushed.drain(..) {
            let result = self.chain.apply(&action);
            for o in &mut self.observers {
                o.get().on_action(b, Some(id), &action, &result);
            }
        }
        for o in &mut self.observers {
            o.get().on_block(&self.chain);
        }
        if b == self.end {
            for o in &mut self.observers {
                o.get().on_end(&self.chain);
            }
        }
    }

    /// Steps until the chain is at `block` (or the end, whichever is first).
    pub fn run_until(&mut self, block: u64) {
        while self.chain.block < block.min(self.end) {
            self.step();
        }
    }

    /// Steps to the end.
    pub fn run(&mut self) {
        self.run_until(self.end);
    }

    /// Steps to the end, or until `stop` is set: the flag is read before every block, so a
    /// run stops within one block of being told to (module docs: Stopping early).
    ///
    /// # Errors
    /// [`Stopped`] if the flag was set before the end; the state is that after the last
    /// block stepped, and `on_end` was not called.
    pub fn run_or_stop(&mut self, stop: &AtomicBool) -> Result<(), Stopped> {
        while self.chain.block < self.end {
            if stop.load(Ordering::Relaxed) {
                return Err(Stopped {
                    block: self.chain.block,
                    end: self.end,
                });
            }
            self.step();
        }
        Ok(())
    }

    /// [`Simulation::run_or_stop`] that also checks conservation and the supply after every
    /// block when `every_block` is set (debug builds always check inside the block step; this
    /// makes the check available in release builds, at the cost of a pass over the state per
    /// block).
    ///
    /// # Errors
    /// [`Halt::Stopped`] as [`Simulation::run_or_stop`]; [`Halt::Broken`] at the first block
    /// whose books do not balance (a bug in yumalab), with the state after that block.
    pub fn run_checked(&mut self, stop: &AtomicBool, every_block: bool) -> Result<(), Halt> {
        while self.chain.block < self.end {
            if stop.load(Ordering::Relaxed) {
                return Err(Halt::Stopped(Stopped {
                    block: self.chain.block,
                    end: self.end,
                }));
            }
            self.step();
            if every_block {
                self.chain.check_conservation().map_err(Halt::Broken)?;
                if let Err(e) = self.chain.check_supply() {
                    return Err(Halt::Broken(crate::chain::ledger::ConservationError {
                        block: self.chain.block,
                        what: e.to_string(),
                        expected: u128::from(e.bound),
                        found: e.amount,
                    }));
                }
            }
        }
        Ok(())
    }

    /// The chain, mutably: for tools and tests that set up a state by hand. Changes bypass
    /// the ledger unless the caller books them; [`Chain::check_conservation`] tells.
    pub fn chain_mut(&mut self) -> &mut Chain {
        &mut self.chain
    }

    /// Consumes the simulation, returning the final chain state and the observers.
    pub fn into_parts(self) -> (Chain, Vec<Box<dyn Observer>>) {
        let observers = self
            .observers
            .into_iter()
            .map(|w| match w {
                Watcher::Local(o) => o,
                Watcher::Shared(o) => o as Box<dyn Observer>,
            })
            .collect();
        (self.chain, observers)
    }
}
