//! The sync badge: what the phone says about results not yet on the
//! server, in words first (never colour alone).

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
    let badge = |text: String, tone, description: String| Badge {
        text,
        tone,
        description,
    };
    if running {
        return badge("Syncing…".into(), Tone::Working, "Sync in progress".into());
    }
    match (last_error, pending) {
        (Some(e), 0) => badge(
            "Sync failed".into(),
            Tone::Problem,
            format!("Sync failed: {e}"),
        ),
        (Some(e), n) => badge(
            format!("{n} not on the server yet"),
            Tone::Problem,
            format!("Sync failed: {e}. {n} results are safe on this phone."),
        ),
        (None, 0) => badge(
            "All results on the server".into(),
            Tone::Good,
            "All results are on the server".into(),
        ),
        (None, 1) => badge(
            "1 result not on the server yet".into(),
            Tone::Waiting,
            "1 result saved on this phone, not yet on the server".into(),
        ),
        (None, n) => badge(
            format!("{n} results not on the server yet"),
            Tone::Waiting,
            format!("{n} results saved on this phone, not yet on the server"),
        ),
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
    }
}
