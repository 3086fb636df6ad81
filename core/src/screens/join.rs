//! The join screen's decisions, once, for every shell: a scanned QR code,
//! a deep link or a pasted link is read by the one parser
//! ([`crate::sync::parse_join_link`]); the screen says which server and
//! invite it names, whether Join is allowed, and what is wrong in words.
//!
//! Voter data never travels in clear: a plain `http://` server is refused
//! unless it is this phone itself (a developer's loopback server).

use crate::sync::{check_server_url, read_join_link, url_host};

use super::words::Ui;

/// What the join screen shows for the link it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinView {
    pub server_url: Option<String>,
    /// The server's host name, to show the volunteer where they are joining.
    pub server_host: Option<String>,
    pub invite_code: Option<String>,
    pub can_join: bool,
    /// What is wrong with the link, for the volunteer.
    pub problem: Option<String>,
}

/// The join screen for a scanned, deep-linked or typed link, in English.
pub fn join_view(text: &str) -> JoinView {
    join_view_in(text, Ui::En)
}

/// The join screen, its problems worded in `ui`.
pub fn join_view_in(text: &str, ui: Ui) -> JoinView {
    let spanish = ui == Ui::Es;
    if text.trim().is_empty() {
        return JoinView {
            server_url: None,
            server_host: None,
            invite_code: None,
            can_join: false,
            problem: None,
        };
    }
    match read_join_link(text) {
        Ok(link) => {
            let problem = check_server_url(&link.server_url)
                .err()
                .map(|p| p.words(spanish));
            JoinView {
                server_host: url_host(&link.server_url).map(str::to_string),
                can_join: problem.is_none(),
                server_url: Some(link.server_url),
                invite_code: Some(link.invite_code),
                problem,
            }
        }
        Err(problem) => JoinView {
            server_url: None,
            server_host: None,
            invite_code: None,
            can_join: false,
            problem: Some(problem.words(spanish)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{join_link, server_url_problem};

    #[test]
    fn a_good_link_names_its_server_and_code() {
        let v = join_view(&join_link(
            "https://walkbook.example.org:8443/x",
            "ABCD-EFGH",
        ));
        assert_eq!(v.server_host.as_deref(), Some("walkbook.example.org"));
        assert_eq!(v.invite_code.as_deref(), Some("ABCD-EFGH"));
        assert!(v.can_join && v.problem.is_none());
        // Nothing typed yet: nothing to say.
        let v = join_view("  ");
        assert!(!v.can_join && v.problem.is_none());
    }

    #[test]
    fn plain_http_is_only_for_this_phone_itself() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:9",
        ] {
            assert_eq!(server_url_problem(ok), None, "{ok}");
        }
        for bad in [
            "http://walkbook.example.org",
            "http://10.0.2.2:8080",
            "http://127.0.0.1.example.org/",
            "http://user@example.org",
        ] {
            assert!(
                server_url_problem(bad).unwrap().contains("https://"),
                "{bad}"
            );
        }
        let v = join_view(&join_link("http://192.0.2.7:8080", "ABCD"));
        assert!(!v.can_join);
        assert!(v.problem.unwrap().contains("192.0.2.7"));
        assert_eq!(
            server_url_problem("https://"),
            Some(
                "\"https://\" is not a server address; it looks like https://walkbook.example.org"
                    .into()
            )
        );
    }

    #[test]
    fn problems_are_worded_in_the_volunteers_language() {
        let v = join_view_in(&join_link("http://192.0.2.7:8080", "ABCD"), Ui::Es);
        assert!(
            v.problem
                .unwrap()
                .starts_with("al servidor 192.0.2.7 no se llega por https://")
        );
        let v = join_view_in("hola", Ui::Es);
        assert!(
            v.problem
                .unwrap()
                .starts_with("esto no es un enlace de walkbook")
        );
    }

    #[test]
    fn a_damaged_link_says_what_is_wrong() {
        for (text, needle) in [
            (
                "https://example.org/join?code=x",
                "not a walkbook join link",
            ),
            ("walkbook://join?server=https://a&code=X&code=Y", "twice"),
            ("walkbook://join?server=https://a", "no invite code"),
        ] {
            let v = join_view(text);
            assert!(!v.can_join && v.server_url.is_none());
            assert!(v.problem.unwrap().contains(needle), "{text}");
        }
    }
}
