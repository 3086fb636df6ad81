use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// A campaign: the unit of data separation. One device database per campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    /// IANA time zone name, e.g. "America/Chicago". Fallback zone for contacts
    /// whose own zone is unknown.
    pub time_zone: String,
    pub calling_hours: CallingHours,
    /// Voter-file fields a packet carries beyond what the door or the call
    /// needs. Empty by default: phones only in call lists, never party,
    /// support score or other attributes (see [`PacketFields`]).
    #[serde(default, skip_serializing_if = "PacketFields::is_empty")]
    pub packet_fields: PacketFields,
}

/// A person field a campaign may opt in to carrying on phones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    /// Phone numbers (call lists always carry them: they are dialled).
    Phones,
    Party,
    /// Modelled or previously recorded support.
    SupportScore,
    /// The other voter-file attributes kept at import.
    Attributes,
}

impl PersonField {
    pub const ALL: [PersonField; 4] = [
        PersonField::Phones,
        PersonField::Party,
        PersonField::SupportScore,
        PersonField::Attributes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonField::Phones => "phones",
            PersonField::Party => "party",
            PersonField::SupportScore => "support_score",
            PersonField::Attributes => "attributes",
        }
    }
}

/// Data minimisation: the optional person fields each kind of packet
/// carries. A packet always carries names, address, birth year, language
/// and the do-not-contact flag (what a canvasser needs to find the right
/// person and speak their language); everything else only when listed here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketFields {
    #[serde(default)]
    pub turf: std::collections::BTreeSet<PersonField>,
    #[serde(default)]
    pub call_list: std::collections::BTreeSet<PersonField>,
}

impl PacketFields {
    pub fn is_empty(&self) -> bool {
        self.turf.is_empty() && self.call_list.is_empty()
    }

    /// Whether a packet of `kind` carries `field`.
    pub fn carries(&self, kind: AssignmentKind, field: PersonField) -> bool {
        match kind {
            AssignmentKind::Turf => self.turf.contains(&field),
            AssignmentKind::CallList => {
                field == PersonField::Phones || self.call_list.contains(&field)
            }
        }
    }
}

/// The one format of a campaign id, checked when a campaign is created: 2 to
/// 63 characters, lowercase ASCII letters, digits and dashes, starting with a
/// letter or digit. Ids name files and URLs, so two ids that differ only in
/// case or punctuation (`coll.x`, `Coll_X`) could collide there: no such id
/// is accepted at all.
pub fn check_campaign_id(id: &str) -> Result<(), String> {
    let ok = (2..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && id
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "campaign id {id:?} is not valid: use 2 to 63 characters of lowercase letters a-z, digits and dashes, starting with a letter or digit (for example \"mayor-2026\")"
        ))
    }
}

/// Local-time window in which contacts may be called. US law allows 8:00 to
/// 21:00 in the called person's local time; campaigns often narrow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for CallingHours {
    fn default() -> Self {
        CallingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            end: NaiveTime::from_hms_opt(20, 0, 0).expect("valid time"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volunteer {
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentKind {
    Turf,
    CallList,
}

impl AssignmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentKind::Turf => "turf",
            AssignmentKind::CallList => "call_list",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "turf" => Some(AssignmentKind::Turf),
            "call_list" => Some(AssignmentKind::CallList),
            _ => None,
        }
    }
}

/// How a turf is worked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurfMode {
    /// Knock, talk, record answers.
    #[default]
    Canvass,
    /// Leave literature at each door: one tap per door, no conversations.
    LitDrop,
}

impl TurfMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TurfMode::Canvass => "canvass",
            TurfMode::LitDrop => "lit_drop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "canvass" => Some(TurfMode::Canvass),
            "lit_drop" => Some(TurfMode::LitDrop),
            _ => None,
        }
    }

    fn is_canvass(&self) -> bool {
        *self == TurfMode::Canvass
    }
}

/// A volunteer's assignment: one turf or one call list, with the script to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: String,
    pub kind: AssignmentKind,
    /// The turf id or call list id, depending on `kind`.
    pub unit_id: String,
    pub script_id: String,
    pub volunteer_id: String,
    pub expires_at: DateTime<Utc>,
    /// How a turf is worked (call lists: always canvass).
    #[serde(default, skip_serializing_if = "TurfMode::is_canvass")]
    pub mode: TurfMode,
}

impl Assignment {
    /// The results document id of this assignment's unit: `turf:<id>` or `calls:<id>`.
    pub fn unit_doc_id(&self) -> String {
        match self.kind {
            AssignmentKind::Turf => format!("turf:{}", self.unit_id),
            AssignmentKind::CallList => format!("calls:{}", self.unit_id),
        }
    }
}
