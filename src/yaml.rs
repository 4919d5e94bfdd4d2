//! Every YAML read in yumalab goes through this module, so that swapping the YAML crate
//! (today `serde-saphyr`) is a one-file change.
//!
//! [`from_str`] deserialises one document into any `serde` type and, when that fails, says
//! where: the line and column in the text and the field path in the document's structure
//! (`epochs[3].weights[1]`), as [`YamlError`].

use std::fmt;

use serde::de::DeserializeOwned;
use serde_saphyr::MessageFormatter;

/// A YAML document that could not be read into the requested type: bad syntax, a value of
/// the wrong type, an unknown or missing field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// The field path where reading stopped (`epochs[3].stakes`); `None` at the root.
    pub path: Option<String>,
    /// 1-based line in the text; 0 if unknown.
    pub line: u64,
    /// 1-based column in the text; 0 if unknown.
    pub column: u64,
    /// What went wrong, without the location.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if let Some(path) = &self.path {
            write!(f, "`{path}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for YamlError {}

/// Reads one YAML document into a `T`.
///
/// # Errors
/// [`YamlError`] with the line, column and field path of the first problem the parser met.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let mut path = None;
    let result = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            let p = e.path().to_string();
            if p != "." {
                path = Some(p);
            }
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let location = e.location();
        // Raw text: it may echo control characters from the input, and the caller decides
        // how to show them.
        let message = serde_saphyr::DefaultMessageFormatter
            .format_message(e.without_snippet())
            .into_owned();
        YamlError {
            path,
            line: location.map_or(0, |l| l.line()),
            column: location.map_or(0, |l| l.column()),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        values: Vec<f64>,
    }

    #[test]
    fn reads_a_document() {
        let doc: BTreeMap<String, Vec<u32>> = from_str("a: [1, 2]\nb: []\n").unwrap();
        assert_eq!(doc["a"], vec![1, 2]);
        assert!(doc["b"].is_empty());
    }

    #[test]
    fn type_error_has_path_line_and_column() {
        let err = from_str::<Doc>("name: x\nvalues:\n  - 1\n  - oops\n").unwrap_err();
        assert_eq!(err.path.as_deref(), Some("values[1]"), "{err}");
        assert_eq!(err.line, 4, "{err}");
        assert!(err.column > 0, "{err}");
        assert!(err.to_string().starts_with("4:"), "{err}");
    }

    #[test]
    fn unknown_field_is_named() {
        let err = from_str::<Doc>("name: x\nvalues: []\nextra: 1\n").unwrap_err();
        assert!(err.message.contains("extra"), "{err}");
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn syntax_error_has_a_line() {
        let err = from_str::<Doc>("name: [x\nvalues: []\n").unwrap_err();
        assert!(err.line > 0, "{err}");
    }

    #[test]
    fn scalar_sources_are_the_text_as_written() {
        let text = "a: 11588360.177321376   # TAO\nb: [1.50, \"x\", 2e3]\nc:\n  - 7\n";
        let (tree, sources) = parse_tree_with_sources(text).unwrap();
        let Value::Map(entries) = &tree.value else {
            panic!("a mapping")
        };
        let written = |n: &Node| sources.get(&(n.line, n.column)).cloned();
        assert_eq!(
            written(&entries[0].1).as_deref(),
            Some("11588360.177321376")
        );
        let Value::Seq(b) = &entries[1].1.value else {
            panic!("a list")
        };
        let b: Vec<_> = b.iter().map(|n| written(n).unwrap()).collect();
        assert_eq!(b, ["1.50", "\"x\"", "2e3"]);
        let (tree, sources) = parse_tree_with_sources("{\"a\": [3.000, 4]}").unwrap();
        let Value::Map(entries) = &tree.value else {
            panic!("a mapping")
        };
        let Value::Seq(a) = &entries[0].1.value else {
            panic!("a list")
        };
        assert_eq!(sources[&(a[0].line, a[0].column)], "3.000");
    }

    #[test]
    fn messages_are_not_escaped_twice() {
        let err = from_str::<Doc>("name: x\nvalues: [1\n").unwrap_err();
        assert!(!err.message.contains('\\'), "{err}");
    }
}

/// A YAML value with the line and column where it stands, for validators that report every
/// problem at once (see [`crate::scenario`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

/// The value of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in document order, each with its own location.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A node without a location (for values set from the command line).
    pub fn detached(value: Value) -> Node {
        Node {
            value,
            line: 0,
            column: 0,
        }
    }

    /// The value as text, for error messages (`1.5`, `"abc"`, `[...]`).
    pub fn show(&self) -> String {
        match &self.value {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            // Huge and tiny values in exponent form (`1e30`, `1e-320`), not hundreds of digits.
            Value::Float(x) if x.abs() >= 1e16 || (*x != 0.0 && x.abs() < 1e-6) => {
                format!("{x:e}")
            }
            Value::Float(x) => x.to_string(),
            Value::Str(s) => s.escape_debug().to_string(),
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }

    /// The node as a `serde_json::Value` (for handing a subtree to a `serde` type).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => i64::try_from(*i)
                .map(J::from)
                .or_else(|_| u64::try_from(*i).map(J::from))
                .unwrap_or(J::Null),
            Value::Float(x) => serde_json::Number::from_f64(*x).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A mapping key as text.
    pub fn key_text(&self) -> String {
        match &self.value {
            Value::Str(s) => s.clone(),
            _ => self.show(),
        }
    }
}

/// Parses one YAML document into a located tree.
///
/// # Errors
/// [`YamlError`] for a syntax error, with its line and column.
pub fn parse_tree(text: &str) -> Result<Node, YamlError> {
    Ok(convert(parse_raw(text)?, text))
}

/// The text each scalar was written as, keyed by the (line, column) that [`parse_tree`] gives
/// its [`Node`]: for readers that need a number exactly as written (a decimal amount turned
/// into integer rao without passing through `f64`).
pub type ScalarSources = std::collections::BTreeMap<(u64, u64), String>;

/// [`parse_tree`], and the source text of every scalar in the document.
///
/// # Errors
/// [`YamlError`] for a syntax error, with its line and column.
pub fn parse_tree_with_sources(text: &str) -> Result<(Node, ScalarSources), YamlError> {
    let raw = parse_raw(text)?;
    let mut sources = ScalarSources::new();
    collect_sources(&raw, text, &mut sources);
    Ok((convert(raw, text), sources))
}

fn parse_raw(text: &str) -> Result<serde_saphyr::Spanned<Raw>, YamlError> {
    // `.nan` and `.inf` reach the tree as floats, so a validator can say which field holds
    // one (rather than the parser refusing the whole file).
    let options = serde_saphyr::options! {
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let location = e.location();
        YamlError {
            path: None,
            line: location.map_or(0, |l| l.line()),
            column: location.map_or(0, |l| l.column()),
            // The message alone: the caller adds the file, line and column.
            message: serde_saphyr::DefaultMessageFormatter
                .format_message(e.without_snippet())
                .into_owned(),
        }
    })
}

fn collect_sources(s: &serde_saphyr::Spanned<Raw>, text: &str, out: &mut ScalarSources) {
    match &s.value {
        Raw::Seq(items) => items.iter().for_each(|i| collect_sources(i, text, out)),
        Raw::Map(entries) => entries
            .iter()
            .for_each(|(_, v)| collect_sources(v, text, out)),
        _ => {
            let span = s.referenced.span();
            if let Some(written) = span
                .byte_offset()
                .zip(span.byte_len())
                .and_then(|(o, l)| text.get(o as usize..(o + l) as usize))
            {
                out.insert(
                    (s.referenced.line(), s.referenced.column()),
                    written.trim().to_owned(),
                );
            }
        }
    }
}

/// Drops locations (they point into the command line, not the file).
fn detach(n: Node) -> Node {
    let value = match n.value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(detach).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (detach(k), detach(v)))
                .collect(),
        ),
        v => v,
    };
    Node::detached(value)
}

/// The untyped YAML the tree is built from.
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<serde_saphyr::Spanned<Raw>>),
    Map(Vec<(serde_saphyr::Spanned<Raw>, serde_saphyr::Spanned<Raw>)>),
}

fn convert(s: serde_saphyr::Spanned<Raw>, text: &str) -> Node {
    let (line, column) = (s.referenced.line(), s.referenced.column());
    let value = match s.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(x) => Value::Float(x),
        Raw::Str(t) => Value::Str(t),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| convert(i, text)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (key(k, text), convert(v, text)))
                .collect(),
        ),
    };
    Node {
        value,
        line,
        column,
    }
}

/// A mapping key as the text written: YAML 1.1 resolves plain keys such as `n`, `no`, `on`
/// to booleans, but a key is a name, so the source text is kept.
fn key(k: serde_saphyr::Spanned<Raw>, text: &str) -> Node {
    let span = k.referenced.span();
    let written = span
        .byte_offset()
        .zip(span.byte_len())
        .and_then(|(o, l)| text.get(o as usize..(o + l) as usize));
    let mut node = convert(k, text);
    if let (Some(w), Value::Bool(_) | Value::Null | Value::Int(_) | Value::Float(_)) =
        (written, &node.value)
    {
        node.value = Value::Str(w.trim_matches(|c| c == '"' || c == '\'').to_owned());
    }
    node
}

impl<'de> serde::Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                serde::Deserialize::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(b))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Raw, E> {
                Ok(Raw::Int(i128::from(x)))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Raw, E> {
                Ok(Raw::Int(i128::from(x)))
            }
            fn visit_i128<E>(self, x: i128) -> Result<Raw, E> {
                Ok(Raw::Int(x))
            }
            fn visit_u128<E: serde::de::Error>(self, x: u128) -> Result<Raw, E> {
                i128::try_from(x)
                    .map(Raw::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Raw, E> {
                Ok(Raw::Float(x))
            }
            fn visit_str<E>(self, s: &str) -> Result<Raw, E> {
                Ok(Raw::Str(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Raw, E> {
                Ok(Raw::Str(s))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Raw::Seq(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = a.next_entry()? {
                    v.push(e);
                }
                Ok(Raw::Map(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses one value written on the command line (`--set path=value`): `null`, booleans,
/// numbers, a flow collection when it starts with `{` or `[` (`{blocks: 3000}`), or else a
/// string.
pub fn parse_scalar(text: &str) -> Value {
    let t = text.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(n) = parse_tree(text)
    {
        return detach(n).value;
    }
    match parse_tree(text).map(|n| n.value) {
        Ok(
            v @ (Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_)),
        ) => v,
        _ => Value::Str(text.to_owned()),
    }
}
