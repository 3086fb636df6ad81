//! Installing a packet: verify, then replace the assignment's reference data
//! in one transaction. Results are never touched.

use chrono::Utc;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::{DeviceStore, StoreError};
use crate::packet::{Packet, decode_packet};

/// What `install_packet` did. Every variant means the transaction committed
/// (or there was nothing to write): the data is on disk when it returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallOutcome {
    Installed {
        assignment_id: String,
        version: u64,
    },
    Replaced {
        assignment_id: String,
        old_version: u64,
        new_version: u64,
    },
    /// The same version with the same content was already installed.
    AlreadyInstalled {
        assignment_id: String,
        version: u64,
    },
}

impl DeviceStore {
    /// Verifies a packet (header, hash, schema, references) and installs it
    /// all-or-nothing. A bad packet leaves the store exactly as it was.
    pub fn install_packet(&mut self, bytes: &[u8]) -> Result<InstallOutcome, StoreError> {
        let packet = decode_packet(bytes)?;
        *self.cache() = Default::default();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcome = install_verified(&tx, &packet)?;
        tx.commit()?;
        Ok(outcome)
    }
}

fn install_verified(tx: &Transaction<'_>, packet: &Packet) -> Result<InstallOutcome, StoreError> {
    let body = &packet.body;
    let assignment = &body.assignment;
    let held: Option<String> = tx
        .query_row("SELECT id FROM campaign LIMIT 1", [], |r| r.get(0))
        .optional()?;
    if let Some(held) = held
        && held != body.campaign_id
    {
        return Err(StoreError::OtherCampaign {
            store: held,
            packet: body.campaign_id.clone(),
        });
    }

    let practice_store = tx
        .query_row("SELECT value FROM meta WHERE key = 'practice'", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .is_some_and(|v| v == "1");
    let practice_packet = crate::practice::is_practice_unit(&assignment.unit_id);
    if practice_store != practice_packet {
        return Err(StoreError::Practice(if practice_store {
            format!(
                "this is a practice store: it installs only practice packets, not assignment {}",
                assignment.id
            )
        } else {
            format!(
                "assignment {} is a practice sandbox: it goes in a practice store, never beside the campaign's real data",
                assignment.id
            )
        }));
    }

    let installed: Option<(i64, String)> = tx
        .query_row(
            "SELECT version, sha256 FROM packets WHERE assignment_id = ?1",
            [&assignment.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let old_version = match installed {
        Some((v, sha)) => {
            let v = v as u64;
            if v > body.version {
                return Err(StoreError::OlderPacket {
                    assignment: assignment.id.clone(),
                    offered: body.version,
                    installed: v,
                });
            }
            if v == body.version {
                if sha == packet.sha256 {
                    return Ok(InstallOutcome::AlreadyInstalled {
                        assignment_id: assignment.id.clone(),
                        version: v,
                    });
                }
                return Err(StoreError::PacketVersionConflict {
                    assignment: assignment.id.clone(),
                    version: v,
                });
            }
            // Cascades to every reference row of the old packet.
            tx.execute(
                "DELETE FROM packets WHERE assignment_id = ?1",
                [&assignment.id],
            )?;
            Some(v)
        }
        None => None,
    };

    let campaign = body
        .data
        .campaign
        .as_ref()
        .expect("decode_packet checked the campaign is present");
    tx.execute(
        "INSERT INTO campaign (id, name, time_zone, calling_start, calling_end) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone,
             calling_start = excluded.calling_start, calling_end = excluded.calling_end",
        params![
            campaign.id,
            campaign.name,
            campaign.time_zone,
            campaign.calling_hours.start.to_string(),
            campaign.calling_hours.end.to_string()
        ],
    )?;
    tx.execute(
        "INSERT INTO packets (assignment_id, kind, unit_id, script_id, volunteer_id, expires_at, version, sha256, installed_at, mode)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            assignment.id,
            assignment.kind.as_str(),
            assignment.unit_id,
            assignment.script_id,
            assignment.volunteer_id,
            assignment.expires_at.to_rfc3339(),
            body.version as i64,
            packet.sha256,
            Utc::now().to_rfc3339(),
            assignment.mode.as_str()
        ],
    )?;
    insert_reference_rows(tx, &assignment.id, packet)?;
    Ok(match old_version {
        Some(old) => InstallOutcome::Replaced {
            assignment_id: assignment.id.clone(),
            old_version: old,
            new_version: body.version,
        },
        None => InstallOutcome::Installed {
            assignment_id: assignment.id.clone(),
            version: body.version,
        },
    })
}

fn insert_reference_rows(
    tx: &Transaction<'_>,
    aid: &str,
    packet: &Packet,
) -> Result<(), StoreError> {
    let data = &packet.body.data;
    let mut st = tx.prepare(
        "INSERT INTO households (assignment_id, id, house_number, street_name, unit, city, postal_code, precinct, lat, lon)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for h in &data.households {
        st.execute(params![
            aid,
            h.id,
            h.house_number,
            h.street_name,
            h.unit,
            h.city,
            h.postal_code,
            h.precinct,
            h.lat,
            h.lon
        ])?;
    }
    let mut st = tx.prepare(
        "INSERT INTO people (assignment_id, id, household_id, first_name, last_name, birth_year, language, phones,
             party, support_score, attributes, do_not_contact)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for p in &data.people {
        let phones = serde_json::to_string(&p.phones).expect("phones serialise");
        let attributes = (!p.attributes.is_empty())
            .then(|| serde_json::to_string(&p.attributes).expect("attributes serialise"));
        st.execute(params![
            aid,
            p.id,
            p.household_id,
            p.first_name,
            p.last_name,
            p.birth_year,
            p.language,
            phones,
            p.party,
            p.support_score,
            attributes,
            p.do_not_contact
        ])?;
    }
    for t in &data.turfs {
        tx.execute(
            "INSERT INTO turfs (assignment_id, id, name) VALUES (?1, ?2, ?3)",
            params![aid, t.id, t.name],
        )?;
        let mut st = tx.prepare(
            "INSERT INTO turf_doors (assignment_id, turf_id, position, household_id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (pos, h) in t.household_ids.iter().enumerate() {
            st.execute(params![aid, t.id, pos as i64, h])?;
        }
    }
    for l in &data.call_lists {
        tx.execute(
            "INSERT INTO call_lists (assignment_id, id, name) VALUES (?1, ?2, ?3)",
            params![aid, l.id, l.name],
        )?;
        let mut st = tx.prepare(
            "INSERT INTO call_list_people (assignment_id, list_id, position, person_id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (pos, p) in l.person_ids.iter().enumerate() {
            st.execute(params![aid, l.id, pos as i64, p])?;
        }
    }
    let mut st = tx.prepare(
        "INSERT INTO scripts (assignment_id, id, version, kind, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in &data.scripts {
        let kind = match s.kind {
            crate::model::ScriptKind::Canvass => "canvass",
            crate::model::ScriptKind::Phone => "phone",
        };
        st.execute(params![
            aid,
            s.id,
            s.version,
            kind,
            serde_json::to_string(s).expect("scripts serialise")
        ])?;
    }
    let mut st = tx.prepare(
        "INSERT INTO result_codes (assignment_id, id, position, label, channel, effect, final)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (pos, r) in data.result_codes.iter().enumerate() {
        st.execute(params![
            aid,
            r.id,
            pos as i64,
            r.label,
            r.channel.as_str(),
            r.effect.as_str(),
            r.is_final
        ])?;
    }
    Ok(())
}
