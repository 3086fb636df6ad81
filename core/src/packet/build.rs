use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{PACKET_FORMAT, PacketBody, PacketError, encode_packet};
use crate::model::{
    AssignmentKind, Channel, PacketFields, Person, PersonField, ReferenceData, ScriptKind,
    validate_reference_data,
};

/// Drops the optional fields a packet of `kind` does not carry (data
/// minimisation: a lost phone holds only what its shift needed).
fn minimise(person: &mut Person, kind: AssignmentKind, fields: &PacketFields) {
    if !fields.carries(kind, PersonField::Phones) {
        person.phones.clear();
    }
    if !fields.carries(kind, PersonField::Party) {
        person.party = None;
    }
    if !fields.carries(kind, PersonField::SupportScore) {
        person.support_score = None;
    }
    if !fields.carries(kind, PersonField::Attributes) {
        person.attributes.clear();
    }
}

/// The person fields a packet's people actually carry, for `admin packets`:
/// the fields every packet has, then each optional field any person has.
pub fn carried_fields(data: &ReferenceData) -> Vec<&'static str> {
    let mut out = vec!["name", "household", "language", "do_not_contact"];
    if data.people.iter().any(|p| p.birth_year.is_some()) {
        out.push("birth_year");
    }
    for field in PersonField::ALL {
        let carried = data.people.iter().any(|p| match field {
            PersonField::Phones => !p.phones.is_empty(),
            PersonField::Party => p.party.is_some(),
            PersonField::SupportScore => p.support_score.is_some(),
            PersonField::Attributes => !p.attributes.is_empty(),
        });
        if carried {
            out.push(field.as_str());
        }
    }
    out
}

/// Cuts the packet for one assignment out of a campaign's reference data:
/// the unit (turf or call list), its households and people, the assigned
/// script (every version, so results recorded with an older version still
/// validate), the result codes of the unit's channel, and the campaign.
/// People carry only the fields the campaign's `packet_fields` allow for
/// the assignment's kind: by default no phone numbers on a turf and no
/// party, support score or other attributes on either.
pub fn build_packet(
    campaign: &ReferenceData,
    assignment_id: &str,
    version: u64,
    created_at: DateTime<Utc>,
) -> Result<(PacketBody, Vec<u8>), PacketError> {
    let body = packet_body(campaign, assignment_id, version, created_at)?;
    let bytes = encode_packet(&body);
    Ok((body, bytes))
}

/// Lookups over a campaign, built once for cutting many packets: each
/// packet then costs the size of its unit, not of the campaign.
pub struct PacketIndex<'a> {
    campaign: &'a ReferenceData,
    /// Position in `campaign.households` by id.
    household_at: HashMap<&'a str, usize>,
    /// Position in `campaign.people` by id.
    person_at: HashMap<&'a str, usize>,
    /// Positions in `campaign.people` of each household's residents.
    residents: HashMap<&'a str, Vec<usize>>,
}

impl<'a> PacketIndex<'a> {
    pub fn new(campaign: &'a ReferenceData) -> Self {
        let mut residents: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in campaign.people.iter().enumerate() {
            residents
                .entry(p.household_id.as_str())
                .or_default()
                .push(i);
        }
        PacketIndex {
            campaign,
            household_at: campaign
                .households
                .iter()
                .enumerate()
                .map(|(i, h)| (h.id.as_str(), i))
                .collect(),
            person_at: campaign
                .people
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.as_str(), i))
                .collect(),
            residents,
        }
    }

    /// The households at these positions, in campaign order.
    fn households(&self, mut at: Vec<usize>) -> Vec<crate::model::Household> {
        at.sort_unstable();
        at.dedup();
        at.into_iter()
            .map(|i| self.campaign.households[i].clone())
            .collect()
    }

    /// The people at these positions, in campaign order.
    fn people(&self, mut at: Vec<usize>) -> Vec<Person> {
        at.sort_unstable();
        at.dedup();
        at.into_iter()
            .map(|i| self.campaign.people[i].clone())
            .collect()
    }
}

/// What [`build_packet`] puts in a packet, checked, without encoding it
/// (the server compares bodies to see which packets changed, and
/// compresses only those).
pub fn packet_body(
    campaign: &ReferenceData,
    assignment_id: &str,
    version: u64,
    created_at: DateTime<Utc>,
) -> Result<PacketBody, PacketError> {
    packet_body_indexed(
        &PacketIndex::new(campaign),
        assignment_id,
        version,
        created_at,
    )
}

/// [`packet_body`] with the campaign's lookups built once by the caller.
pub fn packet_body_indexed(
    index: &PacketIndex<'_>,
    assignment_id: &str,
    version: u64,
    created_at: DateTime<Utc>,
) -> Result<PacketBody, PacketError> {
    let campaign = index.campaign;
    let assignment = campaign
        .assignments
        .iter()
        .find(|a| a.id == assignment_id)
        .ok_or_else(|| PacketError::UnknownAssignment(assignment_id.to_string()))?
        .clone();
    let settings = campaign
        .campaign
        .clone()
        .ok_or_else(|| PacketError::Invalid {
            assignment: assignment_id.to_string(),
            source: crate::model::ReferenceError {
                record: "campaign".into(),
                problem: "the campaign data has no campaign settings".into(),
            },
        })?;

    let mut data = ReferenceData {
        campaign: Some(settings.clone()),
        ..ReferenceData::default()
    };
    let (channel, script_kind) = match assignment.kind {
        AssignmentKind::Turf => {
            let turf = campaign.turfs.iter().find(|t| t.id == assignment.unit_id);
            if let Some(turf) = turf {
                let ids = turf.household_ids.iter().map(String::as_str);
                data.households = index.households(
                    ids.clone()
                        .filter_map(|h| index.household_at.get(h).copied())
                        .collect(),
                );
                data.people = index.people(
                    ids.flat_map(|h| index.residents.get(h).into_iter().flatten().copied())
                        .collect(),
                );
                // Where a checked-out turf came from is the server's business.
                data.turfs.push(crate::model::Turf {
                    universe: None,
                    ..turf.clone()
                });
            }
            (Channel::Door, ScriptKind::Canvass)
        }
        AssignmentKind::CallList => {
            let list = campaign
                .call_lists
                .iter()
                .find(|l| l.id == assignment.unit_id);
            if let Some(list) = list {
                data.people = index.people(
                    list.person_ids
                        .iter()
                        .filter_map(|p| index.person_at.get(p.as_str()).copied())
                        .collect(),
                );
                data.households = index.households(
                    data.people
                        .iter()
                        .filter_map(|p| index.household_at.get(p.household_id.as_str()).copied())
                        .collect(),
                );
                data.call_lists.push(list.clone());
            }
            (Channel::Phone, ScriptKind::Phone)
        }
    };
    data.scripts = campaign
        .scripts
        .iter()
        .filter(|s| s.id == assignment.script_id && s.kind == script_kind)
        .cloned()
        .collect();
    data.result_codes = campaign
        .result_codes
        .iter()
        .filter(|r| r.channel == channel)
        .cloned()
        .collect();
    data.volunteers = campaign
        .volunteers
        .iter()
        .filter(|v| v.id == assignment.volunteer_id)
        .cloned()
        .collect();
    data.assignments.push(assignment.clone());
    for person in &mut data.people {
        minimise(person, assignment.kind, &settings.packet_fields);
    }

    validate_reference_data(&data).map_err(|source| PacketError::Invalid {
        assignment: assignment_id.to_string(),
        source,
    })?;
    Ok(PacketBody {
        format: PACKET_FORMAT,
        campaign_id: settings.id,
        assignment,
        version,
        created_at,
        data,
    })
}
