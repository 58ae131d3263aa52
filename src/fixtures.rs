//! Hand-built data for tests, snapshots and the render benchmark: a customer
//! with a hyphenated name, one with a CJK name, and one whose text carries
//! terminal escape sequences and bidi overrides. Fixed dates, so snapshots
//! never change with the clock. Nothing here comes from the server's
//! generator, so the screens are tested against data we can read.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rapport_api::*;

use crate::app::{Action, AppState, Connection, Effect, update};
use crate::keymap::Command;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 30, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The signed-in demo agent.
pub fn me() -> Me {
    Me {
        agent: Agent {
            id: 1,
            name: "Mei Lin".into(),
            role: Role::Agent,
            team: Some("Billing".into()),
        },
        server_version: "0.1.0".into(),
    }
}

pub fn health() -> Health {
    Health {
        status: "ok".into(),
        version: "0.1.0".into(),
        database: "sqlite".into(),
    }
}

/// Three hits for "oka": a name match, a phone match with a CJK name, and
/// an email match found after a typo correction.
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
        sentiment: None,
        follow_up_on: None,
        complaint_id: None,
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
                summary_due_at: Some(t + Duration::hours(50)),
                owner: Some(AgentRef {
                    id: 1,
                    name: "Mei Lin".into(),
                }),
                escalated: false,
                resolution_note: None,
                resolved_at: None,
                updated_at: Some(t - Duration::hours(2)),
                recovery_actions: vec![RecoveryAction {
                    id: 901,
                    complaint_id: 481,
                    customer_id: 12345,
                    kind: RecoveryKind::Apology,
                    amount_minor: None,
                    currency: None,
                    note: "Apologised for the missed delivery".into(),
                    due_at: None,
                    status: RecoveryStatus::Done,
                    approval_reason: None,
                    requested_by: AgentRef {
                        id: 1,
                        name: "Mei Lin".into(),
                    },
                    requested_at: t - Duration::hours(2),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                    done_at: Some(t - Duration::hours(2)),
                    version: 1,
                }],
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
                summary_due_at: Some(t - Duration::hours(30)),
                owner: None,
                escalated: true,
                resolution_note: None,
                resolved_at: None,
                updated_at: Some(t - Duration::days(1)),
                recovery_actions: vec![RecoveryAction {
                    id: 902,
                    complaint_id: 477,
                    customer_id: 12345,
                    kind: RecoveryKind::Refund,
                    amount_minor: Some(18_000),
                    currency: Some("GBP".into()),
                    note: "Refund of the duplicate October charge".into(),
                    due_at: None,
                    status: RecoveryStatus::PendingApproval,
                    approval_reason: Some("over the £50.00 limit per action".into()),
                    requested_by: AgentRef {
                        id: 1,
                        name: "Mei Lin".into(),
                    },
                    requested_at: t - Duration::hours(1),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                    done_at: None,
                    version: 1,
                }],
                version: 5,
            },
        ],
        goodwill_year_minor: 2_500,
        authority: Some(Authority {
            currency: "GBP".into(),
            per_action_minor: Some(5_000),
            per_day_minor: Some(20_000),
            used_today_minor: 2_500,
            remaining_minor: 5_000,
        }),
        viewers: vec![AgentRef {
            id: 7,
            name: "Tom Baker".into(),
        }],
        server_time: t,
        analytics: Some(analytics()),
    }
}

/// Jane's figures: a Champion with a churn flag (three contacts this month
/// and a complaint past its SLA) and three suggestions.
pub fn analytics() -> CustomerAnalytics {
    let suggestion = |rule: i64,
                      kind,
                      offer: &str,
                      because: &str,
                      conf: f64,
                      lift: f64,
                      margin: i64,
                      why: &str| {
        Suggestion {
            id: (rule << 32) | 12345,
            kind,
            rule_id: rule,
            offer: offer.into(),
            because: because.into(),
            support: 0.021,
            confidence: conf,
            lift,
            expected_value_minor: (conf * margin as f64).round() as i64,
            margin_minor: margin,
            currency: "GBP".into(),
            rationale: why.into(),
        }
    };
    CustomerAnalytics {
        customer_id: 12345,
        as_of: day(2026, 11, 20),
        computed_at: Utc.with_ymd_and_hms(2026, 11, 20, 7, 0, 0).unwrap(),
        currency: "GBP".into(),
        rfm: Some(Rfm {
            recency_days: 18,
            orders_365: 7,
            spend_365_minor: 121_240,
            r: 5,
            f: 4,
            m: 5,
            segment: Segment::Champions,
        }),
        clv: Some(Clv {
            value_minor: 252_074,
            gc_minor: 82_000,
            aov_minor: 10_269,
            orders_per_year: 5.86,
            margin: 0.1363,
            retention: 0.83,
            retention_basis: RetentionBasis::Segment,
            retention_previous_buyers: 400,
            retention_retained: 332,
            discount_rate: 0.10,
        }),
        potential: ProfitPotential {
            actual_minor: 252_074,
            potential_minor: 5_130,
            unrealised_minor: 0,
            total_minor: 257_204,
        },
        nps: Some(NpsAnswer {
            score: 9,
            answered_on: day(2026, 10, 12),
            category: NpsCategory::Promoter,
        }),
        churn: ChurnRisk {
            score: 45,
            reasons: vec![
                ChurnReason {
                    signal: ChurnSignal::MoreContacts,
                    points: 20,
                    text: "3 contacts in 30 days vs 0.4 usual".into(),
                },
                ChurnReason {
                    signal: ChurnSignal::BreachedComplaint,
                    points: 25,
                    text: "complaint #477 open past its SLA (+1 open)".into(),
                },
            ],
        },
        profit_365_minor: 81_240,
        profit_decile: Some(1),
        suggestions: vec![
            suggestion(
                7,
                SuggestionKind::CrossSell,
                "Travel insurance",
                "Roaming packs",
                0.45,
                3.1,
                5_200,
                "bought Roaming packs; 45% of orders with Roaming packs also have Travel insurance, lift 3.1",
            ),
            suggestion(
                12,
                SuggestionKind::UpSell,
                "Aurora Pro",
                "Aurora tier 2",
                0.18,
                1.9,
                12_000,
                "owns Aurora tier 2; 18% of Aurora tier 2 owners also own Aurora Pro, lift 1.9",
            ),
            suggestion(
                3,
                SuggestionKind::CrossSell,
                "Device care",
                "Handsets",
                0.35,
                1.4,
                1_800,
                "bought Handsets; 35% of orders with Handsets also have Device care, lift 1.4",
            ),
        ],
        marketing_allowed: true,
    }
}

/// What a supervisor sees on the insights screen.
pub fn insights() -> Insights {
    let group = |name: &str, p: i64, pa: i64, d: i64| NpsGroup {
        group: name.into(),
        answers: p + pa + d,
        promoters: p,
        passives: pa,
        detractors: d,
        nps: Some(100.0 * (p - d) as f64 / (p + pa + d) as f64),
        csat_answers: 40,
        csat: Some(72.5),
    };
    let shares = [0.31, 0.19, 0.13, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.01];
    Insights {
        as_of: day(2026, 11, 20),
        computed_at: Utc.with_ymd_and_hms(2026, 11, 20, 7, 0, 0).unwrap(),
        customers: 10_000,
        settings: AnalyticsSettings {
            discount_rate: 0.10,
            min_support: 0.002,
            min_confidence: 0.10,
            min_lift: 1.2,
            nps_window_days: 365,
            default_margin: 0.30,
        },
        pareto: vec![Pareto {
            currency: "GBP".into(),
            customers: 4_120,
            profit_minor: 41_200_000,
            deciles: shares
                .iter()
                .enumerate()
                .map(|(i, s)| Decile {
                    decile: i as u8 + 1,
                    customers: 412,
                    profit_minor: (41_200_000.0 * s) as i64,
                    share: *s,
                })
                .collect(),
            top20_share: 0.5,
        }],
        nps: NpsBreakdown {
            window_days: 365,
            from: day(2025, 11, 21),
            to: day(2026, 11, 20),
            overall: group("All customers", 420, 380, 403),
            by_segment: vec![
                group("Champions", 120, 60, 20),
                group("At risk", 20, 30, 80),
            ],
            by_team: vec![group("Billing", 90, 80, 70), group("Retention", 60, 40, 30)],
        },
        segments: vec![SegmentStats {
            segment: Segment::Champions,
            customers: 980,
            previous_buyers: 400,
            retained: 332,
            retention: Some(0.83),
        }],
        rules: vec![RuleStats {
            id: 7,
            kind: SuggestionKind::CrossSell,
            antecedent: "Roaming packs".into(),
            consequent: "Travel insurance".into(),
            support: 0.021,
            confidence: 0.45,
            lift: 3.1,
            active: true,
            open_suggestions: 812,
            accepted: 3,
            declined: 1,
            not_now: 0,
            conversion: Some(0.75),
        }],
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
    v.profile.address.line1 = "北区梅田1-1".into();
    v.profile.address.postcode = "530-0001".into();
    v.profile.address.country = "JP".into();
    v.profile.currency = "JPY".into();
    v.profile.tier = Tier::Silver;
    v.profile.stage = RelationshipStage::Dissolution;
    v.summary.currency = "JPY".into();
    v.summary.lifetime_spend_minor = 1_234_500;
    v.summary.monetary_minor = 30_110;
    for o in &mut v.recent_orders {
        o.currency = "JPY".into();
        o.total_minor = 38_900;
    }
    v.preferences.language = "ja-JP".into();
    v.preferences.notes = "日本語での対応を希望".into();
    v.interactions.truncate(3);
    v.interactions_cursor = None;
    v.open_complaints.clear();
    // Figures not computed yet (a server's first refresh still running).
    v.analytics = None;
    v
}

/// The page after cursor `c1` of Jane's history: older calls.
pub fn older_interactions() -> Vec<Interaction> {
    let t = now();
    (0..5)
        .map(|i| {
            interaction(
                -10 - i,
                Channel::Email,
                Direction::Outbound,
                "Newsletter",
                "Monthly statement sent",
                t - Duration::days(400 + 30 * i),
            )
        })
        .collect()
}

/// A customer whose every free-text field tries to act on the terminal:
/// colour and title escapes, a bidi override, C1 controls, line breaks.
pub fn hostile_customer_view() -> CustomerView {
    let mut v = customer_view();
    v.profile.id = 66666;
    v.profile.account_number = "ACC-0066666".into();
    v.profile.display_name = "Eve \u{202E}rekcah\u{202C} Mallory\u{1b}[2J".into();
    v.profile.address.line1 = "1 Hack St\r\n\u{1b}]0;owned\u{7}".into();
    v.preferences.notes =
        "Call after 6pm\n\u{1b}[31mRED\u{1b}[0m \u{1b}]52;c;ZXZpbA==\u{7} \u{9b}6n \u{7f}".into();
    v.preferences.contact_window = Some("\u{1b}[5m09:00-17:00".into());
    v.open_complaints[0].summary = "Refund\u{1b}[8m hidden \u{2066}text\u{2069}".into();
    v.open_complaints[0].category = "Billing\u{0}\u{1}".into();
    v.interactions[0].reason = "\u{1b}[1mBold".into();
    v.interactions[0].notes = "line one\nline two\u{1b}[A\u{1b}[K".into();
    if let Some(a) = v.analytics.as_mut() {
        a.churn.reasons[0].text = "3 contacts\u{1b}[2J in 30 days\u{7}".into();
        a.suggestions[0].offer = "Travel\u{1b}]0;owned\u{7} insurance".into();
        a.suggestions[0].rationale = "bought \u{202E}X\u{202C}; \u{9b}6n 45%".into();
    }
    v
}

/// A signed-in, connected app on the empty search screen, talking to
/// `http://127.0.0.1:8080`, with the clock at [`now`].
pub fn state_signed_in() -> AppState {
    let mut s = AppState::new("http://127.0.0.1:8080".into(), false, now());
    let fx = crate::app::init(&mut s);
    if let [Effect::SignIn { id }] = fx[..] {
        let fx = update(&mut s, Action::SignedIn(id, Ok(me())));
        if let [Effect::LoadTaxonomy { id }] = fx[..] {
            update(&mut s, Action::TaxonomyDone(id, Ok(taxonomy())));
        }
    }
    update(&mut s, Action::EventsUp);
    debug_assert_eq!(s.connection, Connection::Connected);
    s
}

/// The lists a server offers (as migration 0002 seeds them).
pub fn taxonomy() -> Taxonomy {
    let reasons = [
        ("billing_query", "Billing query", "Billing"),
        ("payment_arrangement", "Payment arrangement", "Billing"),
        ("roaming_charges", "Roaming charges", "Billing"),
        ("returns_refunds", "Returns and refunds", "Orders"),
        ("delivery_status", "Delivery status", "Orders"),
        ("upgrade_enquiry", "Upgrade enquiry", "Sales"),
        ("technical_fault", "Technical fault", "Support"),
        ("cancellation_request", "Cancellation request", "Retention"),
        ("complaint", "Complaint", "Service"),
        ("social_mention", "Social media mention", "Service"),
    ];
    Taxonomy {
        reasons: reasons
            .iter()
            .map(|(code, label, group)| ReasonCode {
                code: code.to_string(),
                label: label.to_string(),
                group: group.to_string(),
                channels: if *code == "social_mention" {
                    vec![Channel::Social]
                } else {
                    vec![Channel::Call, Channel::Email, Channel::Chat]
                },
            })
            .collect(),
        outcomes: [
            ("resolved", "Resolved"),
            ("information_given", "Information given"),
            ("follow_up", "Follow-up needed"),
            ("escalated", "Escalated"),
            ("complaint_opened", "Complaint opened"),
        ]
        .iter()
        .map(|(code, label)| OutcomeCode {
            code: code.to_string(),
            label: label.to_string(),
        })
        .collect(),
        complaint_categories: ["Billing error", "Delivery delay", "Device fault", "Other"]
            .iter()
            .map(|c| c.to_string())
            .collect(),
        recovery_kinds: RecoveryKind::ALL
            .into_iter()
            .map(|kind| RecoveryKindInfo {
                kind,
                label: kind.label().to_string(),
                money: kind.is_money(),
            })
            .collect(),
        sla: vec![
            SlaPolicy {
                severity: Severity::Critical,
                hours: 4,
            },
            SlaPolicy {
                severity: Severity::High,
                hours: 24,
            },
            SlaPolicy {
                severity: Severity::Medium,
                hours: 72,
            },
            SlaPolicy {
                severity: Severity::Low,
                hours: 120,
            },
        ],
    }
}

/// The search screen after typing "oka", with [`search_response`] shown.
pub fn state_with_results() -> AppState {
    let mut s = state_signed_in();
    for c in "oka".chars() {
        update(&mut s, Action::Input(c));
    }
    let id = s.search.latest;
    update(&mut s, Action::SearchDone(id, Ok(search_response())));
    s
}

/// The customer screen showing `view` (opened from the first search hit),
/// on the Overview tab. Send `Action::Resize` to choose the layout keys
/// act on; drawing picks the layout from the frame size.
pub fn state_with_customer(view: CustomerView) -> AppState {
    let mut s = state_with_results();
    // Open the hit of this customer when the results have it.
    let at = search_response()
        .hits
        .iter()
        .position(|h| h.id == view.profile.id)
        .unwrap_or(0);
    for _ in 0..at {
        update(&mut s, Action::Command(Command::Next));
    }
    let fx = update(&mut s, Action::Command(Command::Open));
    if let Some(id) = fx.iter().find_map(|f| match f {
        Effect::LoadView { id, .. } => Some(*id),
        _ => None,
    }) {
        update(&mut s, Action::ViewDone(id, Ok(Box::new(view))));
    }
    s
}
