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
    fn messages_are_not_escaped_twice() {
        let err = from_str::<Doc>("name: x\nvalues: [1\n").unwrap_err();
        assert!(!err.message.contains('\\'), "{err}");
    }
}
