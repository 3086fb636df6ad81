//! walkbook-core: the offline-first core of the walkbook canvassing and
//! phone-bank app. Reference data (walk lists, call lists, scripts) lives in
//! SQLite; results are automerge documents stored durably on the device.

pub mod calls;
pub mod model;
pub mod packet;
pub mod practice;
pub mod results;
pub mod screens;
pub mod store;
pub mod sync;

// Organizer-only code (the `organizer` feature, on by default; the phone
// library is built without it).
#[cfg(feature = "organizer")]
pub mod export;
#[cfg(feature = "organizer")]
pub mod generate;
#[cfg(feature = "organizer")]
pub mod import;
#[cfg(feature = "organizer")]
pub mod newpeople;
#[cfg(feature = "organizer")]
pub mod scriptfile;
#[cfg(feature = "organizer")]
pub mod turfcut;
#[cfg(feature = "organizer")]
pub mod turfnear;
#[cfg(feature = "organizer")]
pub mod walk;
