//! The sync badge: what the phone says about results not yet on the
//! server, in words first (never colour alone).

use super::words::Ui;

/// How the badge looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Waiting,
    Working,
    Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub text: String,
    pub tone: Tone,
    /// For TalkBack and VoiceOver.
    pub description: String,
}

/// The badge for `pending` results not yet on the server, while a sync is
/// `running`, after the last sync's `last_error` (none once a later sync
/// succeeded: pass the latest state, so an old error never lingers).
pub fn sync_badge(pending: u64, running: bool, last_error: Option<&str>) -> Badge {
    sync_badge_in(pending, running, last_error, Ui::En)
}

/// [`sync_badge`] worded in `ui`.
pub fn sync_badge_in(pending: u64, running: bool, last_error: Option<&str>, ui: Ui) -> Badge {
    let badge = |(text, description): (String, String), tone| Badge {
        text,
        tone,
        description,
    };
    if running {
        return badge(ui.syncing(), Tone::Working);
    }
    match (last_error, pending) {
        (Some(e), n) => badge(ui.sync_failed(e, n), Tone::Problem),
        (None, 0) => badge(ui.all_synced(), Tone::Good),
        (None, n) => badge(ui.waiting(n), Tone::Waiting),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_every_state_and_errors_only_from_the_latest_sync() {
        assert_eq!(sync_badge(0, false, None).tone, Tone::Good);
        assert_eq!(
            sync_badge(1, false, None).text,
            "1 result not on the server yet"
        );
        assert_eq!(
            sync_badge(3, false, None).text,
            "3 results not on the server yet"
        );
        assert_eq!(sync_badge(3, true, Some("old")).tone, Tone::Working);
        let failed = sync_badge(2, false, Some("cannot reach the server"));
        assert_eq!(failed.tone, Tone::Problem);
        assert!(
            failed
                .description
                .contains("2 results are safe on this phone")
        );
        assert_eq!(sync_badge(0, false, Some("x")).text, "Sync failed");
        let es = sync_badge_in(2, false, None, Ui::Es);
        assert_eq!(es.text, "2 resultados aún no están en el servidor");
        assert_eq!(es.tone, Tone::Waiting);
    }
}
