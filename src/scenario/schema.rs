//! A JSON Schema (draft 2020-12) for scenario files, so editors can complete and check them
//! (`yumalab schema > scenario.schema.json`, then point the YAML language server at it).
//!
//! It is built next to the reader's own field lists; a test checks that every object's
//! properties are exactly the fields the reader accepts.

use serde_json::{Value, json};

use super::KINDS;
use super::reader::SUPPLY;
use crate::chain::params::Regime;

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required})
}

fn number(description: &str, min: f64, max: Option<f64>) -> Value {
    let mut v = json!({"type": "number", "description": description, "minimum": min});
    if let Some(m) = max {
        v["maximum"] = json!(m);
    }
    v
}

fn integer(description: &str, min: u64, max: Option<u64>) -> Value {
    let mut v = json!({"type": "integer", "description": description, "minimum": min});
    if let Some(m) = max {
        v["maximum"] = json!(m);
    }
    v
}

fn fraction(description: &str) -> Value {
    number(description, 0.0, Some(1.0))
}

fn choice(description: &str, options: &[&str]) -> Value {
    json!({"type": "string", "description": description, "enum": options})
}

/// The schema.
pub fn json_schema() -> Value {
    let regimes: Vec<&str> = Regime::ALL.iter().map(|(_, n)| *n).collect();
    let worlds: Vec<&str> = std::iter::once("isolated")
        .chain(crate::world::NAMED.iter().map(|(n, _)| *n))
        .collect();
    let versions = crate::yuma::bonds::variant_names();
    let chain = object(
        json!({
            "issuance": number("TAO issued before the simulation (sets the point on the halving schedule)", 0.0, Some(21e6)),
            "tao_weight": fraction("weight of root stake (TaoWeight; 2026-10: the live 0.18)"),
            "moving_alpha": fraction("SubnetMovingAlpha: the price EMA's rate per block (2026-10: the live 0.0003)"),
            "stake_threshold": number("TAO below which stake counts as zero", 0.0, Some(SUPPLY)),
            "owner_cut": fraction("subnet owner's share of alpha emission"),
            "swap_fee": number("pool fee as a fraction", 0.0, Some(0.1526)),
            "max_epochs_per_block": integer("epochs per block before deferral", 1, Some(1024)),
            "share_rule": choice("emission share rule", &["price_ema", "net_flow", "early_price_ema"]),
            "injection_cap": choice("alpha injection cap", &["root_proportion", "alpha_out_or_block_emission"]),
            "pool": choice("pool curve", &["balancer", "constant_product"]),
            "schedule": choice("epoch scheduling", &["stateful", "modulo"]),
            "burn_rule": choice("registration pricing", &["half_life", "interval"]),
            "gate": {"oneOf": [{"type": "null"}, object(json!({
                "rank": integer("EmissionBarRank N: the bar is the N-th largest share (0: quantile mode)", 0, Some(4096)),
                "quantile": number("EmissionBarQuantile q (quantile mode only)", 0.0, Some(1.0)),
                "exponent": number("EmissionGateExponent h (> 0)", 0.0, Some(64.0)),
            }), &[])], "description": "the §13.2 Hill emission gate; null turns it off"},
            "injection_order": choice("§13.3 injection order (chain_buy_first has reservoirs)", &["chain_buy_first", "reweight_first"]),
            "dividend_split": choice("§13.5 who earns root dividends", &["root_registered", "any_root_stake"]),
            "root_dividends": choice("§13.6 how root dividends are paid", &["baskets", "claim_at_once"]),
            "root_registration": choice("§13.6.12 how hotkeys get a root UID (genesis root stakers always hold one)", &["burn", "on_first_stake"]),
            "claim_threshold": number("§13.6 RootClaimableThreshold in TAO: basket flush and claim floor (0.0005)", 0.0, Some(1000.0)),
            "tx_fees": {"type": "boolean", "description": "§13.7 recycled transaction fees"},
            "safety_net": choice("§13.11 scheduler safety net", &["tempo_capped", "max_tempo"]),
            "epoch_cap": choice("§13.11 epochs per block: null_aware caps at 1 when a Null subnet is due, and defers reveals with the epoch", &["null_aware", "per_block"]),
            "liquid_alpha_consensus": choice("§13.10 whether subnets' yuma.liquid_alpha_consensus applies (current: always this epoch's consensus)", &["subnet_mode", "current"]),
        }),
        &[],
    );
    let yuma = object(
        json!({
            "version": choice("bonds model", &versions),
            "kappa": fraction("κ: stake that must support a consensus weight"),
            "bonds_penalty": fraction("β: how much clipped weight counts for bonds"),
            "bonds_moving_average": fraction("bonds EMA (0.9 = the chain's 900 000)"),
            "max_validators": integer("validator permits", 1, Some(4096)),
            "liquid_alpha": {"oneOf": [{"type": "null"}, object(json!({
                "alpha_low": number("lowest EMA rate", 0.025, Some(1.0)),
                "alpha_high": fraction("highest EMA rate"),
                "steepness": integer("sigmoid steepness", 0, Some(32767)),
            }), &[])]},
            "commit_reveal": {"type": "boolean"},
            "reveal_period_epochs": integer("epochs before committed weights are revealed", 1, Some(100)),
            "activity_cutoff": integer("blocks without weights before a validator is inactive", 1, None),
            "bonds_reset": {"type": "boolean", "description": "BondsResetOn: a miner committing metadata resets every bond to it"},
            "liquid_alpha_consensus": choice("§13.10 the consensus liquid alpha's sigmoid reads (regime 2026-10; auto = previous when bonds_penalty is 1)", &["current", "previous", "auto"]),
        }),
        &[],
    );
    let mechanism = json!({
        "description": "how validators turn observed work into weights",
        "type": "object",
        "properties": {
            "kind": choice("mechanism", &["proportional", "winner_takes_all", "top_k", "softmax", "pareto_winner_takes_all", "python"]),
            "k": integer("top_k: winners", 1, None),
            "temperature": number("softmax temperature", 0.0, None),
            "margin": number("pareto: how much better in every environment a challenger must be", 0.0, None),
            "function": {"type": "string", "description": "python: `module:function` (run by the Python package, `python -m yumalab run`)"},
            "params": {"type": "object", "description": "python: handed to the function as `params`"},
        },
        "required": ["kind"],
    });
    let subnet = object(
        json!({
            "name": {"type": "string"},
            "tempo": integer("blocks between epochs", 1, Some(50_400)),
            "start_block": {"oneOf": [{"type": "null"}, integer("first block with emission", 1, None)]},
            "environments": integer("evaluation environments", 1, Some(64)),
            "mechanism": mechanism,
            "value_unit": {"type": "string"},
            "value_per_quality": number("value per tempo of a miner serving quality 1", 0.0, None),
            "value_usd": number("USD per value unit, for reports (needs tao_usd)", 0.0, Some(1e12)),
            "pool": object(json!({"tao": number("TAO reserve (tao / price is the alpha reserve, at most 21 000 000)", 0.0, Some(SUPPLY)), "price": number("TAO per alpha", 0.0, Some(1e6))}), &[]),
            "yuma": yuma,
            "max_uids": integer("uids", 1, Some(4096)),
            "immunity_period": integer("blocks", 0, None),
            "collateral": object(json!({
                "lock_share": number("§13.8 CollateralLockShare: part of a registration's burn that buys locked alpha (0 = off)", 0.0, Some(0.95)),
                "drain_ratio": number("§13.8 CollateralDrainRatio k: lock released per alpha earned", 0.0, Some(10.0)),
            }), &[]),
            "burn": number("initial registration burn, TAO", 0.0, Some(100.0)),
            "consensus": {"oneOf": [{"type": "null"}, choice("", &["yuma", "null"])], "description": "§13.9 the epoch: yuma (Yuma Consensus) or null (the Null epoch)"},
            "adopt": {"oneOf": [
                integer("a netuid of the snapshot world", 1, Some(65_535)),
                {"type": "string", "pattern": "^(median|p([0-9]|[1-9][0-9]|100))$", "description": "median, or pNN: the subnet at that percentile of TAO reserve among the emitting subnets"},
            ], "description": "snapshot worlds only: take over a snapshot subnet's pool, prices and flags (without `pool` or `start_block`); without it the subnet registers as a new one"},
            "stakers": choice("adopted subnets only: the snapshot holders' stake is nominated to the scenario's validators (delegate, default) or held passively, earning nothing (passive)", &["delegate", "passive"]),
            "market": choice("adopted subnets only: whether the world's market trades the subnet's alpha as it trades the background subnets' (moving) or only the scenario's agents and the chain move its price (still, default)", &["still", "moving"]),
            "owner": object(json!({"balance": number("TAO", 0.0, Some(SUPPLY)), "miners": integer("owner's own miners", 0, Some(4096)), "params": {"type": "object"},
                "changes": {"type": "array", "description": "hyperparameter changes: {block, one of tempo, bonds_moving_average, bonds_penalty, liquid_alpha, commit_reveal, reveal_period_epochs, immunity_period, max_validators, yuma3}", "items": {"type": "object", "required": ["block"]}}}), &[]),
        }),
        &["name"],
    );
    let group = object(
        json!({
            "group": {"type": "string"},
            "preset": choice("named parameter set (agents/src/presets.rs); params override it", &yumalab_agents::presets::PRESETS.iter().map(|p| p.name).collect::<Vec<_>>()),
            "entry": {"type": "object", "description": "join when it pays: rate, horizon_tempos, min_margin"},
            "exit": {"type": "object", "description": "leave after after_losing_tempos"},
            "kind": choice("behaviour", KINDS),
            "class": {"type": "string", "description": "kind: python: `module:Class`, the agents' Python class (run by the Python package, `python -m yumalab run`)"},
            "subnet": {"type": "string", "description": "a subnet's name"},
            "count": integer("agents", 0, Some(100_000)),
            "hotkeys": integer("hotkeys per agent", 1, Some(4096)),
            "balance": number("free TAO per agent (count × balance, with all other genesis TAO, at most 21 000 000)", 0.0, Some(SUPPLY)),
            "stake": number("TAO staked to its own hotkey at block 1", 0.0, Some(SUPPLY)),
            "root_stake": number("TAO staked on root at block 1", 0.0, Some(SUPPLY)),
            "genesis_stake": number("alpha staked to its own hotkey at genesis (minted, no swap)", 0.0, Some(SUPPLY)),
            "stake_distribution": {"oneOf": [
                choice("equal shares, or a preset of real stakes (the count largest, scaled)", &["equal", "sn1-2025-11"]),
                object(json!({
                    "law": choice("a heavy-tailed law, fitted to sn1-2025-11 by default", &["pareto", "lognormal"]),
                    "alpha": number("Pareto shape α (rank-size k^(-1/α); sn1 fit 0.61)", 0.0, Some(100.0)),
                    "sigma": number("lognormal σ (sn1 fit 1.34)", 0.0, Some(10.0)),
                }), &["law"]),
            ], "description": "how count × genesis_stake is split among the agents (largest first)"},
            "costs": object(json!({
                "usd_per_day": number("USD per agent per day (needs tao_usd), converted at each day's price", 0.0, Some(1e9)),
                "tao_per_day": number("TAO per agent per day", 0.0, Some(SUPPLY)),
            }), &[]),
            "register": {"type": "boolean"},
            "cartel": {"type": "string"},
            "params": {"type": "object", "description": "the behaviour's parameters (agents/src/behaviours/)"},
        }),
        &["group", "subnet"],
    );
    let dist = json!({"type": "object", "additionalProperties": false,
        "description": "a parameter's distribution: {min, max} (uniform), with `distribution` log-uniform, integer or normal (mean, sd, clipped to [min, max]); or {choice: [...]}",
        "properties": {
            "distribution": choice("how values are drawn (default uniform)", &["uniform", "log-uniform", "normal", "integer"]),
            "min": {"type": "number"}, "max": {"type": "number"},
            "mean": {"type": "number"}, "sd": {"type": "number", "exclusiveMinimum": 0},
            "choice": {"type": "array", "minItems": 1}}});
    let lists = json!({"type": "object", "additionalProperties": {"type": "array", "minItems": 1}});
    let sweep = object(
        json!({
            "design": choice("how points are chosen (default: implied by grid, zip, random or table)", &["grid", "zip", "random", "lhs", "sobol", "morris", "table"]),
            "replicates": integer("seeds per point", 1, Some(100_000)),
            "seeds": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0}, "description": "explicit replicate seeds (instead of replicates)"},
            "grid": lists.clone(),
            "zip": lists,
            "random": {"type": "object", "additionalProperties": dist.clone()},
            "parameters": {"type": "object", "additionalProperties": dist, "description": "sampled paths (random, lhs, sobol, morris)"},
            "samples": integer("points of a random or lhs design", 1, Some(1_000_000)),
            "base_samples": integer("N of a sobol design (runs: N (d + 2) x replicates, or N (2d + 2) with second order)", 2, Some(65_536)),
            "second_order": {"type": "boolean", "description": "also second-order Sobol indices"},
            "trajectories": integer("trajectories of a morris design", 2, Some(100_000)),
            "levels": integer("grid levels of a morris design (even)", 2, Some(1000)),
            "table": {"oneOf": [
                {"type": "string", "description": "a CSV file next to the scenario: a header of scenario paths, one line per point"},
                {"type": "array", "minItems": 1, "items": {"type": "object"}, "description": "points: mappings from paths to values"}]},
        }),
        &[],
    );
    let table_output = |what: &str| {
        object(
            json!({
                "every": choice(&format!("how often {what} get rows: every epoch (default), each subnet's first epoch of each day, or never (the file has its columns and no rows)"), super::outputs::EVERY),
                "subnets": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"type": "string", "description": "a subnet's name"}, "description": "only these subnets (default: every subnet)"},
            }),
            &[],
        )
    };
    let outputs = object(
        json!({
            "neurons": table_output("neurons.parquet's uids"),
            "subnets": table_output("subnets.parquet's subnets"),
        }),
        &[],
    );
    let mut root = object(
        json!({
            "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
            "description": {"type": "string"},
            "seed": integer("master seed", 0, None),
            "network": {"oneOf": [
                choice("isolated (the scenario's subnets alone) or a world shipped with yumalab", &worlds),
                object(json!({"world": choice("a world shipped with yumalab", &worlds[1..]), "markets": choice("moving (default): the background subnets' prices follow the fitted 2025 return processes; frozen: they move only by the chain's own flows", &["moving", "frozen"])}), &["world"]),
                object(json!({"snapshot": {"type": "string", "description": "a snapshot file (JSON or YAML), relative to the scenario file"}, "markets": choice("moving (default) or frozen, as for a named world", &["moving", "frozen"])}), &["snapshot"]),
            ], "description": "the world the scenario runs in (default isolated)"},
            "regime": choice("chain rules of a period", &regimes),
            "duration": {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
                "properties": {"days": number("days", 0.0, Some(36_500.0)), "blocks": integer("blocks", 1, None), "tempos": integer("tempos of 360 blocks", 1, None)}},
            "chain": chain,
            "subnets": {"type": "array", "minItems": 1, "items": subnet},
            "population": {"type": "array", "items": group},
            "sweep": sweep,
            "tao_usd": {"oneOf": [
                number("a constant price, USD per TAO", 0.0, Some(1e9)),
                {"type": "array", "minItems": 1, "items": object(json!({"day": number("day of the run", 0.0, Some(36_500.0)), "price": number("USD per TAO (> 0)", 0.0, Some(1e9))}), &["day", "price"]), "description": "points, days strictly increasing; linear in between"},
                object(json!({
                    "path": {"type": "array", "minItems": 1, "items": object(json!({"day": number("day of the run", 0.0, Some(36_500.0)), "price": number("USD per TAO (> 0)", 0.0, Some(1e9))}), &["day", "price"])},
                    "interpolation": choice("between points", &["linear", "step"]),
                }), &["path"]),
                object(json!({
                    "start": number("USD per TAO at day 0 (> 0)", 0.0, Some(1e9)),
                    "drift": number("annualised drift μ", -10.0, Some(10.0)),
                    "volatility": number("annualised volatility σ", 0.0, Some(10.0)),
                }), &["start"]),
            ], "description": "TAO's price in USD for the reports (the engine never sees it): a constant, {day, price} points, or a geometric random walk seeded from the run seed"},
            "outputs": outputs,
        }),
        &["name", "description", "duration", "subnets"],
    );
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["title"] = json!("yumalab scenario");
    root
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::outputs::{TABLE, TABLES};
    use crate::scenario::{CHAIN, GROUP, SUBNET, TOP, YUMA};

    fn keys(v: &Value) -> Vec<String> {
        let mut k: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    }

    fn sorted(fields: &[&str]) -> Vec<String> {
        let mut k: Vec<String> = fields.iter().map(|s| (*s).to_owned()).collect();
        k.sort();
        k
    }

    #[test]
    fn the_schema_lists_exactly_the_fields_the_reader_accepts() {
        let s = json_schema();
        assert_eq!(keys(&s), sorted(TOP));
        assert_eq!(keys(&s["properties"]["chain"]), sorted(CHAIN));
        let subnet = &s["properties"]["subnets"]["items"];
        assert_eq!(keys(subnet), sorted(SUBNET));
        assert_eq!(keys(&subnet["properties"]["yuma"]), sorted(YUMA));
        assert_eq!(keys(&s["properties"]["population"]["items"]), sorted(GROUP));
        assert_eq!(keys(&s["properties"]["outputs"]), sorted(TABLES));
        for t in TABLES {
            assert_eq!(
                keys(&s["properties"]["outputs"]["properties"][t]),
                sorted(TABLE)
            );
        }
    }
}
