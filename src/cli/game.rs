//! `yumalab game SCENARIO --strategies honest,copier,lazy`: the empirical game of one role's
//! population split among strategies ([`yumalab::adversary::game`]); writes `game.parquet`
//! (the payoff table), `report.md`, `index.html` and, for three strategies, a simplex chart.
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::anyhow;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use clap::{Args, ValueEnum};
use yumalab::adversary::exploit::Runner;
use yumalab::adversary::game::{Game, estimate, nearest, strategies};
use yumalab::adversary::{Context, Role};
use yumalab::report::charts::{Figure, Heatmap, render};
use yumalab::report::document::Block;
use yumalab::scenario::Scenario;

use super::Failure;
use super::exploit::{read_tree, write_docs, write_parquet};
use super::scenario::parse_set;

/// Which role's population plays.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    /// Validators: honest, copier, mix, lazy, stale, uniform.
    Validator,
    /// Miners: honest, copier, sybil.
    Miner,
    /// Delegators (a `speculator` group): honest (stake once and hold), momentum, yield.
    Delegator,
    /// Refused: a subnet has one owner, so there is no population to split (use `yumalab
    /// exploit --families owner`).
    Owner,
}

/// Arguments of `yumalab game`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 success, 1 bad scenario or flag, 2 internal error.\n\
Output: DIR/game.parquet (payoff per split), DIR/report.md, DIR/index.html,\n\
DIR/charts/simplex.png|svg (three strategies)."
)]
pub struct GameArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// The strategies, comma-separated (validators: honest, copier, mix, lazy, stale,
    /// uniform; miners: honest, copier, sybil; delegators: honest, momentum, yield).
    #[arg(long, value_delimiter = ',', required = true)]
    pub strategies: Vec<String>,
    /// The role whose population plays [default: the first of validator, miner, delegator
    /// that has every named strategy].
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// The group whose agents play [default: the first honest group of the role].
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Replicates per split.
    #[arg(long, default_value_t = 2)]
    pub replicates: u32,
    /// Override a scalar of the scenario (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    /// Runs in parallel [default: the number of cores]; results do not depend on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Output directory [default: reports/runs/NAME-game].
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn mix(names: &[String], x: &[f64]) -> String {
    names
        .iter()
        .zip(x)
        .map(|(n, v)| format!("{n} {:.0} %", 100.0 * v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn split_text(names: &[String], sp: &[u32]) -> String {
    names
        .iter()
        .zip(sp)
        .map(|(n, k)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `yumalab game`.
///
/// # Errors
/// [`Failure::User`] for a bad scenario, strategy or group.
pub fn run(args: &GameArgs) -> Result<(), Failure> {
    let (name, tree, _) = read_tree(&args.file, &args.set)?;
    let scenario = Scenario::from_tree_with(&tree, &name, &super::read_file)
        .map_err(|e| Failure::User(e.into()))?;
    let role = match args.role {
        Some(RoleArg::Validator) => Role::Validator,
        Some(RoleArg::Miner) => Role::Miner,
        Some(RoleArg::Delegator) => Role::Delegator,
        Some(RoleArg::Owner) => Role::Owner,
        None => yumalab::adversary::game::role_of(&args.strategies),
    };
    let strategies =
        strategies(role, &args.strategies).map_err(|e| Failure::User(anyhow!("{name}: {e}")))?;
    let ctx = Context::new(&tree, &scenario, &name, args.group.as_deref(), role)
        .map_err(|e| Failure::User(anyhow!(e)))?;
    let replicates = args.replicates.max(1);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let mut runner = Runner::new(jobs).map_err(|e| Failure::Internal(anyhow!(e)))?;
    eprintln!(
        "game: {} agents of `{}` over {} strategies: {} splits × {replicates} replicates",
        ctx.group().count,
        ctx.group().name,
        strategies.len(),
        yumalab::adversary::game::splits(ctx.group().count, strategies.len()).len()
    );
    let game = estimate(
        &ctx,
        &strategies,
        replicates,
        &mut runner,
        &super::read_file,
    )
    .map_err(|e| Failure::User(anyhow!(e)))?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports/runs").join(format!("{}-game", scenario.name)));
    write_parquet(
        &payoff_table(&game)?,
        &dir,
        "game.parquet",
        &[
            ("scenario.file".into(), name.clone()),
            ("game.strategies".into(), game.names.join(",")),
            ("game.replicates".into(), replicates.to_string()),
        ],
    )?;
    let blocks = blocks(&game, &scenario, &name, &ctx.group().name, &args.strategies);
    if game.names.len() == 3 {
        render(&simplex(&game), &dir.join("charts"), "simplex")
            .map_err(|e| Failure::User(e.into()))?;
    }
    for b in &blocks {
        if let Block::List(items) = b {
            for i in items {
                println!("{i}");
            }
        }
    }
    write_docs(&dir, &format!("game: {}", scenario.name), &blocks)?;
    eprintln!(
        "game: {} runs; tables, charts and report in {}/",
        runner.runs,
        dir.display()
    );
    Ok(())
}

fn payoff_table(game: &Game) -> Result<RecordBatch, Failure> {
    let mut fields = vec![Field::new("split", DataType::Utf8, false)];
    let mut cols: Vec<ArrayRef> = vec![Arc::new(StringArray::from(
        game.splits
            .iter()
            .map(|s| split_text(&game.names, s))
            .collect::<Vec<_>>(),
    ))];
    for (k, n) in game.names.iter().enumerate() {
        fields.push(Field::new(format!("count_{n}"), DataType::Float64, false));
        cols.push(Arc::new(Float64Array::from(
            game.splits
                .iter()
                .map(|s| f64::from(s[k]))
                .collect::<Vec<_>>(),
        )));
        fields.push(Field::new(
            format!("payoff_{n}_tao_per_day"),
            DataType::Float64,
            false,
        ));
        cols.push(Arc::new(Float64Array::from(
            game.payoff
                .iter()
                .map(|p| p[k] / game.days)
                .collect::<Vec<_>>(),
        )));
    }
    fields.push(Field::new("regret_tao_per_day", DataType::Float64, false));
    cols.push(Arc::new(Float64Array::from(
        (0..game.splits.len())
            .map(|i| game.regret(i) / game.days)
            .collect::<Vec<_>>(),
    )));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
        .map_err(|e| Failure::Internal(e.into()))
}

fn blocks(
    game: &Game,
    scenario: &Scenario,
    file: &str,
    group: &str,
    names: &[String],
) -> Vec<Block> {
    let eq = game.equilibria();
    let honest_index = game.names.iter().position(|n| n == "honest");
    let all_honest = honest_index.and_then(|h| game.splits.iter().position(|s| s[h] == game.n));
    let mut findings = Vec::new();
    for &i in &eq {
        findings.push(format!(
            "stable split: {} (regret {:.3} TAO/day: no agent gains by switching alone)",
            split_text(&game.names, &game.splits[i]),
            game.regret(i) / game.days
        ));
    }
    if eq.is_empty() {
        findings.push("no split is stable: some agent always gains by switching".into());
    }
    if let Some(i) = all_honest {
        findings.push(if eq.contains(&i) {
            "all-honest play is stable".into()
        } else {
            format!(
                "all-honest play is not stable: an agent gains {:.3} TAO/day by switching",
                game.regret(i) / game.days
            )
        });
    }
    for x0 in game.starts() {
        let r = game.replicator(&x0);
        let f = game.fictitious_play(&x0);
        findings.push(format!(
            "from {}: replicator dynamics → {} (split {}); fictitious play → {}",
            mix(&game.names, &x0),
            mix(&game.names, &r),
            split_text(&game.names, &nearest(&r, game.n)),
            mix(&game.names, &f)
        ));
    }
    let mut header = vec!["split".to_owned()];
    header.extend(
        game.names
            .iter()
            .map(|n| format!("{n} (TAO/day per agent)")),
    );
    header.push("regret (TAO/day)".into());
    let rows = game
        .splits
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut row = vec![split_text(&game.names, s)];
            row.extend(game.payoff[i].iter().map(|p| {
                if p.is_finite() {
                    format!("{:.3}", p / game.days)
                } else {
                    "–".into()
                }
            }));
            row.push(format!("{:.3}", game.regret(i) / game.days));
            row
        })
        .collect();
    let mut out = vec![
        Block::Heading(1, format!("Game of {}", scenario.name)),
        Block::Text(scenario.description.trim().to_owned()),
        Block::Text(format!(
            "The {} agents of group `{group}` split among {} in every way; each split runs on {} replicate seeds (the same for every split). Payoff = profit per agent per day. Reproduce: `yumalab game {file} --strategies {}`.",
            game.n,
            game.names.join(", "),
            game.replicates,
            names.join(",")
        )),
        Block::Heading(2, "Findings".into()),
        Block::List(findings),
    ];
    if game.names.len() == 3 {
        out.push(Block::Chart(
            "simplex".into(),
            "Regret over the simplex".into(),
            format!(
                "Each cell is a split ({} on x, {} on y, the rest {}); colour: the most an agent gains by switching alone (TAO/day); outlined: regret 0, the stable region.",
                game.names[0], game.names[1], game.names[2]
            ),
        ));
    }
    out.push(Block::Heading(2, "Payoff table".into()));
    out.push(Block::Table(header, rows));
    out
}

fn simplex(game: &Game) -> Figure {
    let n = game.n as usize;
    let axis: Vec<f64> = (0..=n).map(|i| i as f64).collect();
    let mut z = vec![vec![f64::NAN; n + 1]; n + 1];
    for (i, s) in game.splits.iter().enumerate() {
        z[s[1] as usize][s[0] as usize] = game.regret(i) / game.days;
    }
    Figure::Heatmap(Heatmap {
        title: format!("{}: regret of each split", game.names.join(" / ")),
        x_label: format!("agents playing {}", game.names[0]),
        y_label: format!("agents playing {}", game.names[1]),
        z_label: "regret (TAO/day)".into(),
        xs: axis.clone(),
        ys: axis,
        z,
        contour: Some(0.0),
    })
}
