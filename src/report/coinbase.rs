//! The output of `yumalab coinbase`: each block's [`CoinbaseRecord`] as JSON, as a readable
//! table, or as one Parquet table.
//!
//! # JSON
//! One line: `{"blocks": [{"block", "block_emission", "gate_bar", "subnets": [{"netuid",
//! "share", "tao_emission", "tao_in", "excess_tao", "alpha_in", "alpha_out", "root_prop",
//! "share_before_gate", "alpha_bought", "tao_reservoir", "alpha_reservoir"}], "recycled"}]}`.
//! Amounts are integer rao; shares, the bar and the root proportion are fractions. Subnets in
//! netuid order, only those that emit (started by this block).
//!
//! # Parquet
//! `coinbase.parquet`, one row per (block, emitting subnet), in block then netuid order:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `block` | u64 | the block |
//! | `netuid` | u16 | the subnet |
//! | `block_emission` | u64 | `E_block`, rao (the block's, repeated on each row) |
//! | `gate_bar` | f64 | the gate bar θ after this block's update (0: none) |
//! | `recycled` | u64 | TAO credit recycled at the end of the block's coinbase, rao (repeated) |
//! | `share_before_gate` | f64 | the share after miner-burn weighting, before the gate and masking |
//! | `share` | f64 | the final TAO share |
//! | `tao_emission` | u64 | `T_i = E_block·share`, rao |
//! | `tao_in` | u64 | TAO injected into the pool reserve, rao |
//! | `excess_tao` | u64 | TAO spent by the chain buy, rao |
//! | `alpha_bought` | u64 | alpha the chain buy bought (protocol alpha), rao |
//! | `alpha_in` | u64 | alpha minted for the pool (including any part parked), rao |
//! | `alpha_out` | u64 | alpha emitted outside the pool (`A_out`), rao |
//! | `root_prop` | f64 | root proportion ρ |
//! | `tao_reservoir`, `alpha_reservoir` | u64 | the reservoirs after the injection, rao |
//!
//! The file is written under a temporary name and renamed when complete.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt16Array, UInt64Array};
use arrow_schema::{Field, Schema};
use serde::Serialize;

use super::replay::{ReportError, write_atomically};
use crate::chain::state::{CoinbaseRecord, SubnetCoinbase};

/// The Parquet file [`write_parquet`] creates.
pub const PARQUET_FILE: &str = "coinbase.parquet";

#[derive(Serialize)]
struct JsonReport {
    blocks: Vec<JsonBlock>,
}

#[derive(Serialize)]
struct JsonBlock {
    block: u64,
    block_emission: u64,
    gate_bar: f64,
    subnets: Vec<JsonSubnet>,
    recycled: u64,
}

#[derive(Serialize)]
struct JsonSubnet {
    netuid: u16,
    share: f64,
    tao_emission: u64,
    tao_in: u64,
    excess_tao: u64,
    alpha_in: u64,
    alpha_out: u64,
    root_prop: f64,
    share_before_gate: f64,
    alpha_bought: u64,
    tao_reservoir: u64,
    alpha_reservoir: u64,
}

impl From<&SubnetCoinbase> for JsonSubnet {
    fn from(s: &SubnetCoinbase) -> Self {
        JsonSubnet {
            netuid: s.netuid.0,
            share: s.share,
            tao_emission: s.tao_emission,
            tao_in: s.tao_in,
            excess_tao: s.excess_tao,
            alpha_in: s.alpha_in,
            alpha_out: s.alpha_out,
            root_prop: s.root_prop,
            share_before_gate: s.share_before_gate,
            alpha_bought: s.alpha_bought,
            tao_reservoir: s.tao_reservoir,
            alpha_reservoir: s.alpha_reservoir,
        }
    }
}

/// Writes the blocks as one line of JSON (see the module docs).
///
/// # Errors
/// Whatever `w` returns.
pub fn write_json<W: Write>(records: &[CoinbaseRecord], w: &mut W) -> io::Result<()> {
    let report = JsonReport {
        blocks: records
            .iter()
            .map(|r| JsonBlock {
                block: r.block,
                block_emission: r.block_emission,
                gate_bar: r.gate_bar,
                subnets: r.subnets.iter().map(JsonSubnet::from).collect(),
                recycled: r.recycled,
            })
            .collect(),
    };
    serde_json::to_writer(&mut *w, &report)?;
    writeln!(w)
}

/// Rao as TAO (or alpha) with all nine decimals.
fn tao(rao: u64) -> String {
    format!("{}.{:09}", rao / 1_000_000_000, rao % 1_000_000_000)
}

/// Writes each block as a readable table: a header line (block emission, gate bar, recycled
/// credit, Σ shares), then one row per emitting subnet, **largest share first** (ties by
/// netuid). Amounts in TAO or alpha with nine decimals (exact rao).
///
/// # Errors
/// Whatever `w` returns.
pub fn write_text<W: Write>(records: &[CoinbaseRecord], w: &mut W) -> io::Result<()> {
    for (k, r) in records.iter().enumerate() {
        if k > 0 {
            writeln!(w)?;
        }
        let paid: u64 = r.subnets.iter().map(|s| s.tao_emission).sum();
        let paid_to = r.subnets.iter().filter(|s| s.tao_emission > 0).count();
        writeln!(
            w,
            "block {}: emission {} TAO, gate bar {:.9}, paid {} TAO to {paid_to} subnet{}, recycled {} TAO",
            r.block,
            tao(r.block_emission),
            r.gate_bar,
            tao(paid),
            if paid_to == 1 { "" } else { "s" },
            tao(r.recycled)
        )?;
        writeln!(
            w,
            "{:>6} {:>11} {:>11} {:>13} {:>13} {:>13} {:>15} {:>13} {:>13} {:>9} {:>13} {:>15}",
            "netuid",
            "share_pre",
            "share",
            "tao_emission",
            "tao_in",
            "excess_tao",
            "alpha_bought",
            "alpha_in",
            "alpha_out",
            "root_prop",
            "tao_resv",
            "alpha_resv"
        )?;
        let mut rows: Vec<&SubnetCoinbase> = r.subnets.iter().collect();
        rows.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.netuid.cmp(&b.netuid)));
        for s in rows {
            writeln!(
                w,
                "{:>6} {:>11.8} {:>11.8} {:>13} {:>13} {:>13} {:>15} {:>13} {:>13} {:>9.6} {:>13} {:>15}",
                s.netuid.0,
                s.share_before_gate,
                s.share,
                tao(s.tao_emission),
                tao(s.tao_in),
                tao(s.excess_tao),
                tao(s.alpha_bought),
                tao(s.alpha_in),
                tao(s.alpha_out),
                s.root_prop,
                tao(s.tao_reservoir),
                tao(s.alpha_reservoir)
            )?;
        }
    }
    Ok(())
}

/// Writes `coinbase.parquet` into `dir`, creating it if needed, and returns its path.
///
/// # Errors
/// [`ReportError`] if the directory or the file cannot be written; a partial file is removed
/// and any older file of the same name is left as it was.
pub fn write_parquet(records: &[CoinbaseRecord], dir: &Path) -> Result<PathBuf, ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let batch = table(records)?;
    let path = dir.join(PARQUET_FILE);
    write_atomically(
        &batch,
        &path,
        &dir.join(format!(".{PARQUET_FILE}.partial")),
        &[],
    )?;
    Ok(path)
}

fn table(records: &[CoinbaseRecord]) -> Result<RecordBatch, ReportError> {
    let rows: Vec<(&CoinbaseRecord, &SubnetCoinbase)> = records
        .iter()
        .flat_map(|r| r.subnets.iter().map(move |s| (r, s)))
        .collect();
    let u64_col = |f: &dyn Fn(&CoinbaseRecord, &SubnetCoinbase) -> u64| -> ArrayRef {
        Arc::new(UInt64Array::from_iter_values(
            rows.iter().map(|(r, s)| f(r, s)),
        ))
    };
    let f64_col = |f: &dyn Fn(&CoinbaseRecord, &SubnetCoinbase) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|(r, s)| f(r, s)),
        ))
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("block", u64_col(&|r, _| r.block)),
        (
            "netuid",
            Arc::new(UInt16Array::from_iter_values(
                rows.iter().map(|(_, s)| s.netuid.0),
            )),
        ),
        ("block_emission", u64_col(&|r, _| r.block_emission)),
        ("gate_bar", f64_col(&|r, _| r.gate_bar)),
        ("recycled", u64_col(&|r, _| r.recycled)),
        ("share_before_gate", f64_col(&|_, s| s.share_before_gate)),
        ("share", f64_col(&|_, s| s.share)),
        ("tao_emission", u64_col(&|_, s| s.tao_emission)),
        ("tao_in", u64_col(&|_, s| s.tao_in)),
        ("excess_tao", u64_col(&|_, s| s.excess_tao)),
        ("alpha_bought", u64_col(&|_, s| s.alpha_bought)),
        ("alpha_in", u64_col(&|_, s| s.alpha_in)),
        ("alpha_out", u64_col(&|_, s| s.alpha_out)),
        ("root_prop", f64_col(&|_, s| s.root_prop)),
        ("tao_reservoir", u64_col(&|_, s| s.tao_reservoir)),
        ("alpha_reservoir", u64_col(&|_, s| s.alpha_reservoir)),
    ];
    let schema = Schema::new(
        columns
            .iter()
            .map(|(name, a)| Field::new(*name, a.data_type().clone(), false))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(
        Arc::new(schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(ReportError::Arrow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yumalab_agents::units::NetUid;

    fn records() -> Vec<CoinbaseRecord> {
        let row = |n: u16, share: f64, t: u64| SubnetCoinbase {
            netuid: NetUid(n),
            share_before_gate: share,
            share,
            tao_emission: t,
            tao_in: t / 2,
            excess_tao: t - t / 2,
            alpha_out: 1_000_000_000,
            ..SubnetCoinbase::default()
        };
        vec![CoinbaseRecord {
            block: 7,
            block_emission: 500_000_000,
            gate_bar: 0.25,
            recycled: 1,
            subnets: vec![row(1, 0.25, 124_999_999), row(2, 0.75, 375_000_000)],
        }]
    }

    #[test]
    fn json_has_the_required_fields_first() {
        let mut out = Vec::new();
        write_json(&records(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                r#"{"blocks":[{"block":7,"block_emission":500000000,"gate_bar":0.25,"subnets":[{"netuid":1,"share":0.25,"tao_emission":124999999,"tao_in":62499999,"excess_tao":62500000,"alpha_in":0,"alpha_out":1000000000,"root_prop":0.0,"#
            ),
            "{text}"
        );
    }

    #[test]
    fn text_puts_the_largest_share_first() {
        let mut out = Vec::new();
        write_text(&records(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("block 7: emission 0.500000000 TAO"),
            "{text}"
        );
        assert!(lines[2].trim_start().starts_with("2 "), "{text}");
        assert!(lines[3].trim_start().starts_with("1 "), "{text}");
    }

    #[test]
    fn table_has_one_row_per_block_and_subnet() {
        let t = table(&records()).unwrap();
        assert_eq!(t.num_rows(), 2);
        assert_eq!(t.num_columns(), 16);
    }
}
