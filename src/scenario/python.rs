//! `mechanism: {kind: python, function: "module:function", params: {...}}`: a subnet's
//! mechanism written in Python; `{group: g, kind: python, class: "module:Class", params: {...}}`:
//! a population group whose agents are instances of a Python class. The scenario layer accepts
//! and checks the declarations and keeps them unresolved ([`External`], [`ExternalAgent`]); the
//! Python package (`python/`) resolves them before running. Without Python, a run refuses such
//! a scenario with [`Scenario::needs_python`].

use yumalab_agents::external::ExternalAgent;
use yumalab_agents::mechanism::{External, Mechanism};

use super::Scenario;

impl Scenario {
    /// The external (`kind: python`) mechanisms: subnet index and declaration, in file order.
    pub fn external_mechanisms(&mut self) -> Vec<(usize, &mut External)> {
        self.subnets
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| match &mut s.mechanism {
                Mechanism::External(e) => Some((i, e)),
                _ => None,
            })
            .collect()
    }

    /// The external (`kind: python`) agent groups: group index and class, in file order.
    pub fn external_agents(&mut self) -> Vec<(usize, &mut ExternalAgent)> {
        self.population
            .iter_mut()
            .enumerate()
            .filter_map(|(i, g)| g.class.as_mut().map(|c| (i, c)))
            .collect()
    }

    /// Why this scenario cannot run without Python, if it cannot: the message names each
    /// subnet with an unresolved `kind: python` mechanism and each group with an unresolved
    /// `kind: python` agent class, and what to run instead (`file` is the scenario file as the
    /// user named it).
    pub fn needs_python(&self, file: &str) -> Option<String> {
        let mut names: Vec<String> = self
            .subnets
            .iter()
            .filter_map(|s| match &s.mechanism {
                Mechanism::External(e) if e.resolved.is_none() => {
                    Some(format!("subnet `{}` (`{}`)", s.name, e.function))
                }
                _ => None,
            })
            .collect();
        let mechanisms = names.len();
        names.extend(self.population.iter().filter_map(|g| match &g.class {
            Some(c) if c.resolved.is_none() => Some(format!("group `{}` (`{}`)", g.name, c.class)),
            _ => None,
        }));
        let agents = names.len() > mechanisms;
        let what = match (mechanisms > 0, agents) {
            (true, true) => "Python code (a `kind: python` mechanism and agents)",
            (true, false) => "a Python mechanism (`kind: python`)",
            _ => "Python agents (`kind: python`)",
        };
        (!names.is_empty()).then(|| {
            format!(
                "{file}: {} uses {what}, which the yumalab binary does not run; \
                 install the Python package (`pip install ./python`) and run `python -m yumalab run {file}` \
                 (the same options as `yumalab run`), or call `yumalab.run(\"{file}\")` from Python",
                names.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "name: p\ndescription: d\nduration: {blocks: 720}\nsubnets:\n  - name: s\n    mechanism: {kind: python, function: \"my_rules:score\", params: {k: 3}}\npopulation:\n  - {group: v, kind: honest-validator, subnet: s, count: 1, balance: 200, stake: 100}\n  - {group: m, kind: honest-miner, subnet: s, count: 2, params: {quality: [{model: static, quality: 0.5}]}}\nnetwork: isolated\n";

    #[test]
    fn kind_python_parses_unresolved_and_is_refused_without_python() {
        let mut s = Scenario::parse(FILE, "p.yaml", &[]).unwrap();
        let msg = s.needs_python("p.yaml").unwrap();
        assert!(msg.contains("python -m yumalab run p.yaml"), "{msg}");
        assert!(msg.contains("subnet `s` (`my_rules:score`)"), "{msg}");
        let ext = s.external_mechanisms();
        assert_eq!(ext.len(), 1);
        assert_eq!(ext[0].1.params["k"], 3);
    }

    #[test]
    fn a_bad_function_name_is_a_problem_with_its_position() {
        let bad = FILE.replace("my_rules:score", "my_rules");
        let e = Scenario::parse(&bad, "p.yaml", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.yaml:6:"), "{e}");
        assert!(e.contains("subnets[0].mechanism"), "{e}");
        assert!(e.contains("`module:function`"), "{e}");
    }

    const AGENTS: &str = "name: p\ndescription: d\nduration: {blocks: 720}\nsubnets:\n  - name: s\npopulation:\n  - {group: v, kind: honest-validator, subnet: s, count: 1, balance: 200, stake: 100}\n  - {group: d, kind: python, class: \"my_agents:Chaser\", subnet: s, count: 2, balance: 10, params: {every: 100}}\n";

    #[test]
    fn python_agent_groups_parse_unresolved_and_are_refused_without_python() {
        let mut s = Scenario::parse(AGENTS, "a.yaml", &[]).unwrap();
        let msg = s.needs_python("a.yaml").unwrap();
        assert!(msg.contains("group `d` (`my_agents:Chaser`)"), "{msg}");
        assert!(msg.contains("uses Python agents"), "{msg}");
        assert!(msg.contains("python -m yumalab run a.yaml"), "{msg}");
        let ext = s.external_agents();
        assert_eq!(ext.len(), 1);
        assert_eq!(ext[0].0, 1);
        assert_eq!(ext[0].1.class, "my_agents:Chaser");
        assert_eq!(s.population[1].params["every"], 100);
        // Building without a resolved class names the group and the class.
        let e = s.build(1).err().unwrap();
        assert!(
            e.contains("group `d`") && e.contains("my_agents:Chaser"),
            "{e}"
        );
    }

    #[test]
    fn python_agent_groups_need_a_well_formed_class_and_only_they_take_one() {
        let cases = [
            (
                "class: \"my_agents:Chaser\", ",
                "",
                "population[1].class`: missing required field",
            ),
            ("my_agents:Chaser", "my_agents", "`module:Class`"),
            ("params: {every: 100}", "params: [1]", "must be a mapping"),
        ];
        for (from, to, want) in cases {
            let bad = AGENTS.replacen(from, to, 1);
            let e = Scenario::parse(&bad, "a.yaml", &[])
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("a.yaml:8:") && e.contains("population[1]"),
                "{e}"
            );
            assert!(e.contains(want), "{want}: {e}");
        }
        let misplaced = AGENTS.replace(
            "kind: honest-validator,",
            "kind: honest-validator, class: \"x:Y\",",
        );
        let e = Scenario::parse(&misplaced, "a.yaml", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("population[0].class") && e.contains("only for `kind: python`"),
            "{e}"
        );
    }
}
