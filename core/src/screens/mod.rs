//! Screen view models: each screen's decisions written once, in Rust, for
//! the Android and iOS shells (through `walkbook-ffi`) and tested here.
//! A screen takes events and returns a plain view of what to show, worded
//! in the volunteer's language (`Ui`: English or Spanish).

pub mod badge;
pub mod call;
mod common;
pub mod door;
pub mod join;
pub mod turf;
pub mod words;

pub use badge::{Badge, Tone, sync_badge, sync_badge_in};
pub use call::{CallContact, CallEvent, CallScreen, CallView, TimeChoice};
pub use door::{CodeButton, DoorEvent, DoorPerson, DoorScreen, DoorView, Prompt, PromptOption};
pub use join::{JoinView, join_view, join_view_in};
pub use turf::{
    StatusStyle, TurfDoor, TurfView, status_style, status_style_in, turf_view, turf_view_in,
};
pub use words::Ui;
