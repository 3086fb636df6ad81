//! Synthetic campaign generator: realistic fake reference data for demos,
//! tests and benchmarks. Deterministic for a seed.
//!
//! A seed gives a West Town–style Chicago neighbourhood: a street grid with
//! houses, two-flats and apartment buildings; 1–4 registered voters per door
//! with names from many traditions; fictional 555-01xx phone numbers; turfs of
//! 50–80 doors; call lists of about 200; bilingual scripts; the standard
//! result codes; and a few volunteers holding every turf and list.

mod addresses;
mod call_lists;
mod names;
mod people;
mod phones;
mod result_codes;
mod rng;
mod scripts;
mod turfs;
mod volunteers;
mod voter_csv;

#[cfg(test)]
mod tests;

use crate::model::{CallingHours, Campaign, ReferenceData};

pub use phones::is_fictional as is_fictional_phone;
pub use scripts::{CANVASS_SCRIPT_ID, PHONE_SCRIPT_ID};
pub use turfs::{MAX_DOORS as MAX_TURF_DOORS, MIN_DOORS as MIN_TURF_DOORS};
pub use voter_csv::{VOTER_CSV_HEADER, write_voter_csv};

use names::{HERITAGE_WEIGHTS, Heritage};
pub use rng::SplitMix64;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of doors (households); each has 1–4 people.
    pub households: usize,
    /// The same seed always gives the same campaign.
    pub seed: u64,
}

/// Independent random streams, so one part drawing more numbers (say, more
/// people per household) leaves the others unchanged.
mod stream {
    pub const CAMPAIGN: u64 = 1;
    pub const HOUSEHOLDS: u64 = 2;
    pub const PEOPLE: u64 = 3;
    pub const PHONES: u64 = 4;
    pub const VOLUNTEERS: u64 = 5;
}

/// A campaign with its settings, scripts, result codes and volunteers but
/// no doors, people, turfs, call lists or assignments: what a voter file is
/// imported into.
pub fn empty_campaign() -> ReferenceData {
    let mut d = generate_campaign(&GenerateOptions {
        households: 1,
        seed: 1,
    });
    d.households.clear();
    d.people.clear();
    d.turfs.clear();
    d.call_lists.clear();
    d.assignments.clear();
    d
}

/// Generates a complete campaign that passes
/// [`validate_reference_data`](crate::model::validate_reference_data).
pub fn generate_campaign(opts: &GenerateOptions) -> ReferenceData {
    let root = SplitMix64::new(opts.seed);

    let households =
        addresses::generate_households(opts.households, &mut root.fork(stream::HOUSEHOLDS));
    let mut phone_pool = phones::PhonePool::new(root.fork(stream::PHONES));
    let people =
        people::generate_people(&households, &mut root.fork(stream::PEOPLE), &mut phone_pool);
    let turfs = turfs::build_turfs(&households);
    let call_lists = call_lists::build_call_lists(&people);

    let mut campaign_rng = root.fork(stream::CAMPAIGN);
    let heritage: Heritage = *campaign_rng.weighted(HERITAGE_WEIGHTS);
    let candidate = format!(
        "{} {}",
        heritage.first_name(&mut campaign_rng),
        heritage.last_name(&mut campaign_rng)
    );
    let ward = households
        .first()
        .and_then(|h| h.precinct.as_deref())
        .and_then(|p| p.split('-').next())
        .map(|w| w.trim_start_matches('0').to_string());
    let campaign_name = match ward {
        Some(w) => format!("{candidate} for Alderperson, Ward {w}"),
        None => format!("{candidate} for Alderperson"),
    };

    let volunteers = volunteers::generate_volunteers(
        turfs.len() + call_lists.len(),
        &mut root.fork(stream::VOLUNTEERS),
    );
    let assignments = volunteers::assign(&turfs, &call_lists, &volunteers);

    ReferenceData {
        campaign: Some(Campaign {
            id: format!("demo-{}", opts.seed),
            time_zone: "America/Chicago".to_string(),
            calling_hours: CallingHours::default(),
            name: campaign_name.clone(),
            packet_fields: Default::default(),
        }),
        households,
        people,
        turfs,
        call_lists,
        scripts: vec![
            scripts::canvass_script(&campaign_name, &candidate),
            scripts::phone_script(&campaign_name, &candidate),
        ],
        result_codes: result_codes::standard_result_codes(),
        volunteers,
        assignments,
        universes: Vec::new(),
        new_people: Vec::new(),
    }
}
