//! Changing a customer's contact preferences and marketing consent, keeping
//! who changed them and when. Updates name the version they read.

use chrono::NaiveTime;
use rapport_api::{CustomerId, EventBody, Preferences, PreferencesPatch};
use sqlx::SqliteConnection;

use super::{Writer, Written, current, text};
use crate::codes::Code;
use crate::error::{Error, Result};
use crate::view;

pub const NOTES_MAX: usize = 2000;

/// A BCP 47 language tag in the simple form people use: `en`, `en-GB`,
/// `zh-Hant-TW`.
pub fn valid_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `HH:MM-HH:MM`, start before end; returns it normalised.
pub fn parse_window(w: &str) -> Option<String> {
    let (a, b) = w.trim().split_once('-')?;
    let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
    let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
    (a < b).then(|| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M")))
}

pub async fn update(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    customer: CustomerId,
    expected: i64,
    patch: &PreferencesPatch,
) -> Result<Written<Preferences>> {
    super::customer_currency(&mut *conn, customer).await?;
    let before = view::preferences(&mut *conn, customer).await?;
    if before.version != expected {
        let by = before
            .updated_by
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "someone else".into());
        return Err(Error::Stale {
            message: format!(
                "These preferences were changed by {by} since you read them (your version {expected}, now {}). Review the changes and apply yours again.",
                before.version
            ),
            current: current(&before),
        });
    }
    if patch.is_empty() {
        return Err(Error::invalid("/", "The update changes nothing."));
    }
    let language = match &patch.language {
        Some(l) => {
            let l = l.trim();
            if !valid_language(l) {
                return Err(Error::invalid(
                    "/language",
                    format!("'{l}' is not a language tag such as en, en-GB or pl."),
                ));
            }
            l.to_string()
        }
        None => before.language.clone(),
    };
    let window = match &patch.contact_window {
        Some(wnd) if wnd.trim().is_empty() => None,
        Some(wnd) => Some(parse_window(wnd).ok_or_else(|| {
            Error::invalid(
                "/contact_window",
                format!(
                    "'{}' is not a contact window such as 09:00-17:00.",
                    wnd.trim()
                ),
            )
        })?),
        None => before.contact_window.clone(),
    };
    let notes = match &patch.notes {
        Some(n) => text("/notes", n, NOTES_MAX, false)?,
        None => before.notes.clone(),
    };
    let c = patch.consent.unwrap_or_default();
    let b = before.consent;
    let done = sqlx::query(
        "UPDATE preferences SET channel = ?, language = ?, contact_window = ?, notes = ?, \
         consent_email = ?, consent_sms = ?, consent_phone = ?, consent_post = ?, \
         do_not_contact = ?, updated_at = ?, updated_by = ?, version = version + 1 \
         WHERE customer_id = ? AND version = ?",
    )
    .bind(patch.channel.unwrap_or(before.channel).code())
    .bind(&language)
    .bind(&window)
    .bind(&notes)
    .bind(c.email.unwrap_or(b.email))
    .bind(c.sms.unwrap_or(b.sms))
    .bind(c.phone.unwrap_or(b.phone))
    .bind(c.post.unwrap_or(b.post))
    .bind(c.do_not_contact.unwrap_or(b.do_not_contact))
    .bind(w.at.timestamp())
    .bind(w.agent.id)
    .bind(customer)
    .bind(expected)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(
            "The preferences changed while they were being updated; try again.".into(),
        ));
    }
    let after = view::preferences(&mut *conn, customer).await?;
    let event = EventBody::PreferencesUpdated(after.clone());
    let trail = super::Trail {
        action: "preferences.update",
        entity: "preferences",
        entity_id: customer,
        customer_id: customer,
        before: Some(&before),
        event,
    };
    super::written(conn, w, after, trail).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        for ok in ["en", "en-GB", "pl", "zh-Hant-TW", "yue"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_GB", "en-", "en-G", "12"] {
            assert!(!valid_language(bad), "{bad}");
        }
    }

    #[test]
    fn windows() {
        assert_eq!(parse_window("9:00-17:30").as_deref(), Some("09:00-17:30"));
        assert_eq!(
            parse_window(" 08:00 - 12:00 ").as_deref(),
            Some("08:00-12:00")
        );
        assert_eq!(parse_window("17:00-09:00"), None);
        assert_eq!(parse_window("9-5"), None);
        assert_eq!(parse_window("25:00-26:00"), None);
    }
}
