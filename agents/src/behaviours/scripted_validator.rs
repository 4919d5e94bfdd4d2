//! A validator whose weights are written in the scenario, epoch by epoch: it evaluates
//! nothing and submits the row the script gives for the coming epoch. Built for reproducing
//! published cases (the chain's Yuma3 tests) through the whole engine; also a clean way to
//! pose "what if the validators weighted exactly this" questions.
//!
//! Parameters ([`ScriptedValidatorParams`]):
//! - `columns`: what each entry of a row weights, in order: a group name of the scenario
//!   (every hotkey of every member of that group gets the entry's weight) or a uid (a whole
//!   number). A group's hotkeys are looked up on the subnet each time, so a member that is not
//!   registered (yet) is left out of the row.
//! - `rows`: `{epoch, weights}` items, epochs strictly ascending. `weights` has one
//!   non-negative number per column; only ratios matter (the row is scaled so its largest
//!   entry is 65 535, which is what the chain's max-upscaling does anyway). Every column is
//!   submitted, zeros included (as explicit `(uid, 0)` entries, as the chain's tests do; with
//!   Yuma3 and liquid alpha an entry that is absent drops the bond, a zero one decays it).
//!
//! Epochs count the subnet's epochs in the run from 1 ([`crate::SubnetView::epoch_index`]
//! after that epoch). The row of `epoch: e` is the one epoch `e` reads: the validator submits
//! it right after epoch `e − 1` has run (at block 1 for `e = 1`), and keeps submitting the
//! last row once per epoch, after each epoch, until the next listed epoch. Before the first
//! listed epoch it submits nothing. It commits under commit-reveal (the row then takes effect
//! a reveal period later) and sets weights otherwise; one submission per epoch respects the
//! weights rate limit as long as the tempo is at least the limit (100 blocks).
//!
//! It looks at the chain every block (cheap: one subnet read) so that it acts right after an
//! epoch whatever the epoch schedule.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::Identity;
use super::honest_validator::submit;
use crate::action::Action;
use crate::agent::Agent;
use crate::units::{HotkeyId, NetUid};
use crate::view::ChainView;

/// One column of a scripted row, as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Column {
    /// A uid on the subnet.
    Uid(u16),
    /// A group of the scenario: each hotkey of each member.
    Group(String),
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a group name or a uid (a whole number in 0..=65535)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Column, E> {
                u16::try_from(v)
                    .map(Column::Uid)
                    .map_err(|_| E::custom(format!("uid {v} is above 65535")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Column, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("uid {v} is negative")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Column, E> {
                Ok(Column::Group(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// One scripted row: the weights epoch `epoch` (and the following ones, until the next row)
/// reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The first epoch (1-based, the subnet's epochs in the run) that reads this row.
    pub epoch: u64,
    /// One non-negative weight per column.
    pub weights: Vec<f64>,
}

/// Parameters of [`ScriptedValidator`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedValidatorParams {
    /// What each entry of a row weights.
    pub columns: Vec<Column>,
    /// The rows, by epoch.
    pub rows: Vec<Row>,
}

impl ScriptedValidatorParams {
    /// Checks the script's shape: at least one column and one row, epochs ≥ 1 and strictly
    /// ascending, one finite non-negative weight per column. (Whether a group name exists is
    /// the scenario's to check.)
    ///
    /// # Errors
    /// The first problem, naming the row.
    pub fn validate(&self) -> Result<(), String> {
        if self.columns.is_empty() {
            return Err("`columns` must list at least one group or uid".into());
        }
        if self.rows.is_empty() {
            return Err("`rows` must list at least one `{epoch, weights}`".into());
        }
        let mut last = 0;
        for (k, r) in self.rows.iter().enumerate() {
            if r.epoch == 0 {
                return Err(format!(
                    "`rows[{k}].epoch` must be >= 1 (epochs count from 1), got `0`"
                ));
            }
            if r.epoch <= last {
                return Err(format!(
                    "`rows[{k}].epoch` must be after the previous row's ({last}), got `{}`",
                    r.epoch
                ));
            }
            last = r.epoch;
            if r.weights.len() != self.columns.len() {
                return Err(format!(
                    "`rows[{k}].weights` must have one weight per column ({}), got {}",
                    self.columns.len(),
                    r.weights.len()
                ));
            }
            if let Some(w) = r.weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
                return Err(format!(
                    "`rows[{k}].weights` must be numbers >= 0, got `{w}`"
                ));
            }
        }
        Ok(())
    }

    /// The group names the columns refer to, in column order (each once).
    pub fn groups(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.columns {
            if let Column::Group(g) = c
                && !out.contains(&g.as_str())
            {
                out.push(g);
            }
        }
        out
    }

    /// The row epoch `epoch` reads (the last row listed at or before it), as u16 weights
    /// scaled so the largest is 65 535 (all zeros stay zeros).
    pub fn row_for(&self, epoch: u64) -> Option<Vec<u16>> {
        let row = self.rows.iter().rev().find(|r| r.epoch <= epoch)?;
        let max = row.weights.iter().copied().fold(0.0, f64::max);
        Some(
            row.weights
                .iter()
                .map(|w| {
                    if max > 0.0 {
                        (w / max * 65535.0).round() as u16
                    } else {
                        0
                    }
                })
                .collect(),
        )
    }
}

/// A column resolved to what the chain knows: a uid, or the hotkeys of a group (looked up to
/// uids when submitting).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A uid.
    Uid(u16),
    /// Hotkeys, each weighted with the column's weight.
    Hotkeys(Vec<HotkeyId>),
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct ScriptedValidator {
    hotkey: HotkeyId,
    netuid: NetUid,
    params: ScriptedValidatorParams,
    targets: Vec<Target>,
    /// The epoch index after which the last submission was made.
    submitted_after: Option<u64>,
}

impl ScriptedValidator {
    /// A scripted validator acting with the identity's first hotkey on its subnet. `resolve`
    /// gives the hotkeys of a group name (an unknown name resolves to none: that column
    /// weights nobody).
    pub fn new(
        identity: Identity,
        params: ScriptedValidatorParams,
        resolve: impl Fn(&str) -> Vec<HotkeyId>,
    ) -> Self {
        let targets = params
            .columns
            .iter()
            .map(|c| match c {
                Column::Uid(u) => Target::Uid(*u),
                Column::Group(g) => Target::Hotkeys(resolve(g)),
            })
            .collect();
        ScriptedValidator {
            hotkey: identity.hotkeys[0],
            netuid: identity.netuid,
            params,
            targets,
            submitted_after: None,
        }
    }

    /// The `(uid, weight)` entries of `row` on the chain now, in column order (a uid listed
    /// twice keeps its first entry; uids that do not exist are left out).
    fn entries(&self, view: &dyn ChainView, row: &[u16], n: u16) -> Vec<(u16, u16)> {
        let mut out: Vec<(u16, u16)> = Vec::new();
        let mut push = |uid: u16, w: u16| {
            if uid < n && !out.iter().any(|e| e.0 == uid) {
                out.push((uid, w));
            }
        };
        for (t, &w) in self.targets.iter().zip(row) {
            match t {
                Target::Uid(u) => push(*u, w),
                Target::Hotkeys(hs) => {
                    for h in hs {
                        if let Some(u) = view.uid_of(self.netuid, *h) {
                            push(u, w);
                        }
                    }
                }
            }
        }
        out
    }
}

impl Agent for ScriptedValidator {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let Some(subnet) = view.subnet(self.netuid) else {
            return;
        };
        let done = subnet.epoch_index;
        if self.submitted_after == Some(done) {
            return;
        }
        if view.uid_of(self.netuid, self.hotkey).is_none() {
            return;
        }
        self.submitted_after = Some(done);
        let Some(row) = self.params.row_for(done + 1) else {
            return;
        };
        let weights = self.entries(view, &row, subnet.n);
        submit(self.hotkey, &subnet, &weights, actions);
    }

    fn kind(&self) -> &str {
        "scripted-validator"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockView;
    use crate::units::ColdkeyId;

    fn params(json: &str) -> Result<ScriptedValidatorParams, String> {
        let p: ScriptedValidatorParams = serde_json::from_str(json).map_err(|e| e.to_string())?;
        p.validate()?;
        Ok(p)
    }

    fn identity(hotkey: u32) -> Identity {
        Identity {
            coldkey: ColdkeyId(hotkey),
            hotkeys: vec![HotkeyId(hotkey)],
            netuid: NetUid(1),
        }
    }

    fn weights_of(actions: &[Action]) -> Vec<Vec<(u16, u16)>> {
        actions
            .iter()
            .map(|a| match a {
                Action::SetWeights { weights, .. } | Action::CommitWeights { weights, .. } => {
                    weights.clone()
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn submits_each_epochs_row_once_right_after_the_previous_epoch() {
        let p = params(
            r#"{"columns": ["a", "b"], "rows": [
                {"epoch": 2, "weights": [1, 0]}, {"epoch": 4, "weights": [32767, 65535]}]}"#,
        )
        .unwrap();
        // Group `a` is uid 3, group `b` uids 4 and 5 (two hotkeys).
        let mut v = ScriptedValidator::new(identity(1), p, |g| match g {
            "a" => vec![HotkeyId(3)],
            _ => vec![HotkeyId(4), HotkeyId(5)],
        });
        let mut view = MockView::subnet(NetUid(1), 6);
        let mut per_epoch = Vec::new();
        for epoch_index in 0..6 {
            view.subnets.get_mut(&NetUid(1)).unwrap().epoch_index = epoch_index;
            // Acting twice within the same epoch submits once.
            let mut actions = Vec::new();
            v.act(&view, &mut actions);
            v.act(&view, &mut actions);
            per_epoch.push(weights_of(&actions));
        }
        let first = vec![(3, 65535), (4, 0), (5, 0)];
        let second = vec![(3, 32767), (4, 65535), (5, 65535)];
        assert_eq!(
            per_epoch,
            vec![
                vec![],               // epoch 1 has no row
                vec![first.clone()],  // after epoch 1: the row of epoch 2
                vec![first],          // epoch 3 keeps it
                vec![second.clone()], // epoch 4's row
                vec![second.clone()],
                vec![second],
            ]
        );
        assert_eq!(v.kind(), "scripted-validator");
    }

    #[test]
    fn commits_under_commit_reveal_and_takes_uids_as_written() {
        let p =
            params(r#"{"columns": [2, 9], "rows": [{"epoch": 1, "weights": [0, 0]}]}"#).unwrap();
        let mut v = ScriptedValidator::new(identity(1), p, |_| vec![]);
        let mut view = MockView::subnet(NetUid(1), 4);
        view.subnets.get_mut(&NetUid(1)).unwrap().commit_reveal = true;
        let mut actions = Vec::new();
        v.act(&view, &mut actions);
        // Uid 9 does not exist on a subnet of 4; an all-zero row stays zero.
        assert!(
            matches!(&actions[..], [Action::CommitWeights { weights, .. }] if weights == &vec![(2, 0)])
        );
    }

    #[test]
    fn an_unregistered_validator_or_group_member_is_left_out() {
        let p = params(r#"{"columns": ["m"], "rows": [{"epoch": 1, "weights": [1]}]}"#).unwrap();
        let mut v = ScriptedValidator::new(identity(7), p.clone(), |_| vec![HotkeyId(2)]);
        let view = MockView::subnet(NetUid(1), 4);
        let mut actions = Vec::new();
        v.act(&view, &mut actions);
        assert!(actions.is_empty(), "hotkey 7 is not registered");
        let mut v = ScriptedValidator::new(identity(1), p, |_| vec![HotkeyId(8)]);
        v.act(&view, &mut actions);
        assert!(
            actions.is_empty(),
            "the group's only hotkey is not registered"
        );
    }

    #[test]
    fn bad_scripts_are_refused_with_the_row() {
        let cases = [
            (
                r#"{"columns": [], "rows": [{"epoch": 1, "weights": []}]}"#,
                "`columns` must list at least one",
            ),
            (
                r#"{"columns": ["a"], "rows": []}"#,
                "`rows` must list at least one",
            ),
            (
                r#"{"columns": ["a"], "rows": [{"epoch": 0, "weights": [1]}]}"#,
                "`rows[0].epoch` must be >= 1",
            ),
            (
                r#"{"columns": ["a"], "rows": [{"epoch": 3, "weights": [1]}, {"epoch": 3, "weights": [1]}]}"#,
                "`rows[1].epoch` must be after the previous row's (3), got `3`",
            ),
            (
                r#"{"columns": ["a", 4], "rows": [{"epoch": 1, "weights": [1]}]}"#,
                "`rows[0].weights` must have one weight per column (2), got 1",
            ),
            (
                r#"{"columns": ["a"], "rows": [{"epoch": 1, "weights": [-1]}]}"#,
                "must be numbers >= 0, got `-1`",
            ),
            (
                r#"{"columns": [70000], "rows": []}"#,
                "uid 70000 is above 65535",
            ),
            (r#"{"columns": [1.5], "rows": []}"#, "a group name or a uid"),
            (
                r#"{"columns": ["a"], "rows": [], "phase": 3}"#,
                "unknown field `phase`",
            ),
            (
                r#"{"columns": ["a"], "rows": [{"epoch": 1, "weight": [1]}]}"#,
                "unknown field `weight`",
            ),
        ];
        for (json, want) in cases {
            let err = params(json).unwrap_err();
            assert!(err.contains(want), "{json}: {err}");
        }
    }

    #[test]
    fn groups_are_listed_once_in_column_order() {
        let p = params(
            r#"{"columns": ["b", 3, "a", "b"], "rows": [{"epoch": 1, "weights": [1, 1, 1, 1]}]}"#,
        )
        .unwrap();
        assert_eq!(p.groups(), vec!["b", "a"]);
        assert_eq!(p.row_for(0), None);
        assert_eq!(p.row_for(7), Some(vec![65535; 4]));
    }
}
