//! Phone numbers: E.164 parsing for storage, and reading what an agent types
//! (`+44 7700 900123`, `07700 900123`, `0044…`, `900123`) into the digit
//! strings the phone indexes are keyed on.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PhoneError {
    #[error("phone number '{0}' is not in E.164 form: expected '+' then 8 to 15 digits")]
    NotE164(String),
}

/// A phone number as stored: E.164 and the keys the indexes use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneKeys {
    /// `+447700900123`
    pub e164: String,
    /// `447700900123`
    pub digits: String,
    /// National significant number, without country code: `7700900123`.
    pub national: String,
    /// `digits` reversed, for "ends with" lookups through an index.
    pub digits_rev: String,
}

/// Keep ASCII digits only.
pub fn digits_of(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// Parse an E.164 number (`+` and 8–15 digits; spaces and punctuation ignored).
pub fn parse_e164(s: &str) -> Result<PhoneKeys, PhoneError> {
    let t = s.trim();
    let digits = digits_of(t);
    let ok = t.starts_with('+')
        && (8..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && t[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.'));
    if !ok {
        return Err(PhoneError::NotE164(s.to_string()));
    }
    let cc = country_code_len(&digits);
    Ok(PhoneKeys {
        e164: format!("+{digits}"),
        national: digits[cc..].to_string(),
        digits_rev: digits.chars().rev().collect(),
        digits,
    })
}

/// Length of the ITU-T E.164 country code at the start of `digits`.
pub fn country_code_len(digits: &str) -> usize {
    // Zones 1 (NANP) and 7 have one-digit codes; these have two; the rest three.
    const TWO: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    match digits.as_bytes().first() {
        Some(b'1') | Some(b'7') => 1,
        Some(_) if digits.len() >= 2 && TWO.contains(&&digits[..2]) => 2,
        Some(_) => 3.min(digits.len()),
        None => 0,
    }
}

/// How a typed phone number should be looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneQuery {
    /// Candidate full E.164 digit strings (country code included).
    pub full: Vec<String>,
    /// Candidate national significant numbers (trunk `0` removed).
    pub national: Vec<String>,
    /// All digits as typed, for "contains" and "ends with" matching.
    pub digits: String,
}

/// Read a typed phone number. `+44 7700 900123` and `0044 7700 900123` are
/// full international numbers; `07700 900123` is national (trunk prefix 0);
/// `447700900123` or `7700900123` could be either, so both are tried.
pub fn read_query(input: &str) -> PhoneQuery {
    let t = input.trim();
    let digits = digits_of(t);
    let mut full = Vec::new();
    let mut national = Vec::new();
    if t.starts_with('+') {
        full.push(digits.clone());
    } else if let Some(rest) = digits.strip_prefix("00") {
        full.push(rest.to_string());
    } else if let Some(rest) = digits.strip_prefix('0') {
        national.push(rest.to_string());
    } else {
        full.push(digits.clone());
        national.push(digits.clone());
    }
    full.retain(|d| !d.is_empty());
    national.retain(|d| !d.is_empty());
    PhoneQuery {
        full,
        national,
        digits,
    }
}

/// True when the input looks like a phone number being typed: digits with
/// the usual separators, and at least three digits.
pub fn looks_like_phone(input: &str) -> bool {
    let t = input.trim();
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.' | '/'))
        && digits_of(t).len() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_e164_with_country_codes() {
        let p = parse_e164("+44 7700 900123").unwrap();
        assert_eq!(p.e164, "+447700900123");
        assert_eq!(p.digits, "447700900123");
        assert_eq!(p.national, "7700900123");
        assert_eq!(p.digits_rev, "321009007744");
        assert_eq!(parse_e164("+14155550123").unwrap().national, "4155550123");
        assert_eq!(parse_e164("+353851234567").unwrap().national, "851234567");
        assert_eq!(parse_e164("+2348031234567").unwrap().national, "8031234567");
        assert_eq!(
            parse_e164("+8613812345678").unwrap().national,
            "13812345678"
        );
        assert_eq!(parse_e164("+971501234567").unwrap().national, "501234567");
    }

    #[test]
    fn rejects_non_e164() {
        assert!(parse_e164("07700900123").is_err());
        assert!(parse_e164("+44").is_err());
        assert!(parse_e164("+0447700900123").is_err());
        assert!(parse_e164("+44 7700 abc").is_err());
    }

    #[test]
    fn reads_typed_numbers() {
        let q = read_query("+44 7700 900123");
        assert_eq!(q.full, vec!["447700900123"]);
        assert!(q.national.is_empty());
        let q = read_query("07700900123");
        assert_eq!(q.national, vec!["7700900123"]);
        assert!(q.full.is_empty());
        let q = read_query("0044 7700 900123");
        assert_eq!(q.full, vec!["447700900123"]);
        let q = read_query("900123");
        assert_eq!(q.full, vec!["900123"]);
        assert_eq!(q.national, vec!["900123"]);
        assert_eq!(q.digits, "900123");
        let q = read_query("(415) 555-0123");
        assert_eq!(q.national, vec!["4155550123"]);
    }

    #[test]
    fn recognises_phone_input() {
        assert!(looks_like_phone("+44 7700 900123"));
        assert!(looks_like_phone("900"));
        assert!(!looks_like_phone("90"));
        assert!(!looks_like_phone("jane 900"));
        assert!(!looks_like_phone("ACC-0012345"));
    }
}
