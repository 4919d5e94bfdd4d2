//! The chain's conformance vectors (`tests/data/chain-vectors.yaml`, a copy of
//! `shared/spec/chain-vectors.yaml`), shared by the test modules that check against them.

use serde_json::Value;

/// Every vector, read through yumalab's one YAML module.
pub fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/chain-vectors.yaml");
    let text = std::fs::read_to_string(path).expect("read chain-vectors.yaml");
    let doc: Value = yumalab::yaml::from_str(&text).expect("parse chain-vectors.yaml");
    doc["vectors"].as_array().expect("vectors list").clone()
}

/// One vector by id.
pub fn vector(id: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}

/// Every vector of the `2026-10` regime (`tests/data/chain-vectors-2026-10.yaml`, a copy of
/// `shared/spec/chain-vectors-2026-10.yaml`; spec §13).
pub fn vectors_2026_10() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/chain-vectors-2026-10.yaml"
    );
    let text = std::fs::read_to_string(path).expect("read chain-vectors-2026-10.yaml");
    let doc: Value = yumalab::yaml::from_str(&text).expect("parse chain-vectors-2026-10.yaml");
    doc["vectors"].as_array().expect("vectors list").clone()
}

/// One `2026-10` vector by id.
pub fn vector_2026_10(id: &str) -> Value {
    vectors_2026_10()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no 2026-10 vector {id}"))
}
