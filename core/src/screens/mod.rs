//! Screen view models: each screen's decisions written once, in Rust, for
//! the Android and iOS shells (through `walkbook-ffi`) and tested here.
//! A screen takes events and returns a plain view of what to show.

pub mod badge;
pub mod door;

pub use badge::{Badge, Tone, sync_badge};
pub use door::{CodeButton, DoorEvent, DoorPerson, DoorScreen, DoorView, Prompt, PromptOption};
