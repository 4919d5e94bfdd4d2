//! `mechanism: {kind: python, function: "module:function", params: {...}}`: a subnet's
//! mechanism written in Python. The scenario layer accepts and checks the declaration and
//! keeps it as an unresolved [`External`]; the Python package (`python/`) resolves it before
//! running. Without Python, a run refuses such a scenario with [`Scenario::needs_python`].

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

    /// Why this scenario cannot run without Python, if it cannot: the message names each
    /// subnet with an unresolved `kind: python` mechanism and what to run instead (`file`
    /// is the scenario file as the user named it).
    pub fn needs_python(&self, file: &str) -> Option<String> {
        let names: Vec<String> = self
            .subnets
            .iter()
            .filter_map(|s| match &s.mechanism {
                Mechanism::External(e) if e.resolved.is_none() => {
                    Some(format!("subnet `{}` (`{}`)", s.name, e.function))
                }
                _ => None,
            })
            .collect();
        (!names.is_empty()).then(|| {
            format!(
                "{file}: {} uses a Python mechanism (`kind: python`), which the yumalab binary does not run; \
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
}
