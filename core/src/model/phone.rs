use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Landline,
    Unknown,
}

impl PhoneKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneKind::Mobile => "mobile",
            PhoneKind::Landline => "landline",
            PhoneKind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "mobile" | "cell" => Some(PhoneKind::Mobile),
            "landline" | "home" => Some(PhoneKind::Landline),
            "unknown" | "" => Some(PhoneKind::Unknown),
            _ => None,
        }
    }
}

/// A contact's phone number, stored in E.164 form (`+13125550123`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone {
    pub number: String,
    pub kind: PhoneKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("phone number {input:?} is not a valid North American number: {reason}")]
pub struct PhoneNumberError {
    pub input: String,
    pub reason: &'static str,
}

/// Normalises a North American phone number written any common way
/// ("(312) 555-0123", "312.555.0123", "+1 312 555 0123") to E.164.
pub fn normalize_phone(input: &str) -> Result<String, PhoneNumberError> {
    let err = |reason| PhoneNumberError {
        input: input.to_string(),
        reason,
    };
    let mut digits = String::with_capacity(11);
    for (i, c) in input.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(err(
                    "it contains characters other than digits, spaces, dashes, dots and parentheses",
                ));
            }
        }
    }
    let national = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('1') => &digits[1..],
        0 => return Err(err("it has no digits")),
        _ => return Err(err("it must have 10 digits (or 11 starting with 1)")),
    };
    // NANP: area code and exchange cannot start with 0 or 1.
    if matches!(national.as_bytes()[0], b'0' | b'1') {
        return Err(err("the area code cannot start with 0 or 1"));
    }
    if matches!(national.as_bytes()[3], b'0' | b'1') {
        return Err(err("the exchange cannot start with 0 or 1"));
    }
    Ok(format!("+1{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_spellings_normalise_to_e164() {
        for s in [
            "(312) 555-0123",
            "312.555.0123",
            "+1 312 555 0123",
            "13125550123",
            "3125550123",
        ] {
            assert_eq!(normalize_phone(s).unwrap(), "+13125550123", "{s}");
        }
    }

    #[test]
    fn letters_short_numbers_and_bad_area_codes_are_rejected() {
        assert!(normalize_phone("555-CALL-NOW").is_err());
        assert!(normalize_phone("555-0123").is_err());
        assert!(normalize_phone("(055) 555-0123").is_err());
        assert!(normalize_phone("").is_err());
        let e = normalize_phone("call me").unwrap_err();
        assert!(e.to_string().contains("call me"));
    }
}
