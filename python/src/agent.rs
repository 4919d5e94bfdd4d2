//! `kind: python` agents: a population group whose agents are instances of a Python class.
//!
//! The engine sees a Rust [`Agent`] ([`PyAgent`]) built by a factory ([`PyAgentFactory`]);
//! each call of `act` attaches to the interpreter, hands the object a [`View`] of the chain
//! (valid for that call only) and turns the [`Action`]s it returns into the engine's. An
//! exception, a return value that is not a list of actions, or an action the agent may not
//! sign is recorded (class, group, agent, block, Python traceback), the run's stop flag is
//! set, and the run stops before its next block; the caller then raises `yumalab.AgentError`.
//!
//! How an instance is made: `cls.__new__(cls)`, then the attributes `rng` (a
//! `numpy.random.Generator`, `numpy.random.default_rng(seed)`), `seed`, `name` (`group/m`),
//! `group`, `coldkey`, `hotkeys`, `hotkey` (the first), `netuid` and `tempo` are set, then
//! `__init__(**params)` runs. `seed` is the engine's `derive_seed(run seed,
//! stable_id("group/m"))`, the seed a built-in agent of the same name gets.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use numpy::PyArray1;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use yumalab::scenario::Scenario;
use yumalab_agents::behaviours::Identity;
use yumalab_agents::external::{ExternalAgentFactory, Spawn};
use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid, Rao};
use yumalab_agents::{Action as RsAction, Agent, ChainView};

use crate::mechanism::{Failures, traceback};

/// The engine's view during one `act` call, and the thread making it.
struct Lent {
    view: *const (dyn ChainView + 'static),
    thread: ThreadId,
}

// SAFETY: the pointer is only dereferenced on the thread that lent it (checked in
// `View::with`), while the `act` call that lent it is running (the slot is emptied by
// `LendGuard` before that call returns, or unwinds).
unsafe impl Send for Lent {}

/// The public state of the chain, as an agent sees it during one call of its `act`.
///
/// The same information as the engine's `ChainView`: the block, the subnets (prices, pools,
/// tempo, burn), each neuron's metagraph row, the visible (set or revealed) weights, free
/// balances and stakes. A view is valid only during the `act` call it was given to; using it
/// later raises `RuntimeError`. Amounts are integer rao (1 TAO = 10**9 rao); keys are integer
/// ids (`coldkey`, `hotkey`).
#[pyclass(frozen, module = "yumalab")]
pub struct View {
    slot: Mutex<Option<Lent>>,
    /// The current block.
    #[pyo3(get)]
    block: u64,
    coldkey: u32,
}

impl View {
    fn with<R>(&self, f: impl FnOnce(&dyn ChainView) -> PyResult<R>) -> PyResult<R> {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(lent) if lent.thread == std::thread::current().id() => {
                // SAFETY: see `Lent`: the lending `act` call is running on this thread.
                let view = unsafe { &*lent.view };
                f(view)
            }
            _ => Err(PyRuntimeError::new_err(
                "this view is no longer valid: a view can be used only during the `act` call it was given to",
            )),
        }
    }
}

/// Empties a view's slot when the `act` call that lent it ends.
struct LendGuard<'a>(&'a View);

impl Drop for LendGuard<'_> {
    fn drop(&mut self) {
        *self.0.slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// One subnet's public state (`view.subnet(netuid)`).
#[pyclass(frozen, get_all, module = "yumalab")]
#[derive(Clone)]
pub struct SubnetView {
    /// The subnet.
    pub netuid: u16,
    /// Blocks between epochs.
    pub tempo: u64,
    /// Spot price, TAO per alpha.
    pub price: f64,
    /// Moving (EMA) price.
    pub moving_price: f64,
    /// TAO reserve of the pool, rao.
    pub tao_reserve: u64,
    /// Alpha reserve of the pool, rao.
    pub alpha_reserve: u64,
    /// Alpha outstanding, rao.
    pub alpha_out: u64,
    /// Current neuron registration burn, rao.
    pub burn: u64,
    /// Number of registered uids.
    pub n: u16,
    /// Whether weights go through commit-reveal.
    pub commit_reveal: bool,
    /// How many epochs have run.
    pub epoch_index: u64,
}

#[pymethods]
impl SubnetView {
    fn __repr__(&self) -> String {
        format!(
            "SubnetView(netuid={}, tempo={}, price={}, tao_reserve={}, alpha_reserve={}, n={}, epoch_index={})",
            self.netuid,
            self.tempo,
            self.price,
            self.tao_reserve,
            self.alpha_reserve,
            self.n,
            self.epoch_index
        )
    }
}

/// One neuron's metagraph row after the last epoch (`view.neuron(netuid, uid)`).
#[pyclass(frozen, get_all, module = "yumalab")]
#[derive(Clone)]
pub struct NeuronView {
    /// The uid.
    pub uid: u16,
    /// The neuron's hotkey.
    pub hotkey: u32,
    /// The coldkey owning it.
    pub coldkey: u32,
    /// Block of (re)registration.
    pub registered_at: u64,
    /// Stake weight used by Yuma at the last epoch, rao (alpha + TaoWeight × root).
    pub stake: f64,
    /// Validator permit.
    pub permit: bool,
    /// Last epoch's consensus.
    pub consensus: f64,
    /// Last epoch's incentive.
    pub incentive: f64,
    /// Last epoch's dividends.
    pub dividends: f64,
    /// Last epoch's validator trust.
    pub validator_trust: f64,
    /// Last epoch's emission, alpha rao.
    pub emission: u64,
}

#[pymethods]
impl NeuronView {
    fn __repr__(&self) -> String {
        format!(
            "NeuronView(uid={}, hotkey={}, coldkey={}, stake={}, permit={}, incentive={}, dividends={}, emission={})",
            self.uid,
            self.hotkey,
            self.coldkey,
            self.stake,
            self.permit,
            self.incentive,
            self.dividends,
            self.emission
        )
    }
}

fn subnet_view(s: yumalab_agents::SubnetView) -> SubnetView {
    SubnetView {
        netuid: s.netuid.0,
        tempo: s.tempo,
        price: s.price,
        moving_price: s.moving_price,
        tao_reserve: s.tao_reserve.0,
        alpha_reserve: s.alpha_reserve.0,
        alpha_out: s.alpha_out.0,
        burn: s.burn.0,
        n: s.n,
        commit_reveal: s.commit_reveal,
        epoch_index: s.epoch_index,
    }
}

#[pymethods]
impl View {
    /// The subnets that exist (netuids, ascending; 0 is root).
    fn netuids(&self) -> PyResult<Vec<u16>> {
        self.with(|v| Ok(v.netuids().into_iter().map(|n| n.0).collect()))
    }

    /// One subnet's public state (price, pool reserves, tempo, burn, size), or None.
    fn subnet(&self, netuid: u16) -> PyResult<Option<SubnetView>> {
        self.with(|v| Ok(v.subnet(NetUid(netuid)).map(subnet_view)))
    }

    /// Spot price (TAO per alpha) of every subnet but root: ``{netuid: price}``.
    fn prices(&self) -> PyResult<std::collections::BTreeMap<u16, f64>> {
        self.with(|v| {
            Ok(v.netuids()
                .into_iter()
                .filter(|n| n.0 != 0)
                .filter_map(|n| v.subnet(n).map(|s| (n.0, s.price)))
                .collect())
        })
    }

    /// One neuron's metagraph row, or None.
    fn neuron(&self, netuid: u16, uid: u16) -> PyResult<Option<NeuronView>> {
        self.with(|v| {
            Ok(v.neuron(NetUid(netuid), uid).map(|n| NeuronView {
                uid,
                hotkey: n.hotkey.0,
                coldkey: n.coldkey.0,
                registered_at: n.registered_at.0,
                stake: n.stake,
                permit: n.permit,
                consensus: n.consensus,
                incentive: n.incentive,
                dividends: n.dividends,
                validator_trust: n.validator_trust,
                emission: n.emission.0,
            }))
        })
    }

    /// A subnet's metagraph as numpy arrays, one entry per uid (``uid``, ``hotkey``,
    /// ``coldkey``, ``registered_at``, ``stake``, ``permit``, ``consensus``, ``incentive``,
    /// ``dividends``, ``validator_trust``, ``emission``), or None if there is no such subnet.
    fn metagraph<'py>(&self, py: Python<'py>, netuid: u16) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.with(|v| {
            let Some(s) = v.subnet(NetUid(netuid)) else {
                return Ok(None);
            };
            let rows: Vec<(u16, yumalab_agents::NeuronView)> = (0..s.n)
                .map(|uid| (uid, v.neuron(NetUid(netuid), uid).unwrap_or_default()))
                .collect();
            let d = PyDict::new(py);
            macro_rules! column {
                ($name:literal, $f:expr) => {
                    d.set_item($name, PyArray1::from_iter(py, rows.iter().map($f)))?;
                };
            }
            column!("uid", |r| r.0);
            column!("hotkey", |r| r.1.hotkey.0);
            column!("coldkey", |r| r.1.coldkey.0);
            column!("registered_at", |r| r.1.registered_at.0);
            column!("stake", |r| r.1.stake);
            column!("permit", |r| r.1.permit);
            column!("consensus", |r| r.1.consensus);
            column!("incentive", |r| r.1.incentive);
            column!("dividends", |r| r.1.dividends);
            column!("validator_trust", |r| r.1.validator_trust);
            column!("emission", |r| r.1.emission.0);
            Ok(Some(d))
        })
    }

    /// The uid of a hotkey on a subnet, or None.
    fn uid_of(&self, netuid: u16, hotkey: u32) -> PyResult<Option<u16>> {
        self.with(|v| Ok(v.uid_of(NetUid(netuid), HotkeyId(hotkey))))
    }

    /// A validator's weights as the public sees them (the last set or revealed row; committed
    /// weights stay hidden until revealed): ``[(uid, u16 weight), ...]``, or None.
    fn weights(&self, netuid: u16, uid: u16) -> PyResult<Option<Vec<(u16, u16)>>> {
        self.with(|v| Ok(v.visible_weights(NetUid(netuid), uid).map(<[_]>::to_vec)))
    }

    /// Free TAO of a coldkey (default: the agent's own), rao.
    #[pyo3(signature = (coldkey = None))]
    fn balance(&self, coldkey: Option<u32>) -> PyResult<u64> {
        let c = ColdkeyId(coldkey.unwrap_or(self.coldkey));
        self.with(|v| Ok(v.balance(c).0))
    }

    /// Stake of a coldkey (default: the agent's own) on a hotkey on a subnet, rao of alpha
    /// (root, netuid 0: TAO).
    #[pyo3(signature = (hotkey, netuid, coldkey = None))]
    fn stake(&self, hotkey: u32, netuid: u16, coldkey: Option<u32>) -> PyResult<u64> {
        let c = ColdkeyId(coldkey.unwrap_or(self.coldkey));
        self.with(|v| Ok(v.stake(c, HotkeyId(hotkey), NetUid(netuid)).0))
    }

    /// The work a uid last served (off chain): ``{"block", "quality", "copy_of"}``, or None.
    fn served<'py>(
        &self,
        py: Python<'py>,
        netuid: u16,
        uid: u16,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.with(|v| {
            let Some(s) = v.served(NetUid(netuid), uid) else {
                return Ok(None);
            };
            let d = PyDict::new(py);
            d.set_item("block", s.block.0)?;
            d.set_item("quality", s.quality.to_vec())?;
            d.set_item("copy_of", s.copy_of)?;
            Ok(Some(d))
        })
    }

    fn __repr__(&self) -> String {
        format!("View(block={})", self.block)
    }
}

/// One action (an extrinsic) an agent returns from `act`. Made with the static constructors,
/// which mirror the engine's actions; amounts are integer rao (1 TAO = 10**9 rao). `coldkey`
/// defaults to the agent's own and so does the hotkey that signs (`hotkey` of `register`,
/// `set_weights`, `serve`, ...): an agent may sign only with its own keys.
#[pyclass(frozen, module = "yumalab", name = "Action")]
pub struct Action {
    action: RsAction,
    /// `coldkey` was given (else: the agent's own).
    coldkey: bool,
    /// The signing hotkey was given (else: the agent's first).
    hotkey: bool,
}

fn keys(coldkey: Option<u32>, hotkey: Option<u32>) -> (ColdkeyId, HotkeyId) {
    (
        ColdkeyId(coldkey.unwrap_or(0)),
        HotkeyId(hotkey.unwrap_or(0)),
    )
}

fn check_limit(limit_price: Option<f64>) -> PyResult<()> {
    match limit_price {
        Some(p) if !(p > 0.0 && p.is_finite()) => Err(PyValueError::new_err(format!(
            "limit_price must be a finite number > 0 (TAO per alpha), got {p}"
        ))),
        _ => Ok(()),
    }
}

#[pymethods]
impl Action {
    /// Register a hotkey (default: the agent's first) on a subnet, paying the current burn.
    #[staticmethod]
    #[pyo3(signature = (netuid, *, hotkey = None, coldkey = None))]
    fn register(netuid: u16, hotkey: Option<u32>, coldkey: Option<u32>) -> Action {
        let (c, h) = keys(coldkey, hotkey);
        Action {
            action: RsAction::Register {
                coldkey: c,
                hotkey: h,
                netuid: NetUid(netuid),
            },
            coldkey: coldkey.is_some(),
            hotkey: hotkey.is_some(),
        }
    }

    /// Set weights directly (subnets without commit-reveal): ``weights`` is
    /// ``[(uid, u16 weight), ...]``; the chain max-upscales the row.
    #[staticmethod]
    #[pyo3(signature = (netuid, weights, *, hotkey = None))]
    fn set_weights(netuid: u16, weights: Vec<(u16, u16)>, hotkey: Option<u32>) -> Action {
        let (_, h) = keys(None, hotkey);
        Action {
            action: RsAction::SetWeights {
                hotkey: h,
                netuid: NetUid(netuid),
                weights,
            },
            coldkey: false,
            hotkey: hotkey.is_some(),
        }
    }

    /// Commit weights (subnets with commit-reveal): as ``set_weights``, visible after the
    /// reveal period.
    #[staticmethod]
    #[pyo3(signature = (netuid, weights, *, hotkey = None))]
    fn commit_weights(netuid: u16, weights: Vec<(u16, u16)>, hotkey: Option<u32>) -> Action {
        let (_, h) = keys(None, hotkey);
        Action {
            action: RsAction::CommitWeights {
                hotkey: h,
                netuid: NetUid(netuid),
                weights,
            },
            coldkey: false,
            hotkey: hotkey.is_some(),
        }
    }

    /// Stake ``tao`` rao of free TAO on ``hotkey`` on a subnet (bought through its pool; 0 is
    /// root), buying only up to ``limit_price`` (TAO per alpha) if given.
    #[staticmethod]
    #[pyo3(signature = (hotkey, netuid, tao, *, limit_price = None, coldkey = None))]
    fn add_stake(
        hotkey: u32,
        netuid: u16,
        tao: u64,
        limit_price: Option<f64>,
        coldkey: Option<u32>,
    ) -> PyResult<Action> {
        check_limit(limit_price)?;
        Ok(Action {
            action: RsAction::AddStake {
                coldkey: keys(coldkey, None).0,
                hotkey: HotkeyId(hotkey),
                netuid: NetUid(netuid),
                tao: Rao(tao),
                limit_price,
            },
            coldkey: coldkey.is_some(),
            hotkey: true,
        })
    }

    /// Unstake ``alpha`` rao from ``hotkey`` on a subnet back to free TAO (sold through its
    /// pool), selling only down to ``limit_price`` if given.
    #[staticmethod]
    #[pyo3(signature = (hotkey, netuid, alpha, *, limit_price = None, coldkey = None))]
    fn remove_stake(
        hotkey: u32,
        netuid: u16,
        alpha: u64,
        limit_price: Option<f64>,
        coldkey: Option<u32>,
    ) -> PyResult<Action> {
        check_limit(limit_price)?;
        Ok(Action {
            action: RsAction::RemoveStake {
                coldkey: keys(coldkey, None).0,
                hotkey: HotkeyId(hotkey),
                netuid: NetUid(netuid),
                alpha: Rao(alpha),
                limit_price,
            },
            coldkey: coldkey.is_some(),
            hotkey: true,
        })
    }

    /// Move ``alpha`` rao of stake (of ``from_netuid``) from one hotkey/subnet to another
    /// (two swaps when the subnet changes, none when it does not).
    #[staticmethod]
    #[pyo3(signature = (from_hotkey, from_netuid, to_hotkey, to_netuid, alpha, *, coldkey = None))]
    fn move_stake(
        from_hotkey: u32,
        from_netuid: u16,
        to_hotkey: u32,
        to_netuid: u16,
        alpha: u64,
        coldkey: Option<u32>,
    ) -> Action {
        Action {
            action: RsAction::MoveStake {
                coldkey: keys(coldkey, None).0,
                from_hotkey: HotkeyId(from_hotkey),
                from_netuid: NetUid(from_netuid),
                to_hotkey: HotkeyId(to_hotkey),
                to_netuid: NetUid(to_netuid),
                alpha: Rao(alpha),
            },
            coldkey: coldkey.is_some(),
            hotkey: true,
        }
    }

    /// Serve work off chain (a miner's output): true ``quality`` per evaluation environment
    /// (finite), ``copy_of`` the uid it copies if any.
    #[staticmethod]
    #[pyo3(signature = (netuid, quality, *, copy_of = None, hotkey = None))]
    fn serve(
        netuid: u16,
        quality: Vec<f64>,
        copy_of: Option<u16>,
        hotkey: Option<u32>,
    ) -> PyResult<Action> {
        if let Some(q) = quality.iter().find(|q| !q.is_finite()) {
            return Err(PyValueError::new_err(format!(
                "quality must be finite, got {q}"
            )));
        }
        let (_, h) = keys(None, hotkey);
        Ok(Action {
            action: RsAction::Serve {
                hotkey: h,
                netuid: NetUid(netuid),
                quality,
                copy_of,
            },
            coldkey: false,
            hotkey: hotkey.is_some(),
        })
    }

    /// Buy a root uid for a hotkey (default: the agent's first) by burning root's price.
    #[staticmethod]
    #[pyo3(signature = (*, hotkey = None, coldkey = None))]
    fn root_register(hotkey: Option<u32>, coldkey: Option<u32>) -> Action {
        let (c, h) = keys(coldkey, hotkey);
        Action {
            action: RsAction::RootRegister {
                coldkey: c,
                hotkey: h,
            },
            coldkey: coldkey.is_some(),
            hotkey: hotkey.is_some(),
        }
    }

    /// Claim root dividends from one validator's fund (``hotkey``), or from every fund the
    /// agent is owed by (None); only under a regime with baskets (2026-10).
    #[staticmethod]
    #[pyo3(signature = (hotkey = None, *, coldkey = None))]
    fn claim_root(hotkey: Option<u32>, coldkey: Option<u32>) -> Action {
        Action {
            action: RsAction::ClaimRoot {
                coldkey: keys(coldkey, None).0,
                hotkey: hotkey.map(HotkeyId),
            },
            coldkey: coldkey.is_some(),
            hotkey: true,
        }
    }

    /// Set the delegate take (u16 proportion, at most 18 %) of a hotkey (default: the
    /// agent's first).
    #[staticmethod]
    #[pyo3(signature = (take, *, hotkey = None, coldkey = None))]
    fn set_take(take: u16, hotkey: Option<u32>, coldkey: Option<u32>) -> Action {
        let (c, h) = keys(coldkey, hotkey);
        Action {
            action: RsAction::SetTake {
                coldkey: c,
                hotkey: h,
                take,
            },
            coldkey: coldkey.is_some(),
            hotkey: hotkey.is_some(),
        }
    }

    fn __repr__(&self) -> String {
        format!("Action({:?})", self.action)
    }
}

impl Action {
    /// The engine's action with the agent's keys filled in, or why the agent may not sign it.
    fn to_rust(&self, me: &Identity) -> Result<RsAction, String> {
        let mut a = self.action.clone();
        let own = me.hotkeys.first().copied().unwrap_or_default();
        let (coldkey, signer) = match &mut a {
            RsAction::Register {
                coldkey, hotkey, ..
            }
            | RsAction::RootRegister { coldkey, hotkey }
            | RsAction::SetTake {
                coldkey, hotkey, ..
            } => (Some(coldkey), Some(hotkey)),
            RsAction::SetWeights { hotkey, .. }
            | RsAction::CommitWeights { hotkey, .. }
            | RsAction::Serve { hotkey, .. } => (None, Some(hotkey)),
            RsAction::AddStake { coldkey, .. }
            | RsAction::RemoveStake { coldkey, .. }
            | RsAction::MoveStake { coldkey, .. }
            | RsAction::ClaimRoot { coldkey, .. } => (Some(coldkey), None),
            _ => (None, None),
        };
        if let Some(c) = coldkey {
            if !self.coldkey {
                *c = me.coldkey;
            } else if *c != me.coldkey {
                return Err(format!(
                    "coldkey {} is not the agent's own ({}): an agent signs only with its own coldkey",
                    c.0, me.coldkey.0
                ));
            }
        }
        if let Some(h) = signer {
            if !self.hotkey {
                *h = own;
            } else if !me.hotkeys.contains(h) {
                let mine: Vec<u32> = me.hotkeys.iter().map(|h| h.0).collect();
                return Err(format!(
                    "hotkey {} is not one of the agent's own ({mine:?}): an agent signs only with its own hotkeys",
                    h.0
                ));
            }
        }
        Ok(a)
    }
}

/// One Python agent, as the engine sees it.
pub struct PyAgent {
    class: String,
    name: String,
    object: Py<PyAny>,
    has_next_block: bool,
    tempo: u64,
    identity: Identity,
    stop: Arc<AtomicBool>,
    failures: Failures,
}

impl PyAgent {
    fn fail(&self, block: u64, what: &str) {
        self.failures.record(
            "AgentError",
            format!(
                "agent `{}` ({}, coldkey {}, block {block}) {what}",
                self.class, self.name, self.identity.coldkey.0
            ),
        );
        self.stop.store(true, Ordering::Relaxed);
    }

    fn call_act(
        &mut self,
        py: Python<'_>,
        chain: &dyn ChainView,
        actions: &mut Vec<RsAction>,
    ) -> Result<(), String> {
        let view = Bound::new(
            py,
            View {
                slot: Mutex::new(None),
                block: chain.block().0,
                coldkey: self.identity.coldkey.0,
            },
        )
        .map_err(|e| format!("building its view failed: {e}"))?;
        // SAFETY (of the lifetime erasure): `LendGuard` empties the slot before this function
        // returns or unwinds, so the pointer never outlives `chain`.
        let lent: *const (dyn ChainView + '_) = chain;
        #[allow(clippy::missing_transmute_annotations)]
        let lent: *const (dyn ChainView + 'static) = unsafe { std::mem::transmute(lent) };
        *view.get().slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(Lent {
            view: lent,
            thread: std::thread::current().id(),
        });
        let guard = LendGuard(view.get());
        let returned = self
            .object
            .bind(py)
            .call_method1("act", (view.clone(),))
            .map_err(|e| format!("raised an exception in `act`:\n{}", traceback(py, &e)));
        drop(guard);
        let returned = returned?;
        if returned.is_none() {
            return Ok(());
        }
        let what = |r: &Bound<'_, PyAny>| {
            r.get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        };
        let iter = returned.try_iter().map_err(|_| {
            format!(
                "`act` returned `{}`, expected a list of yumalab.Action (or None)",
                what(&returned)
            )
        })?;
        for (i, item) in iter.enumerate() {
            let item = item.map_err(|e| format!("iterating what `act` returned failed: {e}"))?;
            let action = item.cast::<Action>().map_err(|_| {
                format!(
                    "`act` returned `{}` at index {i}, expected a yumalab.Action (made with Action.add_stake(...), ...)",
                    what(&item)
                )
            })?;
            let action = action.get();
            let a = action.to_rust(&self.identity).map_err(|e| {
                format!(
                    "returned a bad action at index {i} ({:?}): {e}",
                    action.action
                )
            })?;
            actions.push(a);
        }
        Ok(())
    }
}

impl Agent for PyAgent {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<RsAction>) {
        if self.stop.load(Ordering::Relaxed) {
            return;
        }
        let start = actions.len();
        let result = Python::attach(|py| self.call_act(py, view, actions));
        if let Err(e) = result {
            actions.truncate(start);
            self.fail(view.block().0, &e);
        }
    }

    fn next_block(&self, now: u64) -> u64 {
        if self.stop.load(Ordering::Relaxed) {
            return u64::MAX;
        }
        if !self.has_next_block {
            let tempo = self.tempo.max(1);
            return (now / tempo + 1) * tempo;
        }
        let result = Python::attach(|py| {
            let r = self
                .object
                .bind(py)
                .call_method1("next_block", (now,))
                .map_err(|e| {
                    format!(
                        "raised an exception in `next_block`:\n{}",
                        traceback(py, &e)
                    )
                })?;
            r.extract::<u64>().map_err(|_| {
                format!(
                    "`next_block({now})` returned `{}`, expected a block (an int > {now})",
                    r.repr().map_or_else(|_| "?".into(), |s| s.to_string())
                )
            })
        });
        match result {
            Ok(next) => next.max(now + 1),
            Err(e) => {
                self.fail(now, &e);
                u64::MAX
            }
        }
    }

    fn kind(&self) -> &str {
        "python"
    }
}

/// Makes the agents of one `kind: python` group from its class.
pub struct PyAgentFactory {
    class_name: String,
    class: Py<PyAny>,
    new_rng: Py<PyAny>,
    json_loads: Py<PyAny>,
    stop: Arc<AtomicBool>,
    failures: Failures,
}

impl PyAgentFactory {
    fn make(&self, py: Python<'_>, spawn: &Spawn<'_>) -> PyResult<(Py<PyAny>, bool)> {
        let class = self.class.bind(py);
        let object = class.call_method1("__new__", (class,))?;
        let id = spawn.identity;
        let hotkeys: Vec<u32> = id.hotkeys.iter().map(|h| h.0).collect();
        object.setattr("rng", self.new_rng.bind(py).call1((spawn.seed,))?)?;
        object.setattr("seed", spawn.seed)?;
        object.setattr("name", spawn.name)?;
        object.setattr("group", spawn.group)?;
        object.setattr("coldkey", id.coldkey.0)?;
        object.setattr("hotkey", hotkeys.first().copied().unwrap_or_default())?;
        object.setattr("hotkeys", hotkeys)?;
        object.setattr("netuid", id.netuid.0)?;
        object.setattr("tempo", spawn.tempo)?;
        let params = if spawn.params.is_null() {
            PyDict::new(py)
        } else {
            self.json_loads
                .bind(py)
                .call1((spawn.params.to_string(),))?
                .cast_into::<PyDict>()?
        };
        object.call_method("__init__", (), Some(&params))?;
        let has_next_block = class.hasattr("next_block")?;
        Ok((object.unbind(), has_next_block))
    }
}

impl ExternalAgentFactory for PyAgentFactory {
    fn build(&self, spawn: &Spawn<'_>) -> Result<Box<dyn Agent>, String> {
        let made = Python::attach(|py| {
            self.make(py, spawn).map_err(|e| {
                format!(
                    "agent `{}` ({}, coldkey {}) could not be made (`__init__(**params)`):\n{}",
                    self.class_name,
                    spawn.name,
                    spawn.identity.coldkey.0,
                    traceback(py, &e)
                )
            })
        });
        match made {
            Ok((object, has_next_block)) => Ok(Box::new(PyAgent {
                class: self.class_name.clone(),
                name: spawn.name.to_owned(),
                object,
                has_next_block,
                tempo: spawn.tempo,
                identity: spawn.identity.clone(),
                stop: self.stop.clone(),
                failures: self.failures.clone(),
            })),
            Err(e) => {
                self.failures.record("AgentError", e.clone());
                self.stop.store(true, Ordering::Relaxed);
                Err(e)
            }
        }
    }
}

/// Resolves every `kind: python` agent group of `scenario`: `resolver(class, "agent")`
/// returns the class (the Python half imports it).
///
/// # Errors
/// Whatever `resolver` raises (a module or class that cannot be found).
pub fn resolve_agents(
    py: Python<'_>,
    scenario: &mut Scenario,
    resolver: &Bound<'_, PyAny>,
    stop: &Arc<AtomicBool>,
    failures: &Failures,
) -> PyResult<()> {
    let agents = scenario.external_agents();
    if agents.is_empty() {
        return Ok(());
    }
    let new_rng = py.import("numpy.random")?.getattr("default_rng")?.unbind();
    let json_loads = py.import("json")?.getattr("loads")?.unbind();
    for (_, e) in agents {
        let class = resolver.call1((e.class.as_str(), "agent"))?.unbind();
        e.resolve(Arc::new(PyAgentFactory {
            class_name: e.class.clone(),
            class,
            new_rng: new_rng.clone_ref(py),
            json_loads: json_loads.clone_ref(py),
            stop: stop.clone(),
            failures: failures.clone(),
        }));
    }
    Ok(())
}
