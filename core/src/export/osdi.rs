//! An OSDI-shaped export (Open Supporter Data Interface, HAL+JSON) for other
//! tools: the people the campaign reached, one canvass per person per live
//! attempt, and the answers given. Superseded attempts are left out, as in
//! the CSV export; a household-level result is a canvass of everyone there.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{ExportError, ExportSource};
use crate::model::{Channel, Person};

/// The identifier prefix of everything walkbook exports.
const SYSTEM: &str = "walkbook";

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OsdiCounts {
    pub people: usize,
    pub canvasses: usize,
}

fn person_json(p: &Person, store: &impl ExportSource) -> Value {
    let home = store.household(&p.household_id);
    let address = home.map(|h| {
        let mut a = json!({
            "primary": true,
            "address_lines": [h.address_line()],
            "locality": h.city,
            "postal_code": h.postal_code,
        });
        if let (Some(lat), Some(lon)) = (h.lat, h.lon) {
            a["location"] = json!({ "latitude": lat, "longitude": lon });
        }
        a
    });
    json!({
        "identifiers": [format!("{SYSTEM}:{}", p.id)],
        "given_name": p.first_name,
        "family_name": p.last_name,
        "languages_spoken": [p.language],
        "postal_addresses": address.into_iter().collect::<Vec<_>>(),
    })
}

/// Writes the export as one JSON document. Returns what it holds.
pub fn export_osdi<W: Write>(
    store: &mut impl ExportSource,
    mut out: W,
) -> Result<OsdiCounts, ExportError> {
    let mut people: BTreeMap<String, Value> = BTreeMap::new();
    let mut canvasses = Vec::new();
    for (_, attempts) in store.units()? {
        for a in super::live_attempts(attempts) {
            let targets: Vec<Person> = match &a.person_id {
                Some(p) => store.person(p).into_iter().collect(),
                None => store.people_at(&a.household_id)?,
            };
            let mut answers: Vec<Value> = a
                .responses
                .iter()
                .map(|(q, r)| json!({ "question": q, "responses": [r] }))
                .collect();
            answers.extend(
                a.text_answers
                    .iter()
                    .map(|(q, t)| json!({ "question": q, "value": t })),
            );
            let date = DateTime::<Utc>::from_timestamp_millis(a.at_ms)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
            for person in targets {
                people
                    .entry(person.id.clone())
                    .or_insert_with(|| person_json(&person, store));
                canvasses.push(json!({
                    "identifiers": [format!("{SYSTEM}:{}:{}", a.id, person.id)],
                    "action_date": date,
                    "contact_type": match a.channel {
                        Channel::Door => "in-person",
                        Channel::Phone => "phone",
                    },
                    "input_type": "mobile",
                    "success": a.result.is_none(),
                    "status_code": a.result.clone().unwrap_or_else(|| "contacted".into()),
                    "canvasser": format!("{SYSTEM}:volunteer:{}", a.volunteer_id),
                    "target": format!("{SYSTEM}:{}", person.id),
                    "notes": a.notes,
                    "_embedded": { "osdi:answers": answers },
                }));
            }
        }
    }
    let counts = OsdiCounts {
        people: people.len(),
        canvasses: canvasses.len(),
    };
    let body = json!({
        "origin_system": "walkbook",
        "total_records": counts.people + counts.canvasses,
        "_embedded": {
            "osdi:people": people.into_values().collect::<Vec<_>>(),
            "osdi:canvasses": canvasses,
        },
    });
    serde_json::to_writer_pretty(&mut out, &body)?;
    out.flush().map_err(serde_json::Error::io)?;
    Ok(counts)
}
