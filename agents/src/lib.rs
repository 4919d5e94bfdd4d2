//! `yumalab-agents`: the bottom of yumalab's dependency graph.
//!
//! - [`units`]: money in rao, blocks, subnet/neuron/account ids, seed derivation;
//! - [`view`]: what an agent may observe ([`ChainView`]);
//! - [`action`]: what an agent may do ([`Action`]);
//! - [`agent`]: the [`Agent`] trait;
//! - [`behaviours`]: built-in behaviours, one file each;
//! - [`external`]: agents supplied from outside (`kind: python`);
//! - [`work`]: miners' true quality; [`mechanism`]: how validators turn observed work into
//!   weights;
//! - [`presets`]: named parameter sets scenarios refer to;
//! - [`testing`]: a hand-filled view for tests of behaviours (here and downstream).
//!
//! Agents never depend on the engine: the engine depends on them, builds them and drives them.

pub mod action;
pub mod agent;
pub mod behaviours;
pub mod external;
pub mod mechanism;
pub mod presets;
pub mod testing;
pub mod units;
pub mod view;
pub mod work;

pub use action::{Action, Hyperparameter};
pub use agent::Agent;
pub use units::{Block, ColdkeyId, HotkeyId, NetUid, Rao, Uid, derive_seed, stable_id};
pub use view::{ChainView, NeuronView, Qualities, Served, SubnetView};
