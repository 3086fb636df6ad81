//! Screen view models: each screen's decisions written once, in Rust, for
//! the Android and iOS shells (through `walkbook-ffi`) and tested here.
//! A screen takes events and returns a plain view of what to show.

pub mod badge;
pub mod call;
mod common;
pub mod door;
pub mod join;
pub mod turf;

pub use badge::{Badge, Tone, sync_badge};
pub use call::{CALLER_ID_NOTICE, CallContact, CallEvent, CallScreen, CallView, TimeChoice};
pub use door::{CodeButton, DoorEvent, DoorPerson, DoorScreen, DoorView, Prompt, PromptOption};
pub use join::{JoinView, join_view};
pub use turf::{StatusStyle, TurfDoor, TurfView, status_style, turf_view};
