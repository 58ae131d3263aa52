//! Hand-built data for tests, snapshots and the render benchmark: a customer
//! with a hyphenated name, one with a CJK name, and notes carrying terminal
//! escape sequences. Fixed dates, so snapshots never change with the clock.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rapport_api::*;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 30, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn search_response() -> SearchResponse {
    let hit = |id, name: &str, acc: &str, tier, loc: &str, text: &str, field, kind| CustomerHit {
        id,
        account_number: acc.into(),
        display_name: name.into(),
        tier,
        locality: loc.into(),
        matched_text: text.into(),
        matched_field: field,
        match_kind: kind,
        score: 1.0,
    };
    SearchResponse {
        query: "oka".into(),
        hits: vec![
            hit(
                12345,
                "Jane Okafor-Lindqvist",
                "ACC-0012345",
                Tier::Gold,
                "London, GB",
                "Jane Okafor-Lindqvist",
                MatchField::Name,
                MatchKind::Prefix,
            ),
            hit(
                20001,
                "山田 太郎",
                "ACC-0020001",
                Tier::Silver,
                "大阪, JP",
                "+81 90 1234 5678",
                MatchField::Phone,
                MatchKind::Substring,
            ),
            hit(
                30007,
                "Chidi Okafor",
                "ACC-0030007",
                Tier::Standard,
                "Lagos, NG",
                "chidi.okafor@example.ng",
                MatchField::Email,
                MatchKind::Typo,
            ),
        ],
        more: false,
    }
}

fn interaction(
    id: i64,
    ch: Channel,
    dir: Direction,
    reason: &str,
    notes: &str,
    at: DateTime<Utc>,
) -> Interaction {
    Interaction {
        id,
        customer_id: 12345,
        channel: ch,
        direction: dir,
        reason: reason.into(),
        notes: notes.into(),
        outcome: "resolved".into(),
        agent: Some(AgentRef {
            id: 1,
            name: "Mei Lin".into(),
        }),
        started_at: at,
        ended_at: Some(at + Duration::minutes(6)),
    }
}

/// Jane Okafor-Lindqvist: history on several channels, one note with escape
/// sequences and a bidi override, two open complaints (one breached).
pub fn customer_view() -> CustomerView {
    let t = now();
    let mut interactions = vec![
        interaction(
            9,
            Channel::Call,
            Direction::Inbound,
            "Billing",
            "Disputed roaming charge, explained tariff",
            t - Duration::hours(2),
        ),
        interaction(
            8,
            Channel::Email,
            Direction::Outbound,
            "Retention",
            "Offer sent: 12% off plan renewal",
            t - Duration::days(2),
        ),
        interaction(
            7,
            Channel::Chat,
            Direction::Inbound,
            "Delivery",
            "Courier missed window \u{1b}[31mURGENT\u{1b}[0m \u{1b}]0;pwned\u{7} \u{202E}gnp.exe",
            t - Duration::days(23),
        ),
        interaction(
            6,
            Channel::Store,
            Direction::Inbound,
            "Upgrade",
            "Visited Oxford St store for handset demo",
            t - Duration::days(40),
        ),
        interaction(
            5,
            Channel::Sms,
            Direction::Outbound,
            "Reminder",
            "Payment reminder sent",
            t - Duration::days(55),
        ),
        interaction(
            4,
            Channel::Web,
            Direction::Inbound,
            "Account",
            "Changed billing address online",
            t - Duration::days(70),
        ),
        interaction(
            3,
            Channel::Social,
            Direction::Inbound,
            "Complaint",
            "Tweet about signal in SE1",
            t - Duration::days(90),
        ),
    ];
    for i in 0..8 {
        interactions.push(interaction(
            2 - i,
            Channel::Call,
            Direction::Inbound,
            "Technical",
            "Router restart walked through",
            t - Duration::days(100 + 10 * i),
        ));
    }
    let months = [
        "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07",
        "2026-08", "2026-09", "2026-10", "2026-11",
    ];
    let amounts = [
        12000, 3000, 4500, 0, 8000, 15000, 9000, 21240, 7000, 11000, 16000, 5000,
    ];
    CustomerView {
        profile: Profile {
            id: 12345,
            account_number: "ACC-0012345".into(),
            given_name: "Jane".into(),
            family_name: "Okafor-Lindqvist".into(),
            display_name: "Jane Okafor-Lindqvist".into(),
            phones: vec![Phone {
                e164: "+447700900123".into(),
                kind: PhoneKind::Mobile,
            }],
            emails: vec!["jane.okafor@example.org".into()],
            address: Address {
                line1: "12 Acacia Avenue".into(),
                line2: None,
                city: "London".into(),
                region: None,
                postcode: "SE1 7PB".into(),
                country: "GB".into(),
            },
            birthday: Some(day(1986, 4, 2)),
            customer_since: day(2019, 3, 14),
            tier: Tier::Gold,
            stage: RelationshipStage::Commitment,
            currency: "GBP".into(),
        },
        preferences: Preferences {
            channel: Channel::Email,
            language: "en-GB".into(),
            contact_window: Some("09:00-17:00".into()),
            notes: "Prefers a call back rather than holding".into(),
            consent: Consent {
                email: true,
                sms: false,
                phone: false,
                post: true,
                do_not_contact: false,
            },
            updated_at: t - Duration::days(30),
            updated_by: Some(AgentRef {
                id: 1,
                name: "Mei Lin".into(),
            }),
            version: 3,
        },
        summary: PurchaseSummary {
            as_of: t.date_naive(),
            currency: "GBP".into(),
            lifetime_spend_minor: 421_040,
            orders: 41,
            first_purchase: Some(day(2019, 3, 14)),
            last_purchase: Some(day(2026, 11, 2)),
            days_since_last_purchase: Some(18),
            frequency: 38,
            recency_days: 2790,
            t_days: 2808,
            monetary_minor: 10_212,
            monthly_spend: months
                .iter()
                .zip(amounts)
                .map(|(m, a)| MonthSpend {
                    month: m.to_string(),
                    amount_minor: a,
                })
                .collect(),
        },
        recent_orders: vec![OrderSummary {
            id: 88213,
            placed_at: t - Duration::days(18),
            channel: Channel::Web,
            total_minor: 21240,
            currency: "GBP".into(),
            items: 3,
            categories: vec!["Accessories".into(), "Roaming".into()],
        }],
        interactions,
        interactions_cursor: Some("c1".into()),
        open_complaints: vec![
            Complaint {
                id: 481,
                customer_id: 12345,
                category: "Late delivery".into(),
                severity: Severity::High,
                status: ComplaintStatus::Investigating,
                summary: "Handset promised Friday, not arrived".into(),
                remedy_sought: "Delivery or refund".into(),
                opened_at: t - Duration::hours(22),
                sla_due_at: t + Duration::minutes(130),
                final_response_due_at: Some(t + Duration::weeks(8)),
                owner: Some(AgentRef {
                    id: 1,
                    name: "Mei Lin".into(),
                }),
                escalated: false,
                version: 2,
            },
            Complaint {
                id: 477,
                customer_id: 12345,
                category: "Billing error".into(),
                severity: Severity::Medium,
                status: ComplaintStatus::Acknowledged,
                summary: "Charged twice for October".into(),
                remedy_sought: "Refund of duplicate charge".into(),
                opened_at: t - Duration::days(4),
                sla_due_at: t - Duration::hours(3),
                final_response_due_at: Some(t + Duration::days(52)),
                owner: None,
                escalated: true,
                version: 5,
            },
        ],
        server_time: t,
    }
}

/// 山田 太郎: a CJK name, family name first, yen without decimals, no history.
pub fn cjk_customer_view() -> CustomerView {
    let mut v = customer_view();
    v.profile.id = 20001;
    v.profile.account_number = "ACC-0020001".into();
    v.profile.given_name = "太郎".into();
    v.profile.family_name = "山田".into();
    v.profile.display_name = "山田 太郎".into();
    v.profile.phones = vec![Phone {
        e164: "+819012345678".into(),
        kind: PhoneKind::Mobile,
    }];
    v.profile.emails = vec!["taro.yamada@example.jp".into()];
    v.profile.address.city = "大阪".into();
    v.profile.address.country = "JP".into();
    v.profile.currency = "JPY".into();
    v.profile.tier = Tier::Silver;
    v.profile.stage = RelationshipStage::Dissolution;
    v.summary.currency = "JPY".into();
    v.summary.lifetime_spend_minor = 1_234_500;
    v.preferences.language = "ja-JP".into();
    v.preferences.notes = "日本語での対応を希望".into();
    v.interactions.truncate(3);
    v.interactions_cursor = None;
    v.open_complaints.clear();
    v
}
