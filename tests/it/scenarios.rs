//! Every shipped scenario validates, and runs at a small size (a few hundred blocks) with
//! conservation intact. The full-size runs are the README's main command.

use std::path::Path;

use yumalab::scenario::{Scenario, set_path};
use yumalab::yaml::{Node, Value, parse_tree};

fn shipped() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn at_least_twelve_scenarios_are_shipped_and_all_validate() {
    let files = shipped();
    assert!(files.len() >= 12, "only {} scenarios", files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let s =
            Scenario::parse(&text, &f.display().to_string(), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            s.description.len() > 40,
            "{}: describe the question it answers",
            f.display()
        );
    }
}

#[test]
fn every_scenario_runs_at_a_small_size() {
    for f in shipped() {
        let name = f.display().to_string();
        let mut tree = parse_tree(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let short = Node::detached(Value::Map(vec![(
            Node::detached(Value::Str("blocks".into())),
            Node::detached(Value::Int(800)),
        )]));
        set_path(&mut tree, "duration", short).unwrap();
        let s = Scenario::from_tree(&tree, &name).unwrap_or_else(|e| panic!("{e}"));
        let (b, members) = s.build(s.seed).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!members.is_empty(), "{name}: no agents");
        let mut sim = b.build().unwrap_or_else(|e| panic!("{name}: {e}"));
        sim.run();
        sim.chain()
            .check_conservation()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
