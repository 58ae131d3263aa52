//! Hand-built data for tests, snapshots and the render benchmark: a customer
//! with a hyphenated name, one with a CJK name, and one whose text carries
//! terminal escape sequences and bidi overrides. Fixed dates, so snapshots
//! never change with the clock. Nothing here comes from the server's
//! generator, so the screens are tested against data we can read.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rapport_api::*;

use crate::app::calls::{QueuesAction, QueuesEffect};
use crate::app::{Action, AppState, Connection, Effect, Load, update};
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
        call_id: None,
    }
}

/// Jane Okafor-Lindqvist: history on several channels, one note with escape
/// sequences and a bidi override, two open complaints (one breached).
pub fn customer_view() -> CustomerView {
    let mut v = unmasked_customer_view();
    v.profile = v.profile.masked();
    v
}

/// [`customer_view`] with the contact details in full, as only a reveal
/// gives them.
pub fn unmasked_customer_view() -> CustomerView {
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
            contact_masked: false,
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
            retention_as_of: day(2025, 11, 20),
            discount_rate: 0.10,
        }),
        model_clv: Some(rapport_api::ModelClv {
            value_minor: 198_247,
            x: 41,
            t_x_weeks: 360.3,
            t_weeks: 364.0,
            p_alive: 0.97,
            expected_purchases_12m: 5.4,
            discounted_purchases: 33.2,
            expected_spend_minor: 43_810,
            margin: 0.1363,
            discount_rate: 0.10,
            horizon_years: 10,
            params: rapport_api::BtydParams {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
                customers: 2_357,
                p: 6.25,
                q: 3.74,
                gamma: 15.44,
                repeat_buyers: 946,
                currency: "GBP".into(),
            },
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
    v.profile.contact_masked = false;
    v.profile = v.profile.masked();
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
        // The agent's state is left unanswered: these screens show none.
        if let Some(id) = fx.iter().find_map(|f| match f {
            Effect::LoadTaxonomy { id } => Some(*id),
            _ => None,
        }) {
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

// ---------------------------------------------------------------- live queues

fn queue(id: i64, code: &str, name: &str, pct: u8, secs: u32, reason: &str) -> Queue {
    Queue {
        id,
        code: code.into(),
        name: name.into(),
        target: SlTarget { pct, secs },
        opens_min: 0,
        closes_min: 1440,
        wait_alert_secs: 60,
        reason: Some(reason.into()),
    }
}

/// A call from Jane's mobile in Billing, routed to Mei Lin three minutes
/// and twelve seconds ago (`customer`: the server found her by number).
pub fn call(customer: bool) -> Call {
    let t = now();
    Call {
        id: 7001,
        external_id: "pbx-7001".into(),
        leg: 1,
        queue_id: 1,
        caller: "+447700900123".into(),
        customer_id: customer.then_some(12345),
        customer_name: customer.then(|| "Jane Okafor-Lindqvist".into()),
        status: CallStatus::Talking,
        offered_at: t - Duration::seconds(204),
        answered_at: Some(t - Duration::seconds(192)),
        ended_at: None,
        wrapped_at: None,
        abandoned_at: None,
        transferred_at: None,
        hold_ms: 0,
        agent: Some(AgentRef {
            id: 1,
            name: "Mei Lin".into(),
        }),
        transferred_from: None,
        transferred_to: None,
    }
}

/// Mei Lin's status: `state` since `secs` ago, with `call`.
pub fn status(state: AgentState, secs: i64, call: Option<Call>) -> AgentStatus {
    AgentStatus {
        agent: AgentRef {
            id: 1,
            name: "Mei Lin".into(),
        },
        state,
        since: now() - Duration::seconds(secs),
        call,
        queues: vec![1, 2],
        simulated: false,
        caller_view: None,
    }
}

fn figures(offered: u32, answered: u32, within: u32, abandoned: u32, late: u32) -> Figures {
    let t = now();
    let mut f = Figures {
        from: t - Duration::minutes(30),
        to: t,
        offered,
        answered,
        answered_within: within,
        abandoned,
        abandoned_after: late,
        transferred: 0,
        wait_ms: answered as i64 * 38_000,
        handled: answered.saturating_sub(2),
        talk_ms: answered.saturating_sub(2) as i64 * 300_000,
        hold_ms: answered.saturating_sub(2) as i64 * 12_000,
        acw_ms: answered.saturating_sub(2) as i64 * 60_000,
        contact_ms: 9_000_000,
        idle_ms: 700_000,
        ..Figures::default()
    };
    let ratio = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
    f.sl = ratio(within as i64, answered as i64 + late as i64);
    f.asa_secs = ratio(f.wait_ms, answered as i64).map(|v| v / 1000.0);
    f.aht_secs = ratio(f.talk_ms + f.hold_ms + f.acw_ms, f.handled as i64).map(|v| v / 1000.0);
    f.abandon_rate = ratio(abandoned as i64, offered as i64);
    f.occupancy = ratio(f.contact_ms, f.contact_ms + f.idle_ms);
    f
}

/// The desk at 14:30: Billing backed up (SL 64% against 80/20, a caller
/// waiting 1:42), Retention fine, Sales quiet; six agents, two simulated.
pub fn desk() -> Desk {
    let t = now();
    let billing = queue(1, "billing", "Billing", 80, 20, "Billing query");
    let retention = queue(2, "retention", "Retention", 85, 20, "Contract renewal");
    let mut sales = queue(3, "sales", "Sales", 90, 15, "Upgrade enquiry");
    (sales.opens_min, sales.closes_min) = (8 * 60, 20 * 60);
    let live = |q: Queue,
                waiting: u32,
                oldest: Option<i64>,
                f: Figures,
                counts: StateCounts,
                need: Option<u32>| {
        let staffed = counts.staffed();
        let alerts = {
            let mut v = Vec::new();
            if f.sl.is_some_and(|s| s * 100.0 < q.target.pct as f64) {
                v.push(Alert {
                    queue_id: q.id,
                    kind: AlertKind::ServiceLevel,
                    message: format!(
                        "{}: SL {:.0}% over the last 30 min, below its {}% target",
                        q.name,
                        (f.sl.unwrap_or(0.0) * 100.0).floor(),
                        q.target.pct
                    ),
                });
            }
            if oldest.is_some_and(|o| o > q.wait_alert_secs as i64) {
                v.push(Alert {
                    queue_id: q.id,
                    kind: AlertKind::LongestWait,
                    message: format!("{}: a caller has waited too long", q.name),
                });
            }
            v
        };
        QueueLive {
            open: true,
            waiting,
            oldest_waiting_since: oldest.map(|s| t - Duration::seconds(s)),
            longest_wait_secs: oldest.unwrap_or(0) as u32,
            staffing: f.aht_secs.map(|aht| {
                let arrival = f.offered as f64 * 2.0;
                Staffing {
                    arrival_per_hour: arrival,
                    aht_secs: aht,
                    traffic_erlangs: arrival * aht / 3600.0,
                    required_agents: need,
                    staffed,
                    sl_if_staffed: Some(0.71),
                    asa_if_staffed_secs: Some(31.0),
                }
            }),
            offered_per_minute: (0..30).map(|i| ((i * 7) % 5) as u32).collect(),
            sl_trend: vec![
                Some(0.92),
                Some(0.85),
                Some(0.8),
                Some(0.7),
                Some(0.55),
                None,
            ],
            alerts,
            agents: counts,
            queue: q,
            window: f,
        }
    };
    let counts = |available, on_call, after_call_work, on_break, offline| StateCounts {
        available,
        on_call,
        after_call_work,
        on_break,
        offline,
    };
    let agent =
        |id: i64, name: &str, state: AgentState, secs: i64, call: Option<Call>, simulated| {
            AgentStatus {
                agent: AgentRef {
                    id,
                    name: name.into(),
                },
                state,
                since: t - Duration::seconds(secs),
                call,
                queues: vec![1],
                simulated,
                caller_view: None,
            }
        };
    let mut tom_call = call(false);
    tom_call.caller = "+441632960001".into();
    Desk {
        at: t,
        window_secs: WINDOW_SECS,
        queues: vec![
            live(
                billing,
                7,
                Some(102),
                figures(64, 50, 32, 6, 4),
                counts(0, 9, 3, 1, 1),
                Some(16),
            ),
            live(
                retention,
                1,
                Some(9),
                figures(22, 21, 20, 1, 0),
                counts(1, 4, 1, 0, 0),
                Some(6),
            ),
            live(
                sales,
                0,
                None,
                figures(0, 0, 0, 0, 0),
                counts(2, 0, 0, 0, 3),
                None,
            ),
        ],
        total: figures(86, 71, 52, 7, 4),
        fcr: Some(Fcr {
            from: t - Duration::days(14),
            to: t - Duration::days(7),
            contacts: 412,
            resolved: 361,
            rate: Some(361.0 / 412.0),
        }),
        agents: vec![
            agent(
                1,
                "Mei Lin",
                AgentState::OnCall,
                192,
                Some(call(true)),
                false,
            ),
            agent(7, "Tom Baker", AgentState::AfterCallWork, 41, None, false),
            agent(8, "Priya Shah", AgentState::Available, 125, None, false),
            agent(
                9,
                "Ines Duarte",
                AgentState::OnCall,
                75,
                Some(tom_call),
                true,
            ),
            agent(10, "Oliver Grant", AgentState::Break, 300, None, true),
            agent(11, "Raj Patel", AgentState::Offline, 7200, None, false),
        ],
    }
}

/// Two recovery actions over their requester's limit.
pub fn approvals() -> Vec<Approval> {
    let v = customer_view();
    let pending = v.open_complaints[1].recovery_actions[0].clone();
    let mut voucher = pending.clone();
    voucher.id = 903;
    voucher.kind = RecoveryKind::Voucher;
    voucher.amount_minor = Some(7_500);
    voucher.requested_by = AgentRef {
        id: 7,
        name: "Tom Baker".into(),
    };
    voucher.requested_at = now() - Duration::minutes(12);
    voucher.approval_reason = Some("over Tom Baker's £200.00 daily limit".into());
    vec![
        Approval {
            action: pending,
            customer_name: "Jane Okafor-Lindqvist".into(),
            account_number: "ACC-0012345".into(),
            complaint_category: "Billing error".into(),
            complaint_severity: Severity::Medium,
        },
        Approval {
            action: voucher,
            customer_name: "Chidi Okafor".into(),
            account_number: "ACC-0030007".into(),
            complaint_category: "Device fault".into(),
            complaint_severity: Severity::High,
        },
    ]
}

/// Jane's two open complaints: one past its SLA, one due in 2h 10m.
pub fn at_risk() -> Vec<Complaint> {
    let mut v = customer_view().open_complaints;
    v.reverse();
    v
}

/// Erlang C for Billing with 16 agents, as the server answers it.
pub fn what_if() -> WhatIf {
    let row = |agents: u32, p: f64, sl: f64, asa: f64, occ: f64| WhatIfRow {
        agents,
        p_wait: Some(p),
        sl: Some(sl),
        asa_secs: Some(asa),
        occupancy: Some(occ),
    };
    WhatIf {
        queue_id: 1,
        target: SlTarget { pct: 80, secs: 20 },
        arrival_per_hour: 128.0,
        aht_secs: 372.0,
        traffic_erlangs: 128.0 * 372.0 / 3600.0,
        required_agents: Some(16),
        staffed: 13,
        rows: vec![
            WhatIfRow {
                agents: 13,
                p_wait: None,
                sl: None,
                asa_secs: None,
                occupancy: None,
            },
            row(14, 0.71, 0.42, 132.0, 0.944),
            row(15, 0.45, 0.66, 41.0, 0.881),
            row(16, 0.27, 0.81, 17.0, 0.826),
            row(17, 0.15, 0.9, 8.0, 0.778),
            row(18, 0.08, 0.95, 4.0, 0.734),
            row(19, 0.04, 0.98, 2.0, 0.696),
        ],
    }
}

/// Signed in as the supervisor Ana Ruiz, on the desk with everything read.
pub fn state_supervisor() -> AppState {
    let mut s = state_signed_in();
    if let Load::Loaded(m) = &mut s.me {
        m.agent = Agent {
            id: 5,
            name: "Ana Ruiz".into(),
            role: Role::Supervisor,
            team: Some("Billing".into()),
        };
    }
    let fx = update(&mut s, Action::Command(Command::SupervisorDesk));
    for f in fx {
        let Effect::Queues(q) = f else { continue };
        let reply = match q {
            QueuesEffect::LoadDesk { id } => QueuesAction::DeskLoaded(id, Ok(Box::new(desk()))),
            QueuesEffect::LoadApprovals { id } => {
                QueuesAction::ApprovalsLoaded(id, Ok(approvals()))
            }
            QueuesEffect::LoadAtRisk { id } => QueuesAction::AtRiskLoaded(id, Ok(at_risk())),
            _ => continue,
        };
        update(&mut s, Action::Queues(Box::new(reply)));
    }
    s
}

/// Mei Lin on the search screen with her state read: `state` since `secs`.
pub fn state_agent_in(state: AgentState, secs: i64, call: Option<Call>) -> AppState {
    let mut s = state_signed_in();
    let id = s.fresh_id();
    s.calls.request = id;
    update(
        &mut s,
        Action::Queues(Box::new(QueuesAction::StateLoaded(
            id,
            Ok(status(state, secs, call)),
        ))),
    );
    update(
        &mut s,
        Action::ServerEvent(Box::new(Event {
            id: None,
            at: now(),
            by: None,
            customer_id: None,
            body: EventBody::Desk(Box::new(Desk {
                agents: vec![],
                ..desk()
            })),
        })),
    );
    s
}
