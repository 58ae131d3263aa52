//! Opaque keyset cursors for newest-first history: the position is the
//! (started_at, id) of the last item served, and the next page starts
//! strictly before it. Clients must treat the string as opaque.

use thiserror::Error;

const VERSION: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Seconds since the Unix epoch.
    pub started_at: i64,
    pub id: i64,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "this cursor was not issued by this server (or was cut short); start again without a cursor"
)]
pub struct BadCursor;

/// Encode a position as a short URL-safe string.
pub fn encode(p: Position) -> String {
    let mut bytes = Vec::with_capacity(17);
    bytes.push(VERSION);
    bytes.extend_from_slice(&p.started_at.to_be_bytes());
    bytes.extend_from_slice(&p.id.to_be_bytes());
    hex::encode(bytes)
}

/// Decode a string made by [`encode`].
pub fn decode(s: &str) -> Result<Position, BadCursor> {
    let bytes = hex::decode(s.trim()).map_err(|_| BadCursor)?;
    if bytes.len() != 17 || bytes[0] != VERSION {
        return Err(BadCursor);
    }
    let started_at = i64::from_be_bytes(bytes[1..9].try_into().map_err(|_| BadCursor)?);
    let id = i64::from_be_bytes(bytes[9..17].try_into().map_err(|_| BadCursor)?);
    Ok(Position { started_at, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for p in [
            Position {
                started_at: 0,
                id: 0,
            },
            Position {
                started_at: 1_735_689_600,
                id: 42,
            },
            Position {
                started_at: -5,
                id: i64::MAX,
            },
        ] {
            let s = encode(p);
            assert!(s.chars().all(|c| c.is_ascii_hexdigit()));
            assert_eq!(decode(&s), Ok(p));
        }
    }

    #[test]
    fn rejects_foreign_strings() {
        assert_eq!(decode(""), Err(BadCursor));
        assert_eq!(decode("zz"), Err(BadCursor));
        let good = encode(Position {
            started_at: 1,
            id: 2,
        });
        assert_eq!(decode(&good[..good.len() - 2]), Err(BadCursor));
        let mut wrong_version = good.clone();
        wrong_version.replace_range(0..2, "02");
        assert_eq!(decode(&wrong_version), Err(BadCursor));
    }

    proptest::proptest! {
        #[test]
        fn any_position_round_trips(started_at in proptest::num::i64::ANY, id in proptest::num::i64::ANY) {
            let p = Position { started_at, id };
            proptest::prop_assert_eq!(decode(&encode(p)), Ok(p));
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,40}") {
            let _ = decode(&s);
        }
    }
}
