//! Scenario files: validation reports every problem at once, with file, line, column, field
//! path, the offending value and what was expected; `--set` overrides any scalar.

use yumalab::scenario::Scenario;

const GOOD: &str = "\
name: tiny
description: one subnet, nobody on it
seed: 7
duration: {days: 2}
subnets:
  - name: sn
    tempo: 100
    pool: {tao: 500, price: 0.05}
    yuma: {version: yuma2, kappa: 0.6, liquid_alpha: {alpha_low: 0.1, alpha_high: 0.3}}
network: isolated\n";

#[test]
fn a_good_file_reads_into_a_scenario() {
    let s = Scenario::parse(GOOD, "tiny.yaml", &[]).expect("valid");
    assert_eq!(s.name, "tiny");
    assert_eq!(s.seed, 7);
    assert_eq!(s.blocks, 2 * 7200);
    let sn = &s.subnets[0];
    assert_eq!(sn.params.tempo, 100);
    assert_eq!(sn.pool_tao, 500_000_000_000);
    assert_eq!(sn.params.yuma.bonds.name(), "yuma2");
    assert_eq!(sn.params.yuma.kappa, 39_321); // ⌊0.6·65535⌋
    assert_eq!(
        sn.params
            .yuma
            .liquid_alpha
            .map(|l| (l.alpha_low, l.alpha_high)),
        Some((6553, 19660))
    );
}

#[test]
fn every_problem_is_reported_at_once_with_its_location() {
    let bad = "\
name: bad name!
description: 3
durationn: {days: 1}
subnets:
  - name: sn
    tempo: -5
    yuma: {version: yuma9, kappa: 1.5, commit_reveal: maybe}
    pool: {tao: 0}
  - name: sn
network: isolated\n";
    let err = Scenario::parse(bad, "bad.yaml", &[]).unwrap_err();
    let text = err.to_string();
    let expect = [
        "bad.yaml:1:7: `name`: must use only letters, digits, `-` and `_`, got `bad name!`",
        "bad.yaml:2:14: `description`: must be a string, got `3`",
        "bad.yaml:3:1: `durationn`: unknown field; expected one of `name`, `description`, `seed`, `network`, `regime`, `duration`, `chain`, `subnets`, `population`, `sweep`, `tao_usd`, `outputs` (did you mean `duration`?)",
        "bad.yaml:1:1: `duration`: missing required field",
        "bad.yaml:6:12: `subnets[0].tempo`: must be a whole number in 1..=50400, got `-5`",
        "bad.yaml:7:21: `subnets[0].yuma.version`: must be one of `yuma2`, `yuma3`, got `yuma9` (did you mean `yuma2`?)",
        "bad.yaml:7:35: `subnets[0].yuma.kappa`: must be a fraction in [0, 1], got `1.5`",
        "bad.yaml:7:55: `subnets[0].yuma.commit_reveal`: must be true or false, got `maybe`",
        "bad.yaml:8:17: `subnets[0].pool.tao`: must be TAO in (0, 21 000 000] (the whole supply), got `0`",
        "bad.yaml:9:5: `subnets[1].name`: subnet name `sn` is used twice",
    ];
    for e in expect {
        assert!(text.contains(e), "missing:\n  {e}\nin:\n{text}");
    }
    assert_eq!(err.0.len(), expect.len(), "{text}");
}

#[test]
fn set_overrides_any_scalar_and_is_validated_like_the_file() {
    let s = Scenario::parse(
        GOOD,
        "tiny.yaml",
        &[
            ("subnets[sn].tempo".into(), "360".into()),
            ("seed".into(), "99".into()),
        ],
    )
    .unwrap();
    assert_eq!(s.subnets[0].params.tempo, 360);
    assert_eq!(s.seed, 99);
    let err = Scenario::parse(
        GOOD,
        "tiny.yaml",
        &[("subnets[0].yuma.kappa".into(), "2".into())],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "tiny.yaml: `subnets[0].yuma.kappa`: must be a fraction in [0, 1], got `2` (a `--set` value)"
    );
    let err = Scenario::parse(
        GOOD,
        "tiny.yaml",
        &[("subnets[3].tempo".into(), "1".into())],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("index 3 is out of range (the list has 1 items)"),
        "{err}"
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let err = Scenario::parse("name: [unclosed\n", "x.yaml", &[]).unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert!(err.0[0].line >= 1, "{err}");
}

#[test]
fn dormant_agents_enter_when_it_pays_and_bad_entry_rules_are_reported() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/miner-entry-exit.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let s = Scenario::parse(&text, path, &[("duration".into(), "{blocks: 6000}".into())]).unwrap();
    assert!(
        !s.group("newcomers").unwrap().register,
        "an entering group must not register at block 1"
    );
    let out = yumalab::run::simulate(&s, s.seed).unwrap();
    let newcomers = out.groups.iter().find(|g| g.group == "newcomers").unwrap();
    assert!(newcomers.earned > 0.0, "no newcomer ever entered");
    let err = Scenario::parse(
        &text,
        "e.yaml",
        &[("population[newcomers].entry.rate".into(), "2".into())],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`population[2].entry`: `rate` must be a probability in [0, 1], got `2`"),
        "{err}"
    );
}

#[test]
fn a_preset_supplies_kind_and_params_and_params_override_it() {
    let text = "\
name: p
description: presets
duration: {blocks: 100}
subnets: [{name: sn}]
population:
  - {group: a, preset: honest-miner/strong, subnet: sn}
  - {group: b, preset: lazy-validator/every-10, subnet: sn, params: {n: 3}}
  - {group: c, preset: honest-miner/strong, kind: weight-copier, subnet: sn}
network: isolated\n";
    let err = Scenario::parse(text, "p.yaml", &[]).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert!(err.to_string().contains("`population[2].kind`: preset `honest-miner/strong` is a `honest-miner`, got `weight-copier`"), "{err}");
    let ok = text.replace(", kind: weight-copier", "");
    let s = Scenario::parse(&ok, "p.yaml", &[]).unwrap();
    assert_eq!(s.population[0].kind, "honest-miner");
    assert_eq!(s.population[0].params["quality"][0]["quality"], 0.8);
    assert_eq!(s.population[1].params["mode"], "every_n");
    assert_eq!(s.population[1].params["n"], 3);
}

#[test]
fn bad_scripted_weights_are_reported_at_their_field() {
    let bad = "\
name: scripted
description: scripted validators with mistakes
duration: {tempos: 3}
subnets:
  - {name: sn, yuma: {bonds_reset: 3}}
  - {name: other}
population:
  - {group: m, kind: scripted-miner, subnet: sn, genesis_stake: -1}
  - {group: far, kind: scripted-miner, subnet: other, params: {commitments: [3, 2]}}
  - group: v
    kind: scripted-validator
    subnet: sn
    params:
      columns: [m, far, nobody, 4]
      rows: [{epoch: 2, weights: [1, 0, 0, 1]}]
  - {group: short, kind: scripted-validator, subnet: sn, params: {columns: [m], rows: [{epoch: 2, weights: [1, 2]}]}}
  - {group: order, kind: scripted-validator, subnet: sn, params: {columns: [m], rows: [{epoch: 3, weights: [1]}, {epoch: 2, weights: [1]}]}}
  - {group: uid, kind: scripted-validator, subnet: sn, params: {columns: [70000], rows: [{epoch: 1, weights: [1]}]}}
  - {group: none, kind: scripted-validator, subnet: sn}
network: isolated\n";
    let err = Scenario::parse(bad, "s.yaml", &[]).unwrap_err();
    let text = err.to_string();
    let expect = [
        "s.yaml:5:36: `subnets[0].yuma.bonds_reset`: must be true or false, got `3`",
        "s.yaml:8:65: `population[0].genesis_stake`: must be alpha in [0, 21 000 000] (the whole supply), got `-1`",
        "s.yaml:9:63: `population[1].params`: `commitments[1]` must be an epoch >= 1 after the previous one (3), got `2`",
        "s.yaml:14:20: `population[2].params.columns[1]`: group `far` is on another subnet",
        "s.yaml:14:25: `population[2].params.columns[2]`: no group `nobody` in the population; expected a group on this subnet (`m`, `v`, `short`, `order`, `uid`, `none`) or a uid",
        "s.yaml:16:66: `population[3].params`: `rows[0].weights` must have one weight per column (1), got 2",
        "s.yaml:17:66: `population[4].params`: `rows[1].epoch` must be after the previous row's (3), got `2`",
        "s.yaml:18:64: `population[5].params`: uid 70000 is above 65535",
        "s.yaml:19:5: `population[6].params`: missing field `columns`",
    ];
    for e in expect {
        assert!(text.contains(e), "missing:\n  {e}\nin:\n{text}");
    }
    assert_eq!(err.0.len(), expect.len(), "{text}");
}
