//! Join links, as printed by `admin invite` and shown as QR codes:
//! `walkbook://join?server=<percent-encoded URL>&code=<invite code>`.
//! Built and read here, once, for the server and every app.

/// What a join link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinLink {
    pub server_url: String,
    pub invite_code: String,
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The link for an invite code on a server.
pub fn join_link(server_url: &str, code: &str) -> String {
    format!(
        "walkbook://join?server={}&code={}",
        percent_encode(server_url),
        percent_encode(code)
    )
}

/// What is wrong with a join link or a server address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not `walkbook://join?…` at all.
    NotOurs,
    /// A value's percent-encoding does not decode.
    Damaged(String),
    /// A key appears twice (changed on the way).
    Twice(String),
    NoServer,
    NoCode,
    /// The server address is not a URL.
    NotAnAddress(String),
    /// Plain `http://` to another machine: voter data would travel unprotected.
    Unprotected(String),
}

impl LinkProblem {
    /// In words for the volunteer holding the phone, in English or Spanish.
    pub fn words(&self, spanish: bool) -> String {
        use LinkProblem::*;
        match (self, spanish) {
            (NotOurs, false) => "this is not a walkbook join link (it starts walkbook://join?); ask your organizer for the QR code or link".into(),
            (NotOurs, true) => "esto no es un enlace de walkbook (empieza con walkbook://join?); pida a su organizador el código QR o el enlace".into(),
            (Damaged(key), false) => format!("the link's {key} is damaged; scan the code again"),
            (Damaged(key), true) => format!("el campo {key} del enlace está dañado; escanee el código otra vez"),
            (Twice(key), false) => format!("the link names its {key} twice; it was changed on the way, ask your organizer for a new one"),
            (Twice(key), true) => format!("el enlace repite {key}; fue alterado, pida uno nuevo a su organizador"),
            (NoServer, false) => "the link has no server address (https://…); ask your organizer for a new one".into(),
            (NoServer, true) => "el enlace no tiene dirección de servidor (https://…); pida uno nuevo a su organizador".into(),
            (NoCode, false) => "the link has no invite code; ask your organizer for a new one".into(),
            (NoCode, true) => "el enlace no tiene código de invitación; pida uno nuevo a su organizador".into(),
            (NotAnAddress(url), false) => format!("{url:?} is not a server address; it looks like https://walkbook.example.org"),
            (NotAnAddress(url), true) => format!("{url:?} no es una dirección de servidor; se parece a https://walkbook.example.org"),
            (Unprotected(host), false) => format!("the server {host} is not reached over https://, so voter data would travel unprotected; ask your organizer for an https:// link"),
            (Unprotected(host), true) => format!("al servidor {host} no se llega por https://, así que los datos de votantes viajarían sin protección; pida a su organizador un enlace https://"),
        }
    }
}

/// Reads a scanned or typed join link. The error says what is wrong with
/// it, in words for the volunteer holding the phone.
pub fn parse_join_link(text: &str) -> Result<JoinLink, String> {
    read_join_link(text).map_err(|p| p.words(false))
}

/// [`parse_join_link`] with the problem as a value (for the join screen,
/// which words it in the volunteer's language).
pub fn read_join_link(text: &str) -> Result<JoinLink, LinkProblem> {
    let rest = text
        .trim()
        .strip_prefix("walkbook://join?")
        .ok_or(LinkProblem::NotOurs)?;
    let mut server = None;
    let mut code = None;
    for pair in rest.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').ok_or(LinkProblem::NotOurs)?;
        let value = percent_decode(value).ok_or_else(|| LinkProblem::Damaged(key.into()))?;
        let slot = match key {
            "server" => &mut server,
            "code" => &mut code,
            _ => continue, // room for later additions
        };
        if slot.replace(value).is_some() {
            return Err(LinkProblem::Twice(key.into()));
        }
    }
    let server = server
        .filter(|s| s.starts_with("https://") || s.starts_with("http://"))
        .ok_or(LinkProblem::NoServer)?;
    let code = code
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .ok_or(LinkProblem::NoCode)?;
    Ok(JoinLink {
        server_url: server,
        invite_code: code,
    })
}

/// The host of an `http(s)://host[:port]/…` URL (brackets kept off IPv6).
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split_once(']')?.0
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// Whether a server address may carry voter data: `https://`, or
/// `http://` to this phone itself. The problem in English words.
pub fn server_url_problem(url: &str) -> Option<String> {
    check_server_url(url).err().map(|p| p.words(false))
}

/// [`server_url_problem`] as a value.
pub fn check_server_url(url: &str) -> Result<(), LinkProblem> {
    let host = url_host(url).ok_or_else(|| LinkProblem::NotAnAddress(url.into()))?;
    if url.starts_with("https://") {
        return Ok(());
    }
    let loopback = host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.starts_with("http://") && loopback {
        return Ok(());
    }
    Err(LinkProblem::Unprotected(host.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_round_trips_and_bad_ones_say_why() {
        let link = join_link("https://walkbook.example.org:8443/x", "ABCD-EFGH-JKLM");
        assert_eq!(
            link,
            "walkbook://join?server=https%3A%2F%2Fwalkbook.example.org%3A8443%2Fx&code=ABCD-EFGH-JKLM"
        );
        assert_eq!(
            parse_join_link(&format!(" {link} ")),
            Ok(JoinLink {
                server_url: "https://walkbook.example.org:8443/x".into(),
                invite_code: "ABCD-EFGH-JKLM".into(),
            })
        );
        // As older servers printed it (server not encoded), lower case code.
        assert_eq!(
            parse_join_link("walkbook://join?server=http://127.0.0.1:8080&code=abcd").unwrap(),
            JoinLink {
                server_url: "http://127.0.0.1:8080".into(),
                invite_code: "ABCD".into(),
            }
        );
        for (text, says) in [
            (
                "https://example.org/join?code=x",
                "not a walkbook join link",
            ),
            ("walkbook://join?server=ftp://x&code=y", "no server"),
            ("walkbook://join?server=https://a&code=X&code=Y", "twice"),
            (
                "walkbook://join?server=https://a&server=https://b&code=X",
                "twice",
            ),
            ("walkbook://join?server=https://a", "no invite code"),
            ("walkbook://join?server=https%3&code=X", "damaged"),
            ("walkbook://join?server=https%FF%FE&code=X", "damaged"),
            ("", "not a walkbook join link"),
        ] {
            let err = parse_join_link(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
