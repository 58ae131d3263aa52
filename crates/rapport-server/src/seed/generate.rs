//! Generating one demo customer with their whole history.
//!
//! Each customer draws from its own random stream, seeded by the run's seed
//! and the customer's index, so a customer looks the same however the run is
//! chunked; ids of orders and interactions are handed out in order.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapport_api::{
    Address, Channel, ComplaintStatus, Consent, Direction, PhoneKind, RelationshipStage, Severity,
    Tier,
};

use super::catalogue::{self, PRODUCTS, Product};
use super::content::{self, REASONS, Reason};
use super::names::{self, CULTURES, Culture, FamilyStyle, Script};
use super::places;
use crate::customers::display_name;
use crate::phone::parse_e164;
use crate::store::{
    Batch, ComplaintRecord, CustomerRecord, InteractionRecord, LineRecord, OrderRecord,
    PreferencesRecord, SurveyKind, SurveyRecord, account_number,
};
use crate::text::ascii_slug;

const DAY: i64 = 86_400;
const YEAR: f64 = 365.25 * 86_400.0;

/// Share of customers whose activity is made to decline in the final year.
pub const DECLINING_SHARE: f64 = 0.15;
/// One customer in this many has hostile control sequences in their notes.
pub const HOSTILE_EVERY: u64 = 1000;
/// ... at this index within each block, so small data sets have one too.
pub const HOSTILE_AT: u64 = 7;

/// Everything shared by all customers of a run.
pub struct Context {
    pub seed: u64,
    pub anchor: NaiveDate,
    /// Midnight (UTC) at the start of the anchor day: history stops here.
    pub horizon: i64,
    /// Database id of each entry of [`PRODUCTS`], in the same order.
    pub product_ids: Vec<i64>,
    pub by_category: HashMap<&'static str, Vec<usize>>,
    /// Agents who handle contacts.
    pub agents: Vec<i64>,
}

impl Context {
    pub fn new(seed: u64, anchor: NaiveDate, product_ids: Vec<i64>, agents: Vec<i64>) -> Context {
        let mut by_category: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, p) in PRODUCTS.iter().enumerate() {
            by_category.entry(p.category).or_default().push(i);
        }
        // Entry level first, so a customer's taste maps onto the line.
        for v in by_category.values_mut() {
            v.sort_by_key(|&i| {
                (
                    PRODUCTS[i].line.map(|l| l.1).unwrap_or(2),
                    PRODUCTS[i].price_gbp_minor,
                )
            });
        }
        Context {
            seed,
            anchor,
            horizon: anchor
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc()
                .timestamp(),
            product_ids,
            by_category,
            agents,
        }
    }
}

/// Next ids to hand out.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    pub order: i64,
    pub interaction: i64,
}

/// SplitMix64: spreads (seed, index) into independent stream seeds.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub fn rng_for(seed: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed ^ mix(index)))
}

fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted<T: Copy>(rng: &mut impl Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut r = rng.random_range(0..total.max(1));
    for (v, w) in items {
        if r < *w {
            return *v;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn exponential(rng: &mut impl Rng, rate: f64) -> f64 {
    let u: f64 = rng.random();
    -(1.0 - u).max(1e-12).ln() / rate
}

fn date_of(t: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp(t, 0)
        .unwrap_or_default()
        .date_naive()
}

/// A time of day in business hours, weighted towards late morning and early
/// evening, on the day containing `t`.
fn business_time(rng: &mut impl Rng, t: i64, from_hour: i64, to_hour: i64) -> i64 {
    let day = t.div_euclid(DAY) * DAY;
    let span = (to_hour - from_hour).max(1);
    let a = rng.random_range(0..span);
    let b = rng.random_range(0..span);
    let hour = from_hour + (a + b) / 2;
    day + hour * 3600 + rng.random_range(0..3600)
}

/// The same day's 08:00 to 20:00, in proportion to where `t` falls in its
/// day: complaints come in while the lines are open. No random draw, so the
/// rest of the generated history stays as it was.
fn in_business_hours(t: i64) -> i64 {
    let day = t.div_euclid(DAY) * DAY;
    day + 8 * 3600 + (t - day) / 2
}

fn money(minor: i64, currency: &str) -> String {
    let major = minor / 100;
    let cents = (minor % 100).abs();
    match currency {
        "GBP" => format!("£{major}.{cents:02}"),
        "EUR" => format!("€{major}.{cents:02}"),
        "USD" => format!("${major}.{cents:02}"),
        "SEK" => format!("{major} kr"),
        "PLN" => format!("{major} zł"),
        other => format!("{major}.{cents:02} {other}"),
    }
}

/// Everything about one customer that the text templates may mention.
struct Story<'a> {
    currency: &'a str,
    city: &'a str,
    last_product: Option<&'static str>,
    last_order: Option<i64>,
}

fn fill(template: &str, at: i64, story: &Story<'_>, rng: &mut impl Rng) -> String {
    let mut out = template.to_string();
    let product_of = |cat: &str, rng: &mut ChaCha8Rng| -> &'static str {
        let items: Vec<&Product> = PRODUCTS.iter().filter(|p| p.category == cat).collect();
        items[rng.random_range(0..items.len())].name
    };
    // A local stream for the template, so the customer's stream advances by
    // a fixed amount whatever the template needs.
    let mut r = ChaCha8Rng::seed_from_u64(rng.random());
    let pairs: [(&str, String); 12] = [
        (
            "{product}",
            story
                .last_product
                .filter(|_| r.random_bool(0.7))
                .unwrap_or_else(|| PRODUCTS[r.random_range(0..PRODUCTS.len())].name)
                .to_string(),
        ),
        (
            "{handset}",
            product_of(catalogue::HANDSETS, &mut r).to_string(),
        ),
        (
            "{amount}",
            money(r.random_range(500..25_000), story.currency),
        ),
        ("{fee}", money(r.random_range(5..15) * 100, story.currency)),
        ("{country}", pick(&mut r, content::DESTINATIONS).to_string()),
        ("{city}", story.city.to_string()),
        (
            "{order}",
            story
                .last_order
                .unwrap_or_else(|| r.random_range(100_000..999_999))
                .to_string(),
        ),
        (
            "{month}",
            (date_of(at) - Duration::days(20)).format("%B").to_string(),
        ),
        (
            "{plan}",
            product_of(catalogue::SIM_PLANS, &mut r).to_string(),
        ),
        ("{roam}", product_of(catalogue::ROAMING, &mut r).to_string()),
        ("{weeks}", r.random_range(2..9).to_string()),
        (
            "{date}",
            (date_of(at) + Duration::days(r.random_range(1..6)))
                .format("%-d %B")
                .to_string(),
        ),
    ];
    for (k, v) in pairs {
        if out.contains(k) {
            out = out.replace(k, &v);
        }
    }
    out
}

fn nps_score(rng: &mut impl Rng, unhappy: bool) -> i64 {
    let r: f64 = rng.random();
    let (detractor, passive) = if unhappy { (0.6, 0.25) } else { (0.18, 0.32) };
    if r < detractor {
        rng.random_range(0..7)
    } else if r < detractor + passive {
        rng.random_range(7..9)
    } else {
        rng.random_range(9..11)
    }
}

fn csat_score(rng: &mut impl Rng, unhappy: bool) -> i64 {
    let r: f64 = rng.random();
    let low = if unhappy { 0.5 } else { 0.15 };
    if r < low {
        rng.random_range(1..3)
    } else if r < low + 0.2 {
        3
    } else {
        rng.random_range(4..6)
    }
}

/// A person's name: (given, family, email given part, email family part).
fn person(rng: &mut impl Rng, culture: &Culture) -> (String, String, String, String) {
    let female = rng.random_bool(0.5);
    match culture.script {
        Script::Cjk => {
            let f = pick(rng, culture.native_family);
            let g = pick(rng, culture.native_given);
            (
                g.script.to_string(),
                f.script.to_string(),
                g.latin.to_string(),
                f.latin.to_string(),
            )
        }
        Script::Latin => {
            // Some customers carry a given name from English usage.
            let given_pool = if rng.random_bool(0.06) {
                if female {
                    names::ENGLISH.female
                } else {
                    names::ENGLISH.male
                }
            } else if female {
                culture.female
            } else {
                culture.male
            };
            let given = pick(rng, given_pool).to_string();
            let mut family = pick(rng, culture.family).to_string();
            match culture.family_style {
                FamilyStyle::Double => {
                    let mut second = pick(rng, culture.family).to_string();
                    if second == family {
                        second = pick(rng, culture.family).to_string();
                    }
                    family = format!("{family} {second}");
                }
                FamilyStyle::Polish if female => family = names::polish_feminine(&family),
                _ => {}
            }
            // Double-barrelled names across cultures, e.g. Okafor-Lindqvist.
            if culture.family_style == FamilyStyle::Single && rng.random_bool(0.04) {
                let latin: Vec<&Culture> = CULTURES
                    .iter()
                    .copied()
                    .filter(|c| c.script == Script::Latin && c.family_style == FamilyStyle::Single)
                    .collect();
                let other = pick(rng, &latin);
                let second = pick(rng, other.family);
                if *second != family && !second.contains(' ') && !family.contains(' ') {
                    family = format!("{family}-{second}");
                }
            }
            let eg = ascii_slug(&given);
            let ef = ascii_slug(&family.replace(' ', ""));
            (given, family, eg, ef)
        }
    }
}

fn email_address(
    rng: &mut impl Rng,
    given: &str,
    family: &str,
    birth_year: Option<i32>,
    domains: &[&str],
) -> String {
    let g = given.to_ascii_lowercase();
    let f = family.to_ascii_lowercase();
    let initial: String = g.chars().take(1).collect();
    let local = match rng.random_range(0..7) {
        0 | 1 => format!("{g}.{f}"),
        2 => format!("{g}{f}"),
        3 => format!("{initial}{f}"),
        4 => format!("{g}.{f}{}", rng.random_range(1..100)),
        5 => match birth_year {
            Some(y) => format!("{g}{f}{}", y % 100),
            None => format!("{g}_{f}"),
        },
        _ => format!("{f}.{g}"),
    };
    format!("{local}@{}", pick(rng, domains))
}

fn phone(number: String, kind: PhoneKind) -> Option<(crate::phone::PhoneKeys, PhoneKind)> {
    parse_e164(&number).ok().map(|k| (k, kind))
}

/// Pick a product of `category` near the customer's taste (0 = entry level,
/// 1 = top of the line).
fn product_in(ctx: &Context, rng: &mut impl Rng, category: &str, taste: f64) -> usize {
    let items = &ctx.by_category[category];
    let t = (taste + 0.25 * normal(rng)).clamp(0.0, 0.999);
    items[((t * items.len() as f64) as usize).min(items.len() - 1)]
}

fn basket(
    ctx: &Context,
    rng: &mut impl Rng,
    month: u32,
    taste: f64,
    lead: Option<&'static str>,
    currency: &str,
) -> Vec<(usize, i64, i64)> {
    let lead = lead.unwrap_or_else(|| {
        let weights: Vec<(&'static str, u32)> = catalogue::CATEGORIES
            .iter()
            .map(|c| {
                let w = catalogue::lead_weight(c) * catalogue::season(c, month) * 100.0;
                (*c, w.round() as u32)
            })
            .collect();
        weighted(rng, &weights)
    });
    let mut cats: Vec<&'static str> = vec![lead];
    for (c, p) in catalogue::companions(lead) {
        if rng.random_bool(*p) && !cats.contains(c) {
            cats.push(c);
        }
    }
    if rng.random_bool(0.03) {
        let extra = *pick(
            rng,
            &[catalogue::CHARGERS, catalogue::CASES, catalogue::AUDIO],
        );
        if !cats.contains(&extra) {
            cats.push(extra);
        }
    }
    // Black Friday to Christmas promotions.
    let promo = matches!(month, 11 | 12) && rng.random_bool(0.2);
    cats.into_iter()
        .map(|c| {
            let i = product_in(ctx, rng, c, taste);
            let qty = if matches!(
                c,
                catalogue::CASES | catalogue::SCREEN | catalogue::CHARGERS
            ) && rng.random_bool(0.1)
            {
                2
            } else {
                1
            };
            let mut price = catalogue::local_price(PRODUCTS[i].price_gbp_minor, currency);
            if promo {
                price = price * 9 / 10;
            }
            (i, qty, price)
        })
        .collect()
}

/// Generate customer number `index` of the run with database id `id`,
/// appending everything about them to `batch`.
pub fn customer(ctx: &Context, index: u64, id: i64, ids: &mut Ids, batch: &mut Batch) {
    let mut rng = rng_for(ctx.seed, index);
    let rng = &mut rng;
    let culture: &Culture = {
        let w: Vec<(usize, u32)> = CULTURES
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.weight))
            .collect();
        CULTURES[weighted(rng, &w)]
    };
    let (given, family, email_given, email_family) = person(rng, culture);
    let display = display_name(&given, &family);
    let residence = places::country(weighted(rng, culture.residence));
    let declining = rng.random_bool(DECLINING_SHARE);
    let hostile = index % HOSTILE_EVERY == HOSTILE_AT;

    // Tenure: decliners have been customers long enough to decline.
    let mut tenure_days: i64 = rng.random_range(30..3300);
    if declining && tenure_days < 600 {
        tenure_days = rng.random_range(600..3300);
    }
    let since = ctx.anchor - Duration::days(tenure_days);
    let since_t = since
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp();

    let birthday = rng.random_bool(0.92).then(|| {
        let age = 18.0 + rng.random::<f64>().powf(1.3) * 67.0;
        ctx.anchor - Duration::days((age * 365.25) as i64 + rng.random_range(0..365))
    });

    // Phones: a mobile where they live, maybe a landline, a work line, and
    // a mobile from where their family is from.
    let mut phones = Vec::new();
    phones.extend(phone(
        places::phone_number(residence.code, true, rng),
        PhoneKind::Mobile,
    ));
    if rng.random_bool(0.18) {
        phones.extend(phone(
            places::phone_number(residence.code, false, rng),
            PhoneKind::Home,
        ));
    }
    if culture.heritage_phone != residence.code && rng.random_bool(0.3) {
        phones.extend(phone(
            places::phone_number(culture.heritage_phone, true, rng),
            PhoneKind::Mobile,
        ));
    }
    if rng.random_bool(0.05) {
        phones.extend(phone(
            places::phone_number(residence.code, rng.random_bool(0.5), rng),
            PhoneKind::Work,
        ));
    }

    let mut emails = Vec::new();
    if rng.random_bool(0.9) {
        let domains: &[&str] = if culture.heritage_phone != residence.code && rng.random_bool(0.3) {
            places::heritage_domains(culture.heritage_phone)
        } else {
            residence.email_domains
        };
        emails.push(email_address(
            rng,
            &email_given,
            &email_family,
            birthday.map(|b| b.year()),
            domains,
        ));
        if rng.random_bool(0.12) {
            emails.push(email_address(
                rng,
                &email_given,
                &email_family,
                None,
                residence.email_domains,
            ));
            if emails[0] == emails[1] {
                emails.pop();
            }
        }
    }

    let city = {
        let w: Vec<(usize, u32)> = residence
            .cities
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.weight))
            .collect();
        &residence.cities[weighted(rng, &w)]
    };
    let street = pick(rng, residence.streets);
    let house = rng.random_range(1..180).to_string();
    let line1 = pick(rng, residence.street_formats)
        .replace("{n}", &house)
        .replace("{s}", street);
    let address = Address {
        line1,
        line2: rng
            .random_bool(0.2)
            .then(|| pick(rng, residence.line2).to_string()),
        city: city.name.to_string(),
        region: city.region.map(str::to_string),
        postcode: places::postcode(city.postcode, rng),
        country: residence.code.to_string(),
    };
    let currency = residence.currency;
    let at_home = culture.residence.first().map(|r| r.0) == Some(residence.code);
    let language = if at_home || rng.random_bool(0.3) {
        culture.language
    } else {
        residence.language
    };

    let do_not_contact = rng.random_bool(0.03);
    let consent = if do_not_contact {
        Consent {
            do_not_contact: true,
            ..Consent::default()
        }
    } else {
        Consent {
            email: rng.random_bool(0.6),
            sms: rng.random_bool(0.45),
            phone: rng.random_bool(0.35),
            post: rng.random_bool(0.25),
            do_not_contact: false,
        }
    };
    let pref_channel = weighted(
        rng,
        &[
            (Channel::Email, 35),
            (Channel::Call, 25),
            (Channel::Sms, 15),
            (Channel::Chat, 10),
            (Channel::Web, 8),
            (Channel::Store, 5),
            (Channel::Social, 2),
        ],
    );
    let pref_notes = if hostile {
        content::HOSTILE_PREFERENCE_NOTE.to_string()
    } else if rng.random_bool(0.25) {
        pick(rng, content::PREFERENCE_NOTES).to_string()
    } else {
        String::new()
    };
    let contact_window = rng
        .random_bool(0.55)
        .then(|| pick(rng, content::CONTACT_WINDOWS).to_string());
    let pref_updated = since_t + rng.random_range(0..(tenure_days * DAY).max(1));
    let pref_by = (rng.random_bool(0.6) && !ctx.agents.is_empty()).then(|| *pick(rng, &ctx.agents));

    // ------------------------------------------------------------ orders
    let taste: f64 = rng.random();
    let rate = (0.8f64.ln() + 0.6 * normal(rng)).exp().clamp(0.1, 6.0);
    let decline_from = ctx.horizon - 365 * DAY;
    let decline = |t: i64| -> f64 {
        if declining && t > decline_from {
            1.0 - 0.88 * ((t - decline_from) as f64 / (365 * DAY) as f64)
        } else {
            1.0
        }
    };
    let mut spend_gbp: i64 = 0;
    let mut order_count = 0usize;
    let mut categories: Vec<&'static str> = Vec::new();
    let mut last_order_at: Option<i64> = None;
    let mut story = Story {
        currency,
        city: city.name,
        last_product: None,
        last_order: None,
    };
    let mut follow_ups: Vec<(i64, i64, &'static str)> = Vec::new();
    let order_channel = |rng: &mut ChaCha8Rng| weighted(rng, &content::ORDER_CHANNELS);
    let mut times: Vec<(i64, Option<&'static str>)> = Vec::new();
    if rng.random_bool(0.85) {
        let lead = *pick(
            rng,
            &[
                catalogue::HANDSETS,
                catalogue::HANDSETS,
                catalogue::SIM_PLANS,
                catalogue::BROADBAND,
            ],
        );
        times.push((business_time(rng, since_t, 9, 20), Some(lead)));
    }
    let peak = rate * catalogue::MAX_MONTH_ACTIVITY / YEAR;
    let mut t = since_t as f64;
    loop {
        t += exponential(rng, peak);
        if t >= ctx.horizon as f64 {
            break;
        }
        let ti = t as i64;
        let month = date_of(ti).month();
        let accept = catalogue::month_activity(month) / catalogue::MAX_MONTH_ACTIVITY * decline(ti);
        if rng.random_bool(accept.clamp(0.0, 1.0)) {
            times.push((business_time(rng, ti, 8, 22), None));
        }
    }
    for (at, lead) in times {
        if at >= ctx.horizon {
            continue;
        }
        let month = date_of(at).month();
        let lines = basket(ctx, rng, month, taste, lead, currency);
        let id_o = ids.order;
        ids.order += 1;
        let record = OrderRecord {
            id: id_o,
            customer_id: id,
            placed_at: at,
            channel: order_channel(rng),
            currency: currency.to_string(),
            lines: lines
                .iter()
                .map(|(i, q, price)| LineRecord {
                    product_id: ctx.product_ids[*i],
                    quantity: *q,
                    unit_price_minor: *price,
                })
                .collect(),
        };
        spend_gbp += catalogue::to_gbp(record.total_minor().unwrap_or(0), currency);
        order_count += 1;
        for (i, _, _) in &lines {
            if !categories.contains(&PRODUCTS[*i].category) {
                categories.push(PRODUCTS[*i].category);
            }
        }
        story.last_product = Some(PRODUCTS[lines[0].0].name);
        if rng.random_bool(0.2) {
            let reason = if record.channel == Channel::Store {
                "Store appointment"
            } else {
                "Delivery status"
            };
            follow_ups.push((at + rng.random_range(DAY..10 * DAY), id_o, reason));
        }
        last_order_at = Some(at);
        batch.orders.push(record);
    }

    // ------------------------------------------------------ interactions
    let contact_rate = (0.9f64.ln() + 0.5 * normal(rng)).exp().clamp(0.1, 8.0);
    let churn_from = ctx.horizon - 180 * DAY;
    let mut events: Vec<(i64, Option<(i64, &'static str)>)> = Vec::new();
    let boost = if declining { 3.0 } else { 1.0 };
    let peak = contact_rate * boost / YEAR;
    let mut t = since_t as f64;
    loop {
        t += exponential(rng, peak);
        if t >= ctx.horizon as f64 {
            break;
        }
        let ti = t as i64;
        let keep = if ti > churn_from { 1.0 } else { 1.0 / boost };
        if rng.random_bool(keep) {
            events.push((ti, None));
        }
    }
    for (at, order, reason) in &follow_ups {
        events.push((*at, Some((*order, *reason))));
    }
    let mut unhappy_at: Vec<i64> = Vec::new();
    for (at, follow) in events {
        if at >= ctx.horizon {
            continue;
        }
        let in_churn = declining && at > churn_from;
        let (channel, reason): (Channel, &Reason) = match follow {
            Some((order, name)) => {
                story.last_order = Some(order);
                let r = REASONS
                    .iter()
                    .find(|r| r.name == name)
                    .unwrap_or(&REASONS[0]);
                (*pick(rng, r.channels), r)
            }
            None => {
                let ch = weighted(rng, &content::CHANNEL_WEIGHTS);
                let options: Vec<(usize, u32)> = REASONS
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.channels.contains(&ch))
                    .map(|(i, r)| {
                        (
                            i,
                            if in_churn && r.churn_signal {
                                r.weight * 4
                            } else {
                                r.weight
                            },
                        )
                    })
                    .collect();
                (ch, &REASONS[weighted(rng, &options)])
            }
        };
        let started = business_time(rng, at, 8, 20);
        if started >= ctx.horizon {
            continue;
        }
        let direction = if reason.outbound_only
            || (matches!(channel, Channel::Email | Channel::Sms) && rng.random_bool(0.25))
            || (channel == Channel::Call && rng.random_bool(0.08))
        {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let minutes = |rng: &mut ChaCha8Rng, lo: f64, median: f64| -> i64 {
            ((lo + median * (0.6 * normal(rng)).exp()) * 60.0) as i64
        };
        let ended = match channel {
            Channel::Call => Some(started + minutes(rng, 1.0, 6.0)),
            Channel::Chat => Some(started + minutes(rng, 3.0, 9.0)),
            Channel::Store => Some(started + minutes(rng, 5.0, 15.0)),
            _ => None,
        };
        let agent = match channel {
            Channel::Store | Channel::Web => None,
            Channel::Sms if direction == Direction::Outbound => None,
            _ if ctx.agents.is_empty() => None,
            _ => Some(*pick(rng, &ctx.agents)),
        };
        let outcome =
            if direction == Direction::Outbound && channel == Channel::Call && rng.random_bool(0.2)
            {
                "No answer".to_string()
            } else {
                pick(rng, reason.outcomes).to_string()
            };
        let template = *pick::<&str>(rng, reason.notes);
        let notes = fill(template, started, &story, rng);
        let iid = ids.interaction;
        ids.interaction += 1;
        let unhappy = in_churn && reason.churn_signal;
        if unhappy {
            unhappy_at.push(started);
        }
        if rng.random_bool(0.15) {
            let answered = started + rng.random_range(3600..3 * DAY);
            if answered < ctx.horizon {
                let (kind, score) = if rng.random_bool(0.6) {
                    (SurveyKind::Nps, nps_score(rng, unhappy))
                } else {
                    (SurveyKind::Csat, csat_score(rng, unhappy))
                };
                batch.surveys.push(SurveyRecord {
                    customer_id: id,
                    kind,
                    score,
                    answered_at: answered,
                    interaction_id: Some(iid),
                });
            }
        }
        batch.interactions.push(InteractionRecord {
            id: iid,
            customer_id: id,
            channel,
            direction,
            reason: reason.name.to_string(),
            notes,
            outcome,
            agent_id: agent,
            started_at: started,
            ended_at: ended,
        });
    }
    if hostile {
        for (k, note) in content::HOSTILE_NOTES.iter().enumerate() {
            let started = ctx.horizon - (k as i64 + 1) * 3 * DAY - rng.random_range(0..DAY);
            let iid = ids.interaction;
            ids.interaction += 1;
            batch.interactions.push(InteractionRecord {
                id: iid,
                customer_id: id,
                channel: content::CHANNEL_WEIGHTS[k % content::CHANNEL_WEIGHTS.len()].0,
                direction: Direction::Inbound,
                reason: "Account access".to_string(),
                notes: note.to_string(),
                outcome: "Resolved".to_string(),
                agent_id: ctx.agents.first().copied(),
                started_at: started,
                ended_at: Some(started + 300),
            });
        }
    }

    // -------------------------------------------------------- complaints
    let mut complaint_times: Vec<i64> = Vec::new();
    let p_complaint = if declining { 0.3 } else { 0.06 };
    if rng.random_bool(p_complaint) {
        let n = if rng.random_bool(0.2) { 2 } else { 1 };
        for _ in 0..n {
            let from = if declining {
                ctx.horizon - 200 * DAY
            } else {
                since_t
            };
            let from = from.max(since_t);
            complaint_times.push(rng.random_range(from..ctx.horizon.max(from + 1)));
        }
    }
    // Recent complaints, most still open.
    if rng.random_bool(0.02) || hostile {
        let from = (ctx.horizon - 45 * DAY).max(since_t);
        complaint_times.push(rng.random_range(from..ctx.horizon.max(from + 1)));
    }
    for (k, opened) in complaint_times.into_iter().enumerate() {
        let opened = in_business_hours(opened);
        let kind = pick(rng, content::COMPLAINTS);
        let severity = weighted(
            rng,
            &[
                (Severity::Low, 40),
                (Severity::Medium, 35),
                (Severity::High, 20),
                (Severity::Critical, 5),
            ],
        );
        let sla_hours: i64 = match severity {
            Severity::Critical => 24,
            Severity::High => 72,
            Severity::Medium => 120,
            Severity::Low => 240,
        };
        let age_days = (ctx.horizon - opened) / DAY;
        let open = if age_days <= 60 {
            rng.random_bool(0.8)
        } else {
            rng.random_bool(0.04)
        };
        let status = if open {
            weighted(
                rng,
                &[
                    (ComplaintStatus::Received, 20),
                    (ComplaintStatus::Acknowledged, 30),
                    (ComplaintStatus::Investigating, 35),
                    (ComplaintStatus::ResponseSent, 15),
                ],
            )
        } else if rng.random_bool(0.5) {
            ComplaintStatus::Closed
        } else {
            ComplaintStatus::Resolved
        };
        let summary = if hostile && k == 0 {
            content::HOSTILE_COMPLAINT.to_string()
        } else {
            fill(kind.summary, opened, &story, rng)
        };
        let owner =
            (rng.random_bool(0.85) && !ctx.agents.is_empty()).then(|| *pick(rng, &ctx.agents));
        let escalated = rng.random_bool(if severity >= Severity::High { 0.3 } else { 0.1 });
        batch.complaints.push(ComplaintRecord {
            customer_id: id,
            category: kind.category.to_string(),
            severity,
            status,
            summary: summary.clone(),
            remedy_sought: kind.remedy.to_string(),
            opened_at: opened,
            sla_due_at: opened + sla_hours * 3600,
            final_response_due_at: Some(opened + 56 * DAY),
            owner_id: owner,
            escalated,
            closed_at: (!open).then(|| opened + rng.random_range(DAY..40 * DAY)),
        });
        let iid = ids.interaction;
        ids.interaction += 1;
        batch.interactions.push(InteractionRecord {
            id: iid,
            customer_id: id,
            channel: *pick(
                rng,
                &[Channel::Call, Channel::Call, Channel::Email, Channel::Chat],
            ),
            direction: Direction::Inbound,
            reason: format!("Complaint: {}", kind.category),
            notes: summary,
            outcome: "Complaint logged".to_string(),
            agent_id: owner,
            started_at: opened,
            ended_at: Some(opened + rng.random_range(300..1800)),
        });
        unhappy_at.push(opened);
    }

    // Relationship NPS, asked of some customers once.
    if rng.random_bool(0.3) {
        let from = since_t.max(ctx.horizon - 3 * 365 * DAY);
        let answered = rng.random_range(from..ctx.horizon.max(from + 1));
        let unhappy = (declining && answered > decline_from)
            || unhappy_at.iter().any(|u| (answered - u).abs() < 60 * DAY);
        batch.surveys.push(SurveyRecord {
            customer_id: id,
            kind: SurveyKind::Nps,
            score: nps_score(rng, unhappy),
            answered_at: answered,
            interaction_id: None,
        });
    }

    // --------------------------------------------------- tier and stage
    let tier = match spend_gbp {
        s if s >= 470_000 => Tier::Platinum,
        s if s >= 240_000 => Tier::Gold,
        s if s >= 110_000 => Tier::Silver,
        _ => Tier::Standard,
    };
    let lapsed = last_order_at.is_none_or(|t| ctx.horizon - t > 2 * 365 * DAY);
    let dissolving = if declining {
        rng.random_bool(0.5)
    } else {
        lapsed && tenure_days > 2 * 365 && rng.random_bool(0.3)
    };
    let stage = if dissolving {
        RelationshipStage::Dissolution
    } else if tenure_days < 120 && order_count <= 1 {
        RelationshipStage::Awareness
    } else if categories.len() >= 5 && order_count >= 8 {
        RelationshipStage::Commitment
    } else if categories.len() >= 2 {
        RelationshipStage::Expansion
    } else {
        RelationshipStage::Exploration
    };

    batch.customers.push(CustomerRecord {
        id,
        account_number: account_number(id),
        given_name: given,
        family_name: family,
        display_name: display,
        address,
        birthday,
        customer_since: since,
        tier,
        stage,
        currency: currency.to_string(),
        declining,
        created_at: since_t,
        phones,
        emails,
        preferences: PreferencesRecord {
            channel: pref_channel,
            language: language.to_string(),
            contact_window,
            notes: pref_notes,
            consent,
            updated_at: pref_updated.min(ctx.horizon - 1),
            updated_by: pref_by,
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complaints_open_in_business_hours() {
        let b = generate(&ctx(), 1, 3000);
        assert!(b.complaints.len() > 50, "{}", b.complaints.len());
        for c in &b.complaints {
            let hour = c.opened_at.rem_euclid(DAY) / 3600;
            assert!((8..20).contains(&hour), "opened at hour {hour}");
        }
        assert_eq!(in_business_hours(0), 8 * 3600);
        assert_eq!(in_business_hours(DAY - 2), 8 * 3600 + (DAY - 2) / 2);
    }

    fn ctx() -> Context {
        Context::new(
            42,
            NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
            (1..=PRODUCTS.len() as i64).collect(),
            vec![1, 2, 3],
        )
    }

    fn generate(ctx: &Context, from: u64, n: u64) -> Batch {
        let mut batch = Batch::default();
        let mut ids = Ids {
            order: 1,
            interaction: 1,
        };
        for i in from..from + n {
            customer(ctx, i, i as i64 + 1, &mut ids, &mut batch);
        }
        batch
    }

    #[test]
    fn same_seed_same_customers() {
        let c = ctx();
        let a = generate(&c, 0, 50);
        let b = generate(&c, 0, 50);
        let names = |b: &Batch| {
            b.customers
                .iter()
                .map(|c| c.display_name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert_eq!(a.orders.len(), b.orders.len());
        assert_eq!(a.interactions.len(), b.interactions.len());
        assert_eq!(
            a.customers
                .iter()
                .map(|c| c
                    .phones
                    .iter()
                    .map(|p| p.0.e164.clone())
                    .collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            b.customers
                .iter()
                .map(|c| c
                    .phones
                    .iter()
                    .map(|p| p.0.e164.clone())
                    .collect::<Vec<_>>())
                .collect::<Vec<_>>(),
        );
    }

    #[test]
    fn customers_do_not_depend_on_chunking() {
        let c = ctx();
        let whole = generate(&c, 0, 20);
        let tail = generate(&c, 10, 10);
        assert_eq!(
            whole.customers[10].display_name,
            tail.customers[0].display_name
        );
        assert_eq!(whole.customers[15].emails, tail.customers[5].emails);
    }

    #[test]
    fn another_seed_other_customers() {
        let a = generate(&ctx(), 0, 30);
        let mut other = ctx();
        other.seed = 43;
        let b = generate(&other, 0, 30);
        let same = a
            .customers
            .iter()
            .zip(&b.customers)
            .filter(|(x, y)| x.display_name == y.display_name)
            .count();
        assert!(same < 5, "{same} of 30 names equal under another seed");
    }

    #[test]
    fn history_is_plausible() {
        let c = ctx();
        let b = generate(&c, 0, 2000);
        let n = b.customers.len() as f64;
        let declining = b.customers.iter().filter(|c| c.declining).count() as f64 / n;
        assert!(
            (0.12..0.18).contains(&declining),
            "declining share {declining}"
        );
        let lines: usize = b.orders.iter().map(|o| o.lines.len()).sum();
        let per = lines as f64 / n;
        assert!((6.0..16.0).contains(&per), "{per} order lines per customer");
        assert!(
            b.orders
                .iter()
                .all(|o| o.placed_at < c.horizon && !o.lines.is_empty())
        );
        assert!(b.interactions.iter().all(|i| i.started_at < c.horizon));
        for ch in Channel::ALL {
            assert!(
                b.interactions.iter().any(|i| i.channel == ch),
                "no {ch:?} interactions"
            );
        }
        let open_breached = b
            .complaints
            .iter()
            .filter(|x| x.status.is_open() && x.sla_due_at < c.horizon)
            .count();
        assert!(open_breached > 0);
        assert!(b.surveys.iter().any(|s| matches!(s.kind, SurveyKind::Nps)));
        // CJK, apostrophes, hyphens and diacritics all occur.
        assert!(
            b.customers
                .iter()
                .any(|c| crate::text::has_cjk(&c.display_name))
        );
        assert!(b.customers.iter().any(|c| c.family_name.contains('\'')));
        assert!(b.customers.iter().any(|c| c.family_name.contains('-')));
        assert!(
            b.customers
                .iter()
                .any(|c| !c.display_name.is_ascii() && !crate::text::has_cjk(&c.display_name))
        );
        // Emails are ASCII.
        assert!(
            b.customers
                .iter()
                .flat_map(|c| &c.emails)
                .all(|e| e.is_ascii() && e.contains('@'))
        );
        // The hostile customer is there.
        assert!(b.interactions.iter().any(|i| i.notes.contains('\x1b')));
    }

    #[test]
    fn handsets_pull_cases_into_baskets() {
        let b = generate(&ctx(), 0, 3000);
        let cat = |pid: i64| PRODUCTS[(pid - 1) as usize].category;
        let mut with_handset = 0;
        let mut handset_and_case = 0;
        let mut with_case = 0;
        for o in &b.orders {
            let cats: Vec<&str> = o.lines.iter().map(|l| cat(l.product_id)).collect();
            let h = cats.contains(&catalogue::HANDSETS);
            let c = cats.contains(&catalogue::CASES);
            with_handset += usize::from(h);
            with_case += usize::from(c);
            handset_and_case += usize::from(h && c);
        }
        let n = b.orders.len() as f64;
        let confidence = handset_and_case as f64 / with_handset as f64;
        let lift = confidence / (with_case as f64 / n);
        assert!(confidence > 0.4, "confidence {confidence}");
        assert!(lift > 1.5, "lift {lift}");
    }

    #[test]
    fn orders_peak_before_christmas() {
        let b = generate(&ctx(), 0, 3000);
        let mut by_month = [0usize; 12];
        for o in &b.orders {
            by_month[(date_of(o.placed_at).month() - 1) as usize] += 1;
        }
        assert!(by_month[11] > by_month[1] * 3 / 2, "{by_month:?}");
    }
}
