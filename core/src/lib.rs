//! walkbook-core: the offline-first core of the walkbook canvassing and
//! phone-bank app. Reference data (walk lists, call lists, scripts) lives in
//! SQLite; results are automerge documents stored durably on the device.

pub mod calls;
pub mod export;
pub mod generate;
pub mod import;
pub mod model;
pub mod packet;
pub mod results;
pub mod scriptfile;
pub mod store;
pub mod sync;
pub mod turfcut;
pub mod walk;
