//! Post-mortem metrics: what worked, by turf or call list, volunteer,
//! script version, day and hour of day. Pure over the attempts that count
//! (rolled-back and corrected ones are left out by the caller).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Timelike};
use walkbook_core::model::{Channel, ResultEffect};
use walkbook_core::results::Attempt;

/// The choice question whose options 1–5 are the support ID.
pub const SUPPORT_QUESTION: &str = "support";

/// A call-back is kept when the person is tried again between this long
/// before the time asked for…
const KEPT_EARLY_MS: i64 = 30 * 60 * 1000;
/// …and this long after it.
const KEPT_LATE_MS: i64 = 24 * 3600 * 1000;
/// A calling session shorter than this counts as this long (one call).
const MIN_SESSION_MS: i64 = 60 * 1000;

/// How metrics are broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Unit,
    Volunteer,
    Script,
    Day,
    Hour,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::Unit,
        Dimension::Volunteer,
        Dimension::Script,
        Dimension::Day,
        Dimension::Hour,
    ];

    /// As a table heading.
    pub fn heading(self) -> &'static str {
        match self {
            Dimension::Unit => "Turf or call list",
            Dimension::Volunteer => "Volunteer",
            Dimension::Script => "Script version",
            Dimension::Day => "Day",
            Dimension::Hour => "Hour of day",
        }
    }

    /// The column value in the CSV.
    pub fn id(self) -> &'static str {
        match self {
            Dimension::Unit => "unit",
            Dimension::Volunteer => "volunteer",
            Dimension::Script => "script",
            Dimension::Day => "day",
            Dimension::Hour => "hour",
        }
    }
}

/// One row: the attempts of one turf, volunteer, script version, day or hour.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricRow {
    pub key: String,
    /// Attempts that count, lit drops apart.
    pub attempts: u64,
    /// Door knocks and phone dials.
    pub knocks: u64,
    /// Literature left at doors (counted apart from attempts and knocks).
    pub lit_drops: u64,
    pub dials: u64,
    /// Attempts with answers: conversations.
    pub contacts: u64,
    /// Support ID 1..=5 given, by answer.
    pub support: [u64; 5],
    /// Come back / call back results asked for, and of those, how many
    /// were kept (the person tried again around the time asked for).
    pub callbacks: u64,
    pub callbacks_kept: u64,
    /// Time spent calling, in hours: per volunteer and day within this
    /// row, first call to last (a lone call counts a minute).
    pub calling_hours: f64,
}

impl MetricRow {
    pub fn contact_rate_percent(&self) -> f64 {
        if self.attempts == 0 {
            0.0
        } else {
            self.contacts as f64 * 100.0 / self.attempts as f64
        }
    }

    pub fn dials_per_hour(&self) -> Option<f64> {
        (self.calling_hours > 0.0).then(|| self.dials as f64 / self.calling_hours)
    }
}

/// Every dimension's rows, keys in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    pub by: BTreeMap<Dimension, Vec<MetricRow>>,
    pub total: MetricRow,
}

/// A row's key while counting: borrowed or numeric, formatted once per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Unit(&'a str),
    Volunteer(&'a str),
    Script(&'a str, u32),
    /// Days since the common era, local.
    Day(i32),
    Hour(u32),
}

impl Key<'_> {
    fn dimension(self) -> Dimension {
        match self {
            Key::Unit(_) => Dimension::Unit,
            Key::Volunteer(_) => Dimension::Volunteer,
            Key::Script(..) => Dimension::Script,
            Key::Day(_) => Dimension::Day,
            Key::Hour(_) => Dimension::Hour,
        }
    }

    fn text(self, clock: &super::clock::LocalClock) -> String {
        match self {
            Key::Unit(u) => u.replace(':', " "),
            Key::Volunteer(v) => v.to_string(),
            Key::Script(s, v) => format!("{s} v{v}"),
            Key::Day(d) => clock.day_text(d),
            Key::Hour(h) => format!("{h:02}:00"),
        }
    }
}

/// The metrics of `attempts` (those that count), each with its document
/// id (its turf or call list), times in `tz`.
pub fn metrics(attempts: &[(&str, &Attempt)], tz: chrono_tz::Tz) -> Metrics {
    let clock = super::clock::LocalClock::new(tz);
    // When each person was tried, for call-backs kept.
    let mut tried: HashMap<&str, Vec<i64>> = HashMap::new();
    for (_, a) in attempts {
        if let Some(p) = &a.person_id {
            tried.entry(p).or_default().push(a.at_ms);
        }
    }
    let kept = |a: &Attempt| -> bool {
        let (Some(p), Some(t)) = (&a.person_id, a.callback_at_ms) else {
            return false;
        };
        tried.get(p.as_str()).is_some_and(|times| {
            times
                .iter()
                .any(|&at| at > a.at_ms && at >= t - KEPT_EARLY_MS && at <= t + KEPT_LATE_MS)
        })
    };
    let mut rows: HashMap<Key<'_>, MetricRow> = HashMap::new();
    let mut total = MetricRow::default();
    // Calling sessions: (row, volunteer, day) -> (first, last).
    let mut sessions: HashMap<(Option<Key<'_>>, &str, i32), (i64, i64)> = HashMap::new();
    for (unit, a) in attempts {
        let came_back = a.effect == Some(ResultEffect::ComeBack) && a.callback_at_ms.is_some();
        let is_kept = came_back && kept(a);
        let local = clock.local(a.at_ms);
        let day = local.map_or(i32::MIN, |t| t.date().num_days_from_ce());
        let keys = [
            Key::Unit(unit),
            Key::Volunteer(&a.volunteer_id),
            Key::Script(&a.script_id, a.script_version),
            Key::Day(day),
            Key::Hour(local.map_or(0, |t| t.hour())),
        ];
        let support = a
            .responses
            .get(SUPPORT_QUESTION)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| (1..=5).contains(n));
        let lit_drop = a.effect == Some(ResultEffect::LitDrop);
        let add = |row: &mut MetricRow| {
            if lit_drop {
                row.lit_drops += 1;
                return;
            }
            row.attempts += 1;
            match a.channel {
                Channel::Door => row.knocks += 1,
                Channel::Phone => row.dials += 1,
            }
            if !a.responses.is_empty() || !a.text_answers.is_empty() {
                row.contacts += 1;
            }
            if let Some(n) = support {
                row.support[n - 1] += 1;
            }
            if came_back {
                row.callbacks += 1;
            }
            if is_kept {
                row.callbacks_kept += 1;
            }
        };
        add(&mut total);
        for k in keys {
            add(rows.entry(k).or_default());
        }
        if a.channel == Channel::Phone {
            for k in std::iter::once(None).chain(keys.map(Some)) {
                let s = sessions
                    .entry((k, a.volunteer_id.as_str(), day))
                    .or_insert((a.at_ms, a.at_ms));
                *s = (s.0.min(a.at_ms), s.1.max(a.at_ms));
            }
        }
    }
    let hours = |(first, last): (i64, i64)| (last - first).max(MIN_SESSION_MS) as f64 / 3_600_000.0;
    for ((k, _, _), span) in sessions {
        match k {
            None => total.calling_hours += hours(span),
            Some(k) => {
                if let Some(row) = rows.get_mut(&k) {
                    row.calling_hours += hours(span);
                }
            }
        }
    }
    total.key = "all".into();
    let mut by: BTreeMap<Dimension, Vec<MetricRow>> = BTreeMap::new();
    for (k, mut row) in rows {
        row.key = k.text(&clock);
        by.entry(k.dimension()).or_default().push(row);
    }
    for list in by.values_mut() {
        list.sort_by(|a, b| a.key.cmp(&b.key));
    }
    Metrics { by, total }
}

/// The metrics as CSV: one row per dimension and key, formula-safe.
pub fn metrics_csv(m: &Metrics) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "dimension",
        "key",
        "attempts",
        "knocks",
        "dials",
        "contacts",
        "contact_rate_percent",
        "support_1",
        "support_2",
        "support_3",
        "support_4",
        "support_5",
        "callbacks",
        "callbacks_kept",
        "calling_hours",
        "dials_per_hour",
        "lit_drops",
    ])?;
    let rows = std::iter::once(("all", &m.total)).chain(
        m.by.iter()
            .flat_map(|(d, rows)| rows.iter().map(move |r| (d.id(), r))),
    );
    for (d, r) in rows {
        let mut cells = vec![
            d.to_string(),
            walkbook_core::export::csv_safe(&r.key).into_owned(),
            r.attempts.to_string(),
            r.knocks.to_string(),
            r.dials.to_string(),
            r.contacts.to_string(),
            format!("{:.1}", r.contact_rate_percent()),
        ];
        cells.extend(r.support.iter().map(u64::to_string));
        cells.extend([
            r.callbacks.to_string(),
            r.callbacks_kept.to_string(),
            format!("{:.2}", r.calling_hours),
            r.dials_per_hour()
                .map(|v| format!("{v:.1}"))
                .unwrap_or_default(),
            r.lit_drops.to_string(),
        ]);
        w.write_record(&cells)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A horizontal bar chart as inline SVG: one bar per (label, value), the
/// value written beside it (so the chart is readable without colour).
/// Labels are escaped here.
pub fn bar_chart_svg(title: &str, bars: &[(String, u64)]) -> String {
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let row = 22;
    let (label_w, bar_w) = (110, 360);
    let height = bars.len() * row + 8;
    let mut out = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {height}" width="100%" preserveAspectRatio="xMinYMin meet"><title>{}</title>"#,
        escape(title),
        label_w + bar_w + 70,
        escape(title)
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = i * row + 4;
        let w = (*v as f64 / max as f64 * bar_w as f64).round() as u64;
        out.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text><rect x="{label_w}" y="{y}" width="{w}" height="{}" class="bar"/><text x="{}" y="{}" class="chart-value">{v}</text>"#,
            label_w - 6,
            y + 14,
            escape(label),
            row - 6,
            label_w as u64 + w + 6,
            y + 14,
        ));
    }
    out.push_str("</svg>");
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(vol: &str, channel: Channel, at_s: i64) -> Attempt {
        Attempt {
            id: format!("{vol}-{at_s}"),
            person_id: Some(format!("P{at_s}")),
            household_id: "H1".into(),
            channel,
            result: Some("not_home".into()),
            effect: Some(ResultEffect::Retry),
            responses: Default::default(),
            text_answers: Default::default(),
            notes: String::new(),
            callback_at_ms: None,
            supersedes: vec![],
            // 2026-10-17 15:00 UTC = 10:00 in Chicago.
            at_ms: 1_792_249_200_000 + at_s * 1000,
            duration_s: None,
            phone_ref: None,
            volunteer_id: vol.into(),
            device_id: format!("dev-{vol}"),
            lat: None,
            lon: None,
            accuracy_m: None,
            script_id: "canvass".into(),
            script_version: 1,
            new_person: None,
        }
    }

    #[test]
    fn rows_add_up_by_every_dimension() {
        let tz: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        let mut talk = attempt("vol-a", Channel::Door, 0);
        talk.result = None;
        talk.effect = None;
        talk.responses = [("support".to_string(), "2".to_string())].into();
        let mut later = attempt("vol-a", Channel::Door, 4000);
        later.script_version = 2;
        // A call-back asked for at 10:10 for P600, kept by a call at 10:40…
        let mut ask = attempt("vol-b", Channel::Phone, 600);
        ask.effect = Some(ResultEffect::ComeBack);
        ask.callback_at_ms = Some(ask.at_ms + 1_800_000);
        let mut again = attempt("vol-b", Channel::Phone, 2400);
        again.person_id = Some("P600".into());
        // …and one never kept.
        let mut lost = attempt("vol-b", Channel::Phone, 3000);
        lost.effect = Some(ResultEffect::ComeBack);
        lost.callback_at_ms = Some(lost.at_ms + 1_800_000);
        // A lit drop: counted apart, not an attempt.
        let mut drop = attempt("vol-a", Channel::Door, 60);
        drop.result = Some("lit_drop".into());
        drop.effect = Some(ResultEffect::LitDrop);
        let all = [talk, later, ask, again, lost, drop];
        let tagged: Vec<(&str, &Attempt)> = all
            .iter()
            .map(|a| {
                (
                    if a.channel == Channel::Door {
                        "turf:T1"
                    } else {
                        "calls:L1"
                    },
                    a,
                )
            })
            .collect();
        let m = metrics(&tagged, tz);
        assert_eq!(m.total.attempts, 5);
        assert_eq!(m.total.lit_drops, 1);
        assert_eq!((m.total.knocks, m.total.dials, m.total.contacts), (2, 3, 1));
        assert_eq!(m.total.support, [0, 1, 0, 0, 0]);
        assert_eq!((m.total.callbacks, m.total.callbacks_kept), (2, 1));
        // vol-b called from 10:10 to 10:50: 40 minutes, 3 dials.
        let vol_b = &m.by[&Dimension::Volunteer][1];
        assert_eq!(vol_b.key, "vol-b");
        assert!((vol_b.calling_hours - 40.0 / 60.0).abs() < 1e-9);
        assert!((vol_b.dials_per_hour().unwrap() - 4.5).abs() < 1e-9);
        let units: Vec<&str> = m.by[&Dimension::Unit]
            .iter()
            .map(|r| r.key.as_str())
            .collect();
        assert_eq!(units, ["calls L1", "turf T1"]);
        let scripts: Vec<(&str, u64)> = m.by[&Dimension::Script]
            .iter()
            .map(|r| (r.key.as_str(), r.attempts))
            .collect();
        assert_eq!(scripts, [("canvass v1", 4), ("canvass v2", 1)]);
        let hours: Vec<(&str, u64)> = m.by[&Dimension::Hour]
            .iter()
            .map(|r| (r.key.as_str(), r.attempts))
            .collect();
        assert_eq!(hours, [("10:00", 4), ("11:00", 1)]);
        assert_eq!(m.by[&Dimension::Day][0].key, "2026-10-17");
        let csv = String::from_utf8(metrics_csv(&m).unwrap()).unwrap();
        assert!(csv.starts_with("dimension,key,attempts"));
        assert!(
            csv.contains("\nall,all,5,2,3,1,20.0,0,1,0,0,0,2,1,0.67,4.5,1\n"),
            "{csv}"
        );
        assert!(
            csv.contains("\nvolunteer,vol-b,3,0,3,0,0.0,0,0,0,0,0,2,1,0.67,4.5,0\n"),
            "{csv}"
        );
        assert!(
            csv.contains("\nvolunteer,vol-a,2,2,0,1,50.0,0,1,0,0,0,0,0,0.00,,1\n"),
            "the lit drop apart: {csv}"
        );
    }

    #[test]
    fn a_formula_in_a_key_is_neutralised_in_the_csv() {
        let tz: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        let a = attempt("=HYPERLINK(\"http://x\")", Channel::Door, 0);
        let m = metrics(&[("turf:@SUM(1)", &a)], tz);
        let csv = String::from_utf8(metrics_csv(&m).unwrap()).unwrap();
        assert!(csv.contains("\nvolunteer,\"'=HYPERLINK"), "{csv}");
        assert!(csv.contains("\nunit,turf @SUM(1),"), "{csv}");
        assert!(!csv.contains(",=") && !csv.contains(",@"), "{csv}");
    }

    #[test]
    fn charts_escape_labels_and_write_values() {
        let svg = bar_chart_svg("A <b>", &[("x<y".into(), 3), ("z".into(), 0)]);
        assert!(svg.contains("x&lt;y") && !svg.contains("x<y"));
        assert!(svg.contains("A &lt;b&gt;"));
        assert!(svg.contains(">3</text>") && svg.contains(">0</text>"));
    }
}
