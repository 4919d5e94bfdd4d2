//! Walking a located YAML tree against what a scenario expects, collecting every problem.
//!
//! Each accessor reads one field, checks its type and range, records a [`Problem`] with the
//! file, line, column, field path, offending value and what was expected if it is wrong, and
//! returns a usable value (the default) so that validation carries on and reports everything
//! in one pass.

use std::fmt;

use crate::yaml::{Node, Value};

/// The supply of TAO, and of each subnet's alpha, in whole tokens: 21 000 000.
pub const SUPPLY: f64 = 21e6;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// 1-based line (0: not in the file, e.g. a `--set` value).
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// The field path (`subnets[0].yuma.kappa`).
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        if !self.path.is_empty() {
            write!(f, "`{}`: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, p) in self.0.iter().enumerate() {
            if k > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// The fields of one mapping, looked up by name.
pub struct Fields<'n> {
    pub(crate) path: String,
    pub(crate) node: &'n Node,
    entries: Vec<(&'n str, &'n Node)>,
}

impl<'n> Fields<'n> {
    /// The node of a field, if present (and not null).
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .filter(|v| v.value != Value::Null)
    }

    /// Whether the field is written at all (even as null).
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|(k, _)| *k == name)
    }

    /// The path of a field.
    pub fn path_of(&self, name: &str) -> String {
        join(&self.path, name)
    }
}

/// `parent.name` (or `name` at the root).
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// Collects problems while reading.
pub struct Reader<'f> {
    file: &'f str,
    /// Problems so far.
    pub problems: Vec<Problem>,
}

impl<'f> Reader<'f> {
    /// A reader for `file`.
    pub fn new(file: &'f str) -> Self {
        Reader {
            file,
            problems: Vec::new(),
        }
    }

    /// Records a problem at `node`.
    pub fn problem(&mut self, node: &Node, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line: node.line,
            column: node.column,
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// Reads a mapping whose keys must be among `allowed`; unknown and repeated keys are
    /// problems. `None` (with a problem) if the node is not a mapping.
    pub fn map<'n>(&mut self, node: &'n Node, path: &str, allowed: &[&str]) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.problem(
                node,
                path,
                format!(
                    "expected a mapping with fields {}, got `{}`",
                    list(allowed),
                    node.show()
                ),
            );
            return None;
        };
        let mut fields = Fields {
            path: path.to_owned(),
            node,
            entries: Vec::new(),
        };
        for (k, v) in entries {
            let name = match &k.value {
                Value::Str(s) => s.as_str(),
                _ => {
                    self.problem(
                        k,
                        path,
                        format!("keys must be field names, got `{}`", k.show()),
                    );
                    continue;
                }
            };
            if !allowed.contains(&name) {
                let hint = closest(name, allowed)
                    .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
                self.problem(
                    k,
                    &join(path, name),
                    format!("unknown field; expected one of {}{hint}", list(allowed)),
                );
                continue;
            }
            if fields.entries.iter().any(|(n, _)| *n == name) {
                self.problem(k, &join(path, name), "field given twice");
                continue;
            }
            fields.entries.push((name, v));
        }
        Some(fields)
    }

    /// A required field: a problem if missing.
    pub fn required<'n>(&mut self, f: &Fields<'n>, name: &str) -> Option<&'n Node> {
        let node = f.get(name);
        if node.is_none() {
            self.problem(f.node, &f.path_of(name), "missing required field");
        }
        node
    }

    /// A number (integer or float) satisfying `ok`; `expected` says what is allowed.
    pub fn number(
        &mut self,
        node: &Node,
        path: &str,
        ok: impl Fn(f64) -> bool,
        expected: &str,
    ) -> Option<f64> {
        let x = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
            _ => {
                self.problem(
                    node,
                    path,
                    format!("must be {expected}, got `{}`", node.show()),
                );
                return None;
            }
        };
        if x.is_finite() && ok(x) {
            Some(x)
        } else {
            self.problem(
                node,
                path,
                format!("must be {expected}, got `{}`", node.show()),
            );
            None
        }
    }

    /// An optional number field with a default.
    pub fn number_or(
        &mut self,
        f: &Fields<'_>,
        name: &str,
        default: f64,
        ok: impl Fn(f64) -> bool,
        expected: &str,
    ) -> f64 {
        match f.get(name) {
            Some(n) => self
                .number(n, &f.path_of(name), ok, expected)
                .unwrap_or(default),
            None => default,
        }
    }

    /// An amount of a token (`TAO`, or a subnet's `alpha`) in `[0, 21 000 000]`, or
    /// `(0, 21 000 000]` if `positive`: no balance, stake, reserve or cost can be more than the
    /// token's whole supply ([`SUPPLY`] whole units).
    pub fn amount(&mut self, node: &Node, path: &str, token: &str, positive: bool) -> Option<f64> {
        let expected = if positive {
            format!("{token} in (0, 21 000 000] (the whole supply)")
        } else {
            format!("{token} in [0, 21 000 000] (the whole supply)")
        };
        self.number(
            node,
            path,
            |x| x <= SUPPLY && (x > 0.0 || (!positive && x == 0.0)),
            &expected,
        )
    }

    /// An optional amount field with a default (see [`Reader::amount`]).
    pub fn amount_or(
        &mut self,
        f: &Fields<'_>,
        name: &str,
        default: f64,
        token: &str,
        positive: bool,
    ) -> f64 {
        match f.get(name) {
            Some(n) => self
                .amount(n, &f.path_of(name), token, positive)
                .unwrap_or(default),
            None => default,
        }
    }

    /// A whole number in `[lo, hi]`.
    pub fn integer(&mut self, node: &Node, path: &str, lo: u64, hi: u64) -> Option<u64> {
        match node.value {
            Value::Int(i) if i >= i128::from(lo) && i <= i128::from(hi) => Some(i as u64),
            _ => {
                let range = if hi == u64::MAX {
                    format!("a whole number >= {lo}")
                } else {
                    format!("a whole number in {lo}..={hi}")
                };
                self.problem(
                    node,
                    path,
                    format!("must be {range}, got `{}`", node.show()),
                );
                None
            }
        }
    }

    /// An optional whole-number field with a default.
    pub fn integer_or(
        &mut self,
        f: &Fields<'_>,
        name: &str,
        default: u64,
        lo: u64,
        hi: u64,
    ) -> u64 {
        match f.get(name) {
            Some(n) => self.integer(n, &f.path_of(name), lo, hi).unwrap_or(default),
            None => default,
        }
    }

    /// A string.
    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.problem(
                    node,
                    path,
                    format!("must be a string, got `{}`", node.show()),
                );
                None
            }
        }
    }

    /// A boolean field with a default.
    pub fn bool_or(&mut self, f: &Fields<'_>, name: &str, default: bool) -> bool {
        match f.get(name) {
            Some(Node {
                value: Value::Bool(b),
                ..
            }) => *b,
            Some(n) => {
                self.problem(
                    n,
                    &f.path_of(name),
                    format!("must be true or false, got `{}`", n.show()),
                );
                default
            }
            None => default,
        }
    }

    /// One of `options`.
    pub fn choice<'o>(&mut self, node: &Node, path: &str, options: &[&'o str]) -> Option<&'o str> {
        let found = match &node.value {
            Value::Str(s) => options.iter().find(|o| **o == s.as_str()).copied(),
            _ => None,
        };
        if found.is_none() {
            let hint = match &node.value {
                Value::Str(s) => {
                    closest(s, options).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
                }
                _ => String::new(),
            };
            self.problem(
                node,
                path,
                format!(
                    "must be one of {}, got `{}`{hint}",
                    list(options),
                    node.show()
                ),
            );
        }
        found
    }

    /// A subtree read into a `serde` type (unknown fields rejected by the type) and checked by
    /// `validate`; a problem at `node` otherwise.
    pub fn typed<T: serde::de::DeserializeOwned>(
        &mut self,
        node: &Node,
        path: &str,
        validate: impl Fn(&T) -> Result<(), String>,
    ) -> Option<T> {
        let value = match serde_json::from_value::<T>(node.to_json()) {
            Ok(v) => v,
            Err(e) => {
                self.problem(node, path, e.to_string());
                return None;
            }
        };
        match validate(&value) {
            Ok(()) => Some(value),
            Err(e) => {
                self.problem(node, path, e);
                None
            }
        }
    }

    /// A list.
    pub fn seq<'n>(&mut self, node: &'n Node, path: &str) -> &'n [Node] {
        match &node.value {
            Value::Seq(items) => items,
            _ => {
                self.problem(node, path, format!("must be a list, got `{}`", node.show()));
                &[]
            }
        }
    }
}

fn list(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The allowed name closest to a misspelt one (edit distance ≤ 2), for hints.
fn closest<'o>(name: &str, options: &[&'o str]) -> Option<&'o str> {
    options
        .iter()
        .map(|o| (edit_distance(name, o), *o))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_fields_get_a_hint() {
        assert_eq!(closest("temp", &["tempo", "seed"]), Some("tempo"));
        assert_eq!(closest("zzzzzz", &["tempo"]), None);
    }
}
