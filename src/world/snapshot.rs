//! Snapshot files: the state of a live network after one block (issue 11, item 3).
//!
//! A snapshot is JSON (`.json`) or YAML (anything else). Its text goes through the same
//! located reader as scenarios ([`crate::yaml::parse_tree_with_sources`], then
//! [`crate::scenario::reader::Reader`]), which checks every field and reports **every**
//! problem at once, each with the file, line:column, field path, offending value and what was
//! expected, into a validated [`Snapshot`]. [`crate::world::build`] turns it into a
//! [`crate::chain::state::Chain`].
//!
//! # Units
//! Amounts are written in TAO or alpha as decimal numbers (as in scenarios) and held here as
//! integer rao (10⁻⁹). The conversion reads the number **as written** (its decimal text), not
//! its `f64` value, so `11588360.177321376` is exactly 11 588 360 177 321 376 rao; digits
//! beyond the ninth decimal are rounded to the nearest rao, ties to even ([`decimal_scaled`]).
//! The pool's quote weight is read the same way into parts per 10¹⁸ (a Perquintill, as the
//! chain stores it). Fractions and prices are `f64`.
//!
//! The field lists ([`TOP`], [`GLOBALS`], [`GATE`], [`SUBNET`]) are shared with the JSON
//! Schema ([`json_schema`]), and a test checks that the two agree.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value as Json, json};
use yumalab_agents::units::NetUid;

use crate::chain::emission::TOTAL_SUPPLY;
use crate::chain::params::{ChainParams, PoolRule, Regime};
use crate::chain::pool::{HALF_WEIGHT, MAX_WEIGHT, MIN_WEIGHT, PERQUINTILL};
use crate::replay::Format;
use crate::scenario::reader::{Fields, Reader, join};
use crate::scenario::{Problem, Problems};
use crate::yaml::{Node, ScalarSources, Value};

/// Rao per TAO (or per alpha).
pub const RAO: u64 = 1_000_000_000;

/// The fields of a snapshot's top level.
pub const TOP: &[&str] = &["block", "regime", "globals", "subnets"];
/// The fields of `globals`.
pub const GLOBALS: &[&str] = &[
    "total_issuance",
    "root_tao",
    "tao_weight",
    "owner_cut",
    "moving_alpha",
    "gate",
    "subnet_limit",
    "lock_cost",
    "min_lock",
    "network_immunity",
];
/// The fields of `globals.gate`.
pub const GATE: &[&str] = &["bar", "rank", "exponent", "quantile"];
/// The fields of one subnet.
pub const SUBNET: &[&str] = &[
    "netuid",
    "tao_reserve",
    "alpha_reserve",
    "alpha_outstanding",
    "protocol_alpha",
    "moving_price",
    "miner_burned",
    "emission_enabled",
    "tempo",
    "registered_at",
    "first_emission_block",
    "tao_reservoir",
    "alpha_reservoir",
    "tao_weight_in_pool",
];

/// The largest block number (the chain's block numbers are `u32`).
pub const MAX_BLOCK: u64 = u32::MAX as u64;

/// The largest tempo accepted (`MAX_TEMPO`, as for scenarios).
pub const MAX_TEMPO: u64 = 50_400;

/// A validated snapshot: the network after block [`Snapshot::block`].
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The block after which this is the state; the next block stepped is `block + 1`.
    pub block: u64,
    /// The rules the chain follows from here.
    pub regime: Regime,
    /// Chain-wide state and parameters.
    pub globals: Globals,
    /// The subnets, ascending by netuid (root is not among them).
    pub subnets: Vec<SubnetState>,
}

/// Chain-wide state and parameters of a [`Snapshot`].
#[derive(Clone, Debug, PartialEq)]
pub struct Globals {
    /// `TotalIssuance`, rao.
    pub total_issuance: u64,
    /// TAO staked on root (`SubnetTAO[0]`), rao.
    pub root_tao: u64,
    /// `TaoWeight`, a fraction.
    pub tao_weight: f64,
    /// `SubnetOwnerCut`, a fraction (stored as the nearest u16 proportion).
    pub owner_cut: f64,
    /// `SubnetMovingAlpha`: the price EMA's base rate per block.
    pub moving_alpha: f64,
    /// The emission gate (§13.2) and its stored bar; `None` turns the gate off.
    pub gate: Option<GateState>,
    /// `SubnetLimit`.
    pub subnet_limit: u16,
    /// `NetworkLastLockCost`: the lock paid by the last subnet registration, rao.
    pub lock_cost: u64,
    /// `NetworkMinLockCost`, rao; optional (`None`: the regime's default, 1 000 TAO).
    pub min_lock: Option<u64>,
    /// `NetworkImmunityPeriod`: blocks a new subnet is immune to pruning; optional (`None`: the
    /// regime's default, 1 296 000).
    pub network_immunity: Option<u64>,
}

/// The emission gate's parameters and stored bar (§13.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateState {
    /// `EmissionGateBar` θ (0: not yet computed; recomputed at the first block).
    pub bar: f64,
    /// `EmissionBarRank` N (0: quantile mode).
    pub rank: u16,
    /// `EmissionGateExponent` h (> 0).
    pub exponent: f64,
    /// `EmissionBarQuantile` q (read in quantile mode only).
    pub quantile: f64,
}

/// One subnet of a [`Snapshot`]. Amounts in rao.
#[derive(Clone, Debug, PartialEq)]
pub struct SubnetState {
    /// Its netuid (≥ 1).
    pub netuid: NetUid,
    /// `SubnetTAO`: the pool's TAO reserve.
    pub tao_reserve: u64,
    /// `SubnetAlphaIn`: the pool's alpha reserve.
    pub alpha_reserve: u64,
    /// `SubnetAlphaOut`: alpha outside the pool.
    pub alpha_outstanding: u64,
    /// `SubnetProtocolAlpha`: the part of `alpha_outstanding` the protocol holds.
    pub protocol_alpha: u64,
    /// `SubnetMovingPrice`, TAO per alpha.
    pub moving_price: f64,
    /// `MinerBurned`, a fraction.
    pub miner_burned: f64,
    /// `SubnetEmissionEnabled`.
    pub emission_enabled: bool,
    /// `Tempo`, blocks.
    pub tempo: u64,
    /// `NetworkRegisteredAt`, a block.
    pub registered_at: u64,
    /// `FirstEmissionBlockNumber` (`None`: the owner has not started the subnet).
    pub first_emission_block: Option<u64>,
    /// `BalancerTaoReservoir`, rao (§13.3).
    pub tao_reservoir: u64,
    /// `BalancerAlphaReservoir`, rao (§13.3).
    pub alpha_reservoir: u64,
    /// The pool's quote (TAO) weight w₂, parts per 10¹⁸.
    pub tao_weight_in_pool: u64,
}

impl SubnetState {
    /// The subnet's alpha issuance: reserve + outstanding + alpha reservoir (§13.3.3), rao.
    pub fn alpha_issuance(&self) -> u128 {
        u128::from(self.alpha_reserve)
            + u128::from(self.alpha_outstanding)
            + u128::from(self.alpha_reservoir)
    }
}

impl Snapshot {
    /// Reads and checks a snapshot. `file` names it in problems; `format` says whether the
    /// text is JSON (checked strictly first) or YAML.
    ///
    /// # Errors
    /// Every problem found, in file order.
    pub fn parse(text: &str, file: &str, format: Format) -> Result<Snapshot, Problems> {
        let syntax = |line: u64, column: u64, message: String| {
            Problems(vec![Problem {
                file: file.to_owned(),
                line,
                column,
                path: String::new(),
                message,
            }])
        };
        if format == Format::Json
            && let Err(e) = serde_json::from_str::<serde_json::Value>(text)
        {
            let mut message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message.truncate(stripped.len());
            }
            return Err(syntax(e.line() as u64, e.column() as u64, message));
        }
        let (tree, sources) = crate::yaml::parse_tree_with_sources(text).map_err(|e| {
            // The parser's message repeats the position and quotes the text; keep what it says.
            let first = e.message.lines().next().unwrap_or_default();
            let prefix = format!("error: line {} column {}: ", e.line, e.column);
            let message = first.strip_prefix(&prefix).unwrap_or(first).to_owned();
            syntax(e.line, e.column, message)
        })?;
        let mut r = Reader::new(file);
        let snapshot = SnapshotReader {
            r: &mut r,
            sources: &sources,
        }
        .read(&tree);
        match snapshot {
            Some(s) if r.problems.is_empty() => Ok(s),
            _ => {
                let mut problems = r.problems;
                problems.sort_by_key(|p| (p.line == 0, p.line, p.column));
                Err(Problems(problems))
            }
        }
    }

    /// The chain parameters of this snapshot: the regime's, with `tao_weight`, `owner_cut`,
    /// `moving_alpha`, `gate` and `subnet_limit` overridden.
    pub fn chain_params(&self) -> ChainParams {
        let mut p = ChainParams::for_regime(self.regime);
        self.apply_globals(&mut p);
        p
    }

    /// Sets `tao_weight`, `owner_cut`, `moving_alpha`, `gate`, `subnet_limit` and, when given,
    /// `min_lock` and `network_immunity` of `p` to the snapshot's (on any regime's parameters: a
    /// scenario may name another regime).
    pub fn apply_globals(&self, p: &mut ChainParams) {
        let g = &self.globals;
        p.tao_weight = g.tao_weight;
        p.owner_cut = (g.owner_cut * 65535.0).round() as u16;
        p.subnet_moving_alpha = g.moving_alpha;
        p.gate = g.gate.map(|gate| crate::chain::params::GateParams {
            rank: gate.rank,
            quantile: gate.quantile,
            exponent: gate.exponent,
        });
        p.subnet_limit = g.subnet_limit;
        if let Some(m) = g.min_lock {
            p.network_min_lock = m;
        }
        if let Some(i) = g.network_immunity {
            p.network_immunity = i;
        }
    }

    /// TAO held by what a chain built from this snapshot models (root stake, pool reserves,
    /// TAO reservoirs), rao. The rest of `total_issuance` is held outside the simulation.
    pub fn modelled_tao(&self) -> u128 {
        u128::from(self.globals.root_tao)
            + self
                .subnets
                .iter()
                .map(|s| u128::from(s.tao_reserve) + u128::from(s.tao_reservoir))
                .sum::<u128>()
    }
}

// ---------------------------------------------------------------------------------- decimals

/// Why a number's text could not be read as an exact decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    /// Not a plain decimal number (`12`, `0.5`, `1.5e3`).
    NotDecimal,
    /// Below zero.
    Negative,
    /// Too large for the integer it scales to.
    TooLarge,
}

/// The decimal number written in `text`, times 10^`scale`, as an integer: exact, with the
/// digits beyond that rounded to the nearest integer, ties to even. Accepts an optional `+`,
/// digits with an optional `.` and fraction, and an optional exponent (`1.5e3`). A negative
/// zero is 0.
///
/// # Errors
/// [`DecimalError`].
pub fn decimal_scaled(text: &str, scale: u32) -> Result<u128, DecimalError> {
    let t = text.trim();
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => {
            let e: i64 = t[i + 1..].parse().map_err(|_| DecimalError::NotDecimal)?;
            (&t[..i], e)
        }
        None => (t, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(DecimalError::NotDecimal);
    }
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    if digits.iter().all(|&d| d == 0) {
        return Ok(0);
    }
    if negative {
        return Err(DecimalError::Negative);
    }
    // Position of the decimal point in `digits` after scaling.
    let point = (int_part.len() as i64)
        .saturating_add(exp)
        .saturating_add(i64::from(scale));
    let leading_zeros = digits.iter().take_while(|&&d| d == 0).count() as i64;
    if point - leading_zeros > 39 {
        return Err(DecimalError::TooLarge);
    }
    if point < 0 {
        // Below 0.1 after scaling: rounds to 0.
        return Ok(0);
    }
    let point = point as usize;
    let mut value: u128 = 0;
    for k in 0..point {
        let d = digits.get(k).copied().unwrap_or(0);
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(d)))
            .ok_or(DecimalError::TooLarge)?;
    }
    let rest = digits.get(point..).unwrap_or(&[]);
    let up = match rest.first() {
        Some(&d) if d > 5 => true,
        Some(5) => rest[1..].iter().any(|&d| d > 0) || value % 2 == 1,
        _ => false,
    };
    if up {
        value = value.checked_add(1).ok_or(DecimalError::TooLarge)?;
    }
    Ok(value)
}

/// Text for a number in a problem: as written if known.
fn written(node: &Node, sources: &ScalarSources) -> String {
    sources
        .get(&(node.line, node.column))
        .cloned()
        .unwrap_or_else(|| node.show())
}

/// `x` rao as TAO text (`1234.5`), exact.
pub fn rao_text(x: u128) -> String {
    let whole = x / u128::from(RAO);
    let frac = x % u128::from(RAO);
    if frac == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:09}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}

// ---------------------------------------------------------------------------------- reading

struct SnapshotReader<'a, 'f> {
    r: &'a mut Reader<'f>,
    sources: &'a ScalarSources,
}

/// The supply, as text for messages.
const SUPPLY: &str = "21 000 000";

impl SnapshotReader<'_, '_> {
    fn read(&mut self, tree: &Node) -> Option<Snapshot> {
        let f = self.r.map(tree, "", TOP)?;
        let block = self
            .r
            .required(&f, "block")
            .and_then(|n| self.r.integer(n, "block", 0, MAX_BLOCK));
        let regime = self.r.required(&f, "regime").and_then(|n| {
            let names: Vec<&str> = Regime::ALL.iter().map(|(_, n)| *n).collect();
            self.r
                .choice(n, "regime", &names)
                .and_then(Regime::from_name)
        });
        let globals = self.r.required(&f, "globals").and_then(|n| self.globals(n));
        let items = f.get("subnets").map_or(0, |n| match &n.value {
            Value::Seq(items) => items.len(),
            _ => 0,
        });
        let subnets = self
            .r
            .required(&f, "subnets")
            .map(|n| self.subnets(n, block, regime))
            .unwrap_or_default();
        let (block, regime, globals) = (block?, regime?, globals?);
        let all_read = subnets.len() == items;
        let snapshot = Snapshot {
            block,
            regime,
            globals,
            subnets: subnets.into_iter().map(|(_, s)| s).collect(),
        };
        self.cross_checks(&f, &snapshot, items, all_read);
        Some(snapshot)
    }

    /// Checks that need more than one field: the subnet limit (over the `items` written) and,
    /// once every subnet has been read, the TAO total.
    fn cross_checks(&mut self, f: &Fields<'_>, s: &Snapshot, items: usize, all_read: bool) {
        let g = &s.globals;
        let modelled = s.modelled_tao();
        if all_read
            && modelled > u128::from(g.total_issuance)
            && let Some(globals) = f.get("globals")
        {
            let node = field(globals, "total_issuance").unwrap_or(globals);
            self.r.problem(
                node,
                "globals.total_issuance",
                format!(
                    "must hold the modelled TAO: root_tao + Σ tao_reserve + Σ tao_reservoir = {} TAO, got `{}`",
                    rao_text(modelled),
                    rao_text(u128::from(g.total_issuance))
                ),
            );
        }
        if items > usize::from(g.subnet_limit)
            && let Some(n) = f.get("subnets")
        {
            self.r.problem(
                n,
                "subnets",
                format!(
                    "has {items} subnets, more than `globals.subnet_limit` ({})",
                    g.subnet_limit
                ),
            );
        }
    }

    /// An amount in TAO or alpha (`unit`), in [0, 21 M], as rao.
    fn amount(&mut self, node: &Node, path: &str, unit: &str) -> Option<u64> {
        let expected = format!("{unit} in [0, {SUPPLY}] (a finite decimal number)");
        let text = written(node, self.sources);
        let value = match node.value {
            Value::Int(_) | Value::Float(_) => decimal_scaled(&text, 9),
            _ => Err(DecimalError::NotDecimal),
        };
        match value {
            Ok(v) if v <= u128::from(TOTAL_SUPPLY) => Some(v as u64),
            Ok(_) | Err(DecimalError::TooLarge) => {
                self.r.problem(
                    node,
                    path,
                    format!("must be {unit} in [0, {SUPPLY}] (the supply), got `{text}`"),
                );
                None
            }
            Err(_) => {
                self.r
                    .problem(node, path, format!("must be {expected}, got `{text}`"));
                None
            }
        }
    }

    fn required_amount(&mut self, f: &Fields<'_>, name: &str, unit: &str) -> Option<u64> {
        let n = self.r.required(f, name)?;
        self.amount(n, &f.path_of(name), unit)
    }

    fn optional_amount(&mut self, f: &Fields<'_>, name: &str, unit: &str) -> Option<u64> {
        match f.get(name) {
            Some(n) => self.amount(n, &f.path_of(name), unit),
            None => Some(0),
        }
    }

    fn required_number(
        &mut self,
        f: &Fields<'_>,
        name: &str,
        ok: impl Fn(f64) -> bool,
        expected: &str,
    ) -> Option<f64> {
        let n = self.r.required(f, name)?;
        self.r.number(n, &f.path_of(name), ok, expected)
    }

    fn globals(&mut self, n: &Node) -> Option<Globals> {
        let path = "globals";
        let f = self.r.map(n, path, GLOBALS)?;
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        let fraction = "a fraction in [0, 1]";
        let total_issuance = self.required_amount(&f, "total_issuance", "TAO");
        let root_tao = self.required_amount(&f, "root_tao", "TAO");
        let tao_weight = self.required_number(&f, "tao_weight", unit, fraction);
        let owner_cut = self.required_number(&f, "owner_cut", unit, fraction);
        let moving_alpha = self.required_number(&f, "moving_alpha", unit, fraction);
        let gate = if !f.has("gate") {
            self.r
                .problem(n, "globals.gate", "missing required field (null: no gate)");
            None
        } else {
            match f.get("gate") {
                None => Some(None),
                Some(g) => self.gate(g).map(Some),
            }
        };
        let subnet_limit = self
            .r
            .required(&f, "subnet_limit")
            .and_then(|n| self.r.integer(n, "globals.subnet_limit", 1, 65_535));
        let lock_cost = self.required_amount(&f, "lock_cost", "TAO");
        let min_lock = match f.get("min_lock") {
            Some(n) => self.amount(n, "globals.min_lock", "TAO").map(Some),
            None => Some(None),
        };
        let network_immunity = match f.get("network_immunity") {
            Some(n) => self
                .r
                .integer(n, "globals.network_immunity", 0, u64::from(u32::MAX))
                .map(Some),
            None => Some(None),
        };
        Some(Globals {
            total_issuance: total_issuance?,
            root_tao: root_tao?,
            tao_weight: tao_weight?,
            owner_cut: owner_cut?,
            moving_alpha: moving_alpha?,
            gate: gate?,
            subnet_limit: subnet_limit? as u16,
            lock_cost: lock_cost?,
            min_lock: min_lock?,
            network_immunity: network_immunity?,
        })
    }

    fn gate(&mut self, n: &Node) -> Option<GateState> {
        let path = "globals.gate";
        let f = self.r.map(n, path, GATE)?;
        let bar =
            self.required_number(&f, "bar", |x| (0.0..=1.0).contains(&x), "a share in [0, 1]");
        let rank = self
            .r
            .required(&f, "rank")
            .and_then(|n| self.r.integer(n, &join(path, "rank"), 0, 65_535));
        let exponent = self.required_number(
            &f,
            "exponent",
            |x| x > 0.0 && x <= 64.0,
            "a number in (0, 64]",
        );
        let quantile = self.required_number(
            &f,
            "quantile",
            |x| x > 0.0 && x <= 1.0,
            "a fraction in (0, 1]",
        );
        Some(GateState {
            bar: bar?,
            rank: rank? as u16,
            exponent: exponent?,
            quantile: quantile?,
        })
    }

    /// The subnets, each with the line it starts on, ascending by netuid.
    fn subnets(
        &mut self,
        n: &Node,
        block: Option<u64>,
        regime: Option<Regime>,
    ) -> Vec<(u64, SubnetState)> {
        let mut seen: BTreeMap<i128, u64> = BTreeMap::new();
        let mut out = Vec::new();
        for (i, item) in self.r.seq(n, "subnets").iter().enumerate() {
            let path = format!("subnets[{i}]");
            // Repeats are found on the netuid alone, whatever else is wrong with the subnet.
            let mut repeated = false;
            if let Some(at) = field(item, "netuid")
                && let Value::Int(netuid) = at.value
            {
                if let Some(first) = seen.get(&netuid) {
                    self.r.problem(
                        at,
                        &join(&path, "netuid"),
                        format!(
                            "netuid {netuid} is given twice (first on line {first}); each subnet once"
                        ),
                    );
                    repeated = true;
                } else {
                    seen.insert(netuid, at.line);
                }
            }
            if let Some(s) = self.subnet(item, &path, block, regime)
                && !repeated
            {
                out.push((item.line, s));
            }
        }
        out.sort_by_key(|(_, s)| s.netuid);
        out
    }

    fn subnet(
        &mut self,
        n: &Node,
        path: &str,
        block: Option<u64>,
        regime: Option<Regime>,
    ) -> Option<SubnetState> {
        let f = self.r.map(n, path, SUBNET)?;
        let netuid = self.r.required(&f, "netuid").and_then(|node| {
            if node.value == Value::Int(0) {
                self.r.problem(
                    node,
                    &f.path_of("netuid"),
                    "must be a subnet in 1..=65535, got `0` (root: write its stake as `globals.root_tao`)",
                );
                return None;
            }
            self.r.integer(node, &f.path_of("netuid"), 1, 65_535)
        });
        let tao_reserve = self.required_amount(&f, "tao_reserve", "TAO");
        let alpha_reserve = self.required_amount(&f, "alpha_reserve", "alpha");
        let alpha_outstanding = self.required_amount(&f, "alpha_outstanding", "alpha");
        let protocol_alpha = self.required_amount(&f, "protocol_alpha", "alpha");
        let moving_price = self.required_number(
            &f,
            "moving_price",
            |x| (0.0..=1e6).contains(&x),
            "TAO per alpha in [0, 1e6]",
        );
        let miner_burned = self.required_number(
            &f,
            "miner_burned",
            |x| (0.0..=1.0).contains(&x),
            "a fraction in [0, 1]",
        );
        let emission_enabled = match self.r.required(&f, "emission_enabled") {
            Some(Node {
                value: Value::Bool(b),
                ..
            }) => Some(*b),
            Some(node) => {
                self.r.problem(
                    node,
                    &f.path_of("emission_enabled"),
                    format!("must be true or false, got `{}`", node.show()),
                );
                None
            }
            None => None,
        };
        let tempo = self
            .r
            .required(&f, "tempo")
            .and_then(|node| self.r.integer(node, &f.path_of("tempo"), 1, MAX_TEMPO));
        let registered_at = self.r.required(&f, "registered_at").and_then(|node| {
            self.r.integer(
                node,
                &f.path_of("registered_at"),
                0,
                block.unwrap_or(u64::MAX),
            )
        });
        let first_emission_block = if !f.has("first_emission_block") {
            self.r.problem(
                n,
                &f.path_of("first_emission_block"),
                "missing required field (null: the subnet has not started)",
            );
            None
        } else {
            match f.get("first_emission_block") {
                None => Some(None),
                Some(node) => self
                    .r
                    .integer(
                        node,
                        &f.path_of("first_emission_block"),
                        registered_at.unwrap_or(0),
                        MAX_BLOCK,
                    )
                    .map(Some),
            }
        };
        let tao_reservoir = self.optional_amount(&f, "tao_reservoir", "TAO");
        let alpha_reservoir = self.optional_amount(&f, "alpha_reservoir", "alpha");
        let tao_weight_in_pool = self.pool_weight(&f, regime);

        // Checks across fields.
        if let (Some(p), Some(out)) = (protocol_alpha, alpha_outstanding)
            && p > out
            && let Some(node) = f.get("protocol_alpha")
        {
            self.r.problem(
                node,
                &f.path_of("protocol_alpha"),
                format!(
                    "must be at most `alpha_outstanding` ({} alpha), got `{}`",
                    rao_text(u128::from(out)),
                    written(node, self.sources)
                ),
            );
        }
        if let (Some(a), Some(b), Some(c)) = (alpha_reserve, alpha_outstanding, alpha_reservoir) {
            let issuance = u128::from(a) + u128::from(b) + u128::from(c);
            if issuance > u128::from(TOTAL_SUPPLY) {
                self.r.problem(
                    n,
                    path,
                    format!(
                        "alpha issuance (alpha_reserve + alpha_outstanding + alpha_reservoir) must be at most {SUPPLY} alpha, got {}",
                        rao_text(issuance)
                    ),
                );
                return None;
            }
        }
        Some(SubnetState {
            netuid: NetUid(netuid? as u16),
            tao_reserve: tao_reserve?,
            alpha_reserve: alpha_reserve?,
            alpha_outstanding: alpha_outstanding?,
            protocol_alpha: protocol_alpha?,
            moving_price: moving_price?,
            miner_burned: miner_burned?,
            emission_enabled: emission_enabled?,
            tempo: tempo?,
            registered_at: registered_at?,
            first_emission_block: first_emission_block?,
            tao_reservoir: tao_reservoir?,
            alpha_reservoir: alpha_reservoir?,
            tao_weight_in_pool: tao_weight_in_pool?,
        })
    }

    /// `tao_weight_in_pool` as parts per 10¹⁸: within [0.01, 0.99], and 0.5 under a
    /// constant-product regime (which has no weights).
    fn pool_weight(&mut self, f: &Fields<'_>, regime: Option<Regime>) -> Option<u64> {
        let Some(node) = f.get("tao_weight_in_pool") else {
            return Some(HALF_WEIGHT);
        };
        let path = f.path_of("tao_weight_in_pool");
        let text = written(node, self.sources);
        let w = match node.value {
            Value::Int(_) | Value::Float(_) => decimal_scaled(&text, 18).ok(),
            _ => None,
        };
        let Some(w) = w.filter(|w| (u128::from(MIN_WEIGHT)..=u128::from(MAX_WEIGHT)).contains(w))
        else {
            self.r.problem(
                node,
                &path,
                format!("must be a weight in [0.01, 0.99], got `{text}`"),
            );
            return None;
        };
        let constant_product =
            regime.is_some_and(|r| ChainParams::for_regime(r).pool == PoolRule::ConstantProduct);
        if constant_product && w != u128::from(HALF_WEIGHT) {
            self.r.problem(
                node,
                &path,
                format!(
                    "must be 0.5 under regime `{}` (a constant-product pool has no weights), got `{text}`",
                    regime.map_or("?", Regime::name)
                ),
            );
            return None;
        }
        debug_assert!(w <= u128::from(PERQUINTILL));
        Some(w as u64)
    }
}

/// A mapping's field node, if present.
fn field<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.key_text() == name)
            .map(|(_, v)| v),
        _ => None,
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "snapshot after block {} (regime {}, {} subnets)",
            self.block,
            self.regime.name(),
            self.subnets.len()
        )
    }
}

// ---------------------------------------------------------------------------------- schema

/// A JSON Schema (draft 2020-12) of snapshot files (`yumalab schema --snapshot`).
pub fn json_schema() -> Json {
    let object = |properties: Json, required: &[&str]| json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required});
    let amount = |unit: &str, what: &str| {
        json!({"type": "number", "minimum": 0, "maximum": 21_000_000,
            "description": format!("{what}, {unit} (a decimal number, read exactly to the rao)")})
    };
    let fraction =
        |what: &str| json!({"type": "number", "minimum": 0, "maximum": 1, "description": what});
    let integer = |what: &str, min: u64, max: Option<u64>| {
        let mut v = json!({"type": "integer", "minimum": min, "description": what});
        if let Some(m) = max {
            v["maximum"] = json!(m);
        }
        v
    };
    let regimes: Vec<&str> = Regime::ALL.iter().map(|(_, n)| *n).collect();
    let gate = object(
        json!({
            "bar": fraction("EmissionGateBar θ, a share (0: not yet computed)"),
            "rank": integer("EmissionBarRank N: the bar is the N-th largest share (0: quantile mode)", 0, Some(65_535)),
            "exponent": {"type": "number", "exclusiveMinimum": 0, "maximum": 64, "description": "EmissionGateExponent h"},
            "quantile": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "description": "EmissionBarQuantile q (quantile mode only)"},
        }),
        GATE,
    );
    let globals = object(
        json!({
            "total_issuance": amount("TAO", "TotalIssuance"),
            "root_tao": amount("TAO", "TAO staked on root (SubnetTAO[0])"),
            "tao_weight": fraction("TaoWeight"),
            "owner_cut": fraction("SubnetOwnerCut"),
            "moving_alpha": fraction("SubnetMovingAlpha: the price EMA's base rate per block"),
            "gate": {"oneOf": [{"type": "null"}, gate], "description": "the §13.2 emission gate; null: none"},
            "subnet_limit": integer("SubnetLimit", 1, Some(65_535)),
            "lock_cost": amount("TAO", "NetworkLastLockCost: the lock paid by the last subnet registration"),
            "min_lock": amount("TAO", "NetworkMinLockCost (optional; default: the regime's, 1000 TAO)"),
            "network_immunity": integer("NetworkImmunityPeriod, blocks a new subnet is immune to pruning (optional; default: the regime's, 1296000)", 0, Some(4_294_967_295)),
        }),
        GLOBALS,
    );
    let subnet = object(
        json!({
            "netuid": integer("the subnet (root, netuid 0, is `globals.root_tao`)", 1, Some(65_535)),
            "tao_reserve": amount("TAO", "SubnetTAO: the pool's TAO reserve"),
            "alpha_reserve": amount("alpha", "SubnetAlphaIn: the pool's alpha reserve"),
            "alpha_outstanding": amount("alpha", "SubnetAlphaOut: alpha outside the pool"),
            "protocol_alpha": amount("alpha", "SubnetProtocolAlpha: the part of alpha_outstanding the protocol holds"),
            "moving_price": {"type": "number", "minimum": 0, "maximum": 1e6, "description": "SubnetMovingPrice, TAO per alpha"},
            "miner_burned": fraction("MinerBurned"),
            "emission_enabled": {"type": "boolean", "description": "SubnetEmissionEnabled"},
            "tempo": integer("Tempo, blocks", 1, Some(MAX_TEMPO)),
            "registered_at": integer("NetworkRegisteredAt, a block (at most `block`)", 0, Some(MAX_BLOCK)),
            "first_emission_block": {"oneOf": [{"type": "null"}, integer("FirstEmissionBlockNumber (at least registered_at)", 0, Some(MAX_BLOCK))],
                "description": "null: the owner has not started the subnet"},
            "tao_reservoir": amount("TAO", "BalancerTaoReservoir (default 0)"),
            "alpha_reservoir": amount("alpha", "BalancerAlphaReservoir (default 0)"),
            "tao_weight_in_pool": {"type": "number", "minimum": 0.01, "maximum": 0.99, "description": "the Balancer pool's quote (TAO) weight (default 0.5)"},
        }),
        &SUBNET[..11],
    );
    let mut schema = object(
        json!({
            "block": integer("the block after which this is the state", 0, Some(MAX_BLOCK)),
            "regime": {"type": "string", "enum": regimes, "description": "the rules the chain follows from here"},
            "globals": globals,
            "subnets": {"type": "array", "items": subnet, "description": "every subnet but root, each netuid once"},
        }),
        TOP,
    );
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["title"] = json!("yumalab snapshot");
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_and_round_half_to_even() {
        let rao = |t: &str| decimal_scaled(t, 9);
        assert_eq!(rao("11588360.177321376"), Ok(11_588_360_177_321_376));
        assert_eq!(rao("22079.4"), Ok(22_079_400_000_000));
        assert_eq!(rao("0"), Ok(0));
        assert_eq!(rao("-0.0"), Ok(0));
        assert_eq!(rao("+7"), Ok(7_000_000_000));
        assert_eq!(rao("1.5e3"), Ok(1_500_000_000_000));
        assert_eq!(rao("25E-10"), Ok(2));
        assert_eq!(rao("0.0000000005"), Ok(0));
        assert_eq!(rao("0.0000000015"), Ok(2));
        assert_eq!(rao("0.00000000250"), Ok(2));
        assert_eq!(rao("0.000000002500001"), Ok(3));
        assert_eq!(rao("1e-40"), Ok(0));
        assert_eq!(rao(".5"), Ok(500_000_000));
        assert_eq!(rao("5."), Ok(5_000_000_000));
        assert_eq!(rao("-1"), Err(DecimalError::Negative));
        assert_eq!(rao("1e40"), Err(DecimalError::TooLarge));
        assert_eq!(rao("1e9999999999999"), Err(DecimalError::TooLarge));
        for bad in ["", ".", "1.2.3", "0x10", "1e", "inf", ".nan", "1_000"] {
            assert_eq!(rao(bad), Err(DecimalError::NotDecimal), "{bad}");
        }
        assert_eq!(decimal_scaled("0.4", 18), Ok(400_000_000_000_000_000));
    }

    #[test]
    fn rao_text_is_exact() {
        assert_eq!(rao_text(11_588_360_177_321_376), "11588360.177321376");
        assert_eq!(rao_text(22_079_400_000_000), "22079.4");
        assert_eq!(rao_text(0), "0");
    }
}
