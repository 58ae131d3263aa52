//! The demo retailer's catalogue (a telecoms and devices retailer) and how
//! its customers buy: which category leads a basket in which month, and
//! which categories follow it into the same basket. The co-purchase table is
//! what association-rule mining is later expected to rediscover.

/// Product categories.
pub const HANDSETS: &str = "Handsets";
pub const SIM_PLANS: &str = "SIM plans";
pub const ROAMING: &str = "Roaming packs";
pub const TRAVEL_INSURANCE: &str = "Travel insurance";
pub const CASES: &str = "Cases";
pub const SCREEN: &str = "Screen protection";
pub const CHARGERS: &str = "Chargers & power";
pub const AUDIO: &str = "Audio";
pub const WEARABLES: &str = "Wearables";
pub const TABLETS: &str = "Tablets";
pub const BROADBAND: &str = "Broadband";
pub const NETWORKING: &str = "Home networking";
pub const TV: &str = "TV";
pub const DEVICE_CARE: &str = "Device care";

pub const CATEGORIES: [&str; 14] = [
    HANDSETS,
    SIM_PLANS,
    ROAMING,
    TRAVEL_INSURANCE,
    CASES,
    SCREEN,
    CHARGERS,
    AUDIO,
    WEARABLES,
    TABLETS,
    BROADBAND,
    NETWORKING,
    TV,
    DEVICE_CARE,
];

#[derive(Debug, Clone, Copy)]
pub struct Product {
    pub sku: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    /// Product line and rank within it (1 = entry), for up-sell.
    pub line: Option<(&'static str, i64)>,
    /// Price in GBP pence; other currencies are derived.
    pub price_gbp_minor: i64,
    /// Gross margin, fraction of price.
    pub margin: f64,
}

const fn p(
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    line: Option<(&'static str, i64)>,
    price_gbp_minor: i64,
    margin: f64,
) -> Product {
    Product {
        sku,
        name,
        category,
        line,
        price_gbp_minor,
        margin,
    }
}

pub const PRODUCTS: [Product; 60] = [
    p(
        "HS-AUR-LITE",
        "Aurora Lite",
        HANDSETS,
        Some(("Aurora", 1)),
        24900,
        0.18,
    ),
    p(
        "HS-AUR",
        "Aurora",
        HANDSETS,
        Some(("Aurora", 2)),
        49900,
        0.17,
    ),
    p(
        "HS-AUR-PRO",
        "Aurora Pro",
        HANDSETS,
        Some(("Aurora", 3)),
        84900,
        0.16,
    ),
    p(
        "HS-AUR-ULTRA",
        "Aurora Ultra",
        HANDSETS,
        Some(("Aurora", 4)),
        114900,
        0.15,
    ),
    p(
        "HS-AUR-FOLD",
        "Aurora Fold",
        HANDSETS,
        Some(("Aurora", 5)),
        159900,
        0.14,
    ),
    p(
        "HS-NIM-5",
        "Nimbus 5",
        HANDSETS,
        Some(("Nimbus", 1)),
        19900,
        0.22,
    ),
    p(
        "HS-NIM-5P",
        "Nimbus 5 Plus",
        HANDSETS,
        Some(("Nimbus", 2)),
        32900,
        0.2,
    ),
    p(
        "HS-NIM-5M",
        "Nimbus 5 Max",
        HANDSETS,
        Some(("Nimbus", 3)),
        42900,
        0.19,
    ),
    p(
        "SIM-5GB",
        "SIM Only 5GB (12 months)",
        SIM_PLANS,
        Some(("SIM Only", 1)),
        9600,
        0.62,
    ),
    p(
        "SIM-30GB",
        "SIM Only 30GB (12 months)",
        SIM_PLANS,
        Some(("SIM Only", 2)),
        14400,
        0.6,
    ),
    p(
        "SIM-100GB",
        "SIM Only 100GB (12 months)",
        SIM_PLANS,
        Some(("SIM Only", 3)),
        21600,
        0.58,
    ),
    p(
        "SIM-UNL",
        "SIM Only Unlimited (12 months)",
        SIM_PLANS,
        Some(("SIM Only", 4)),
        30000,
        0.55,
    ),
    p(
        "SIM-DATA-50",
        "Data SIM 50GB for tablets (12 months)",
        SIM_PLANS,
        None,
        18000,
        0.6,
    ),
    p(
        "ROAM-EU-7",
        "EU Roam 7-day",
        ROAMING,
        Some(("Roam", 1)),
        700,
        0.72,
    ),
    p(
        "ROAM-WW-7",
        "World Roam 7-day",
        ROAMING,
        Some(("Roam", 2)),
        1500,
        0.7,
    ),
    p(
        "ROAM-WW-30",
        "World Roam 30-day",
        ROAMING,
        Some(("Roam", 3)),
        3500,
        0.68,
    ),
    p(
        "TRV-SINGLE",
        "Travel Cover Single Trip",
        TRAVEL_INSURANCE,
        Some(("Travel Cover", 1)),
        1900,
        0.45,
    ),
    p(
        "TRV-EU-ANN",
        "Travel Cover Annual Europe",
        TRAVEL_INSURANCE,
        Some(("Travel Cover", 2)),
        4500,
        0.42,
    ),
    p(
        "TRV-WW-ANN",
        "Travel Cover Annual Worldwide",
        TRAVEL_INSURANCE,
        Some(("Travel Cover", 3)),
        7900,
        0.38,
    ),
    p(
        "CASE-CLEAR",
        "Clear Case",
        CASES,
        Some(("Case", 1)),
        1200,
        0.7,
    ),
    p(
        "CASE-SLIM",
        "Slim Case",
        CASES,
        Some(("Case", 2)),
        1500,
        0.68,
    ),
    p(
        "CASE-RUGGED",
        "Rugged Case",
        CASES,
        Some(("Case", 3)),
        2900,
        0.62,
    ),
    p(
        "CASE-FOLIO",
        "Leather Folio Case",
        CASES,
        Some(("Case", 4)),
        3900,
        0.6,
    ),
    p("CASE-KIDS", "Kids Bumper Case", CASES, None, 1700, 0.66),
    p(
        "SCR-GLASS",
        "Tempered Glass Screen Protector",
        SCREEN,
        Some(("Screen Guard", 1)),
        1200,
        0.74,
    ),
    p(
        "SCR-PRIVACY",
        "Privacy Glass Screen Protector",
        SCREEN,
        Some(("Screen Guard", 2)),
        1900,
        0.72,
    ),
    p("SCR-LENS", "Camera Lens Protector", SCREEN, None, 900, 0.75),
    p(
        "CHG-20W",
        "20W USB-C Charger",
        CHARGERS,
        Some(("Charger", 1)),
        1900,
        0.5,
    ),
    p(
        "CHG-45W",
        "45W Fast Charger",
        CHARGERS,
        Some(("Charger", 2)),
        2900,
        0.48,
    ),
    p(
        "CHG-WIRELESS",
        "Wireless Charging Pad",
        CHARGERS,
        None,
        3500,
        0.46,
    ),
    p(
        "CHG-BANK-10K",
        "Power Bank 10,000 mAh",
        CHARGERS,
        None,
        2500,
        0.45,
    ),
    p("CHG-CAR", "Car Charger", CHARGERS, None, 1500, 0.5),
    p("CHG-CABLE-2M", "USB-C Cable 2 m", CHARGERS, None, 900, 0.6),
    p(
        "AUD-BUDS",
        "Wireless Earbuds",
        AUDIO,
        Some(("Earbuds", 1)),
        5900,
        0.35,
    ),
    p(
        "AUD-BUDS-PRO",
        "Earbuds Pro with noise cancelling",
        AUDIO,
        Some(("Earbuds", 2)),
        17900,
        0.3,
    ),
    p(
        "AUD-OVER-EAR",
        "Over-ear Headphones",
        AUDIO,
        None,
        22900,
        0.3,
    ),
    p("AUD-SPEAKER", "Bluetooth Speaker", AUDIO, None, 7900, 0.34),
    p("AUD-KIDS", "Kids Headphones", AUDIO, None, 2500, 0.4),
    p(
        "WEAR-BAND",
        "Fitness Band",
        WEARABLES,
        Some(("Pulse", 1)),
        4900,
        0.28,
    ),
    p(
        "WEAR-WATCH",
        "Pulse Watch",
        WEARABLES,
        Some(("Pulse", 2)),
        22900,
        0.25,
    ),
    p(
        "WEAR-WATCH-PRO",
        "Pulse Watch Pro",
        WEARABLES,
        Some(("Pulse", 3)),
        39900,
        0.24,
    ),
    p("WEAR-KIDS", "Pulse Watch Kids", WEARABLES, None, 9900, 0.27),
    p(
        "TAB-SLATE-10",
        "Slate 10 Tablet",
        TABLETS,
        Some(("Slate", 1)),
        27900,
        0.16,
    ),
    p(
        "TAB-SLATE-12P",
        "Slate 12 Pro Tablet",
        TABLETS,
        Some(("Slate", 2)),
        79900,
        0.15,
    ),
    p(
        "BB-FIBRE-150",
        "Fibre 150 (set-up and first year)",
        BROADBAND,
        Some(("Fibre", 1)),
        33600,
        0.5,
    ),
    p(
        "BB-FIBRE-500",
        "Fibre 500 (set-up and first year)",
        BROADBAND,
        Some(("Fibre", 2)),
        45600,
        0.5,
    ),
    p(
        "BB-FIBRE-900",
        "Fibre 900 (set-up and first year)",
        BROADBAND,
        Some(("Fibre", 3)),
        60000,
        0.48,
    ),
    p(
        "NET-MESH-2",
        "Mesh Wi-Fi (2-pack)",
        NETWORKING,
        Some(("Mesh", 1)),
        14900,
        0.35,
    ),
    p(
        "NET-MESH-3",
        "Mesh Wi-Fi (3-pack)",
        NETWORKING,
        Some(("Mesh", 2)),
        19900,
        0.34,
    ),
    p(
        "NET-EXTENDER",
        "Wi-Fi Extender",
        NETWORKING,
        None,
        3900,
        0.4,
    ),
    p(
        "NET-PLUG-2",
        "Smart Plug (2-pack)",
        NETWORKING,
        None,
        2500,
        0.45,
    ),
    p(
        "TV-ESSENTIALS",
        "TV Essentials (12 months)",
        TV,
        Some(("TV", 1)),
        14400,
        0.45,
    ),
    p(
        "TV-ENTERTAIN",
        "TV Entertainment (12 months)",
        TV,
        Some(("TV", 2)),
        26400,
        0.44,
    ),
    p(
        "TV-SPORTS",
        "TV Sports Pack (12 months)",
        TV,
        None,
        36000,
        0.4,
    ),
    p(
        "TV-CINEMA",
        "TV Cinema Pack (12 months)",
        TV,
        None,
        16800,
        0.42,
    ),
    p(
        "TV-KIDS",
        "TV Kids & Family (12 months)",
        TV,
        None,
        8400,
        0.46,
    ),
    p("TV-BOX-4K", "Streaming Box 4K", TV, None, 5900, 0.3),
    p(
        "CARE-BASIC",
        "Device Care Basic (12 months)",
        DEVICE_CARE,
        Some(("Device Care", 1)),
        8400,
        0.75,
    ),
    p(
        "CARE-PLUS",
        "Device Care Plus (12 months)",
        DEVICE_CARE,
        Some(("Device Care", 2)),
        14400,
        0.72,
    ),
    p(
        "CARE-SCREEN",
        "Screen Repair Cover (12 months)",
        DEVICE_CARE,
        None,
        6000,
        0.78,
    ),
];

/// (follower category, probability it joins a basket led by the category).
pub fn companions(lead: &str) -> &'static [(&'static str, f64)] {
    match lead {
        HANDSETS => &[
            (CASES, 0.55),
            (SCREEN, 0.45),
            (DEVICE_CARE, 0.35),
            (SIM_PLANS, 0.3),
            (CHARGERS, 0.2),
            (AUDIO, 0.15),
        ],
        SIM_PLANS => &[(ROAMING, 0.08)],
        ROAMING => &[(TRAVEL_INSURANCE, 0.45), (CHARGERS, 0.1)],
        TRAVEL_INSURANCE => &[(ROAMING, 0.35)],
        TABLETS => &[(CASES, 0.4), (DEVICE_CARE, 0.3), (SCREEN, 0.25)],
        WEARABLES => &[(CHARGERS, 0.2), (AUDIO, 0.12)],
        AUDIO => &[(CHARGERS, 0.12)],
        BROADBAND => &[(NETWORKING, 0.35), (TV, 0.25)],
        TV => &[(BROADBAND, 0.12), (NETWORKING, 0.08)],
        NETWORKING => &[(BROADBAND, 0.05)],
        _ => &[],
    }
}

/// How likely each category is to lead a basket (before seasonality).
pub fn lead_weight(category: &str) -> f64 {
    match category {
        HANDSETS => 16.0,
        SIM_PLANS => 14.0,
        ROAMING => 11.0,
        TRAVEL_INSURANCE => 4.0,
        CASES => 6.0,
        SCREEN => 3.0,
        CHARGERS => 6.0,
        AUDIO => 7.0,
        WEARABLES => 4.0,
        TABLETS => 3.0,
        BROADBAND => 8.0,
        NETWORKING => 3.0,
        TV => 5.0,
        DEVICE_CARE => 2.0,
        _ => 1.0,
    }
}

/// Seasonal multiplier of a category leading a basket in `month` (1–12):
/// gifts peak in November and December, travel in summer, new phones in
/// the autumn.
pub fn season(category: &str, month: u32) -> f64 {
    const GIFTS: [f64; 12] = [0.7, 0.7, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.9, 2.3];
    const TRAVEL: [f64; 12] = [0.5, 0.6, 0.9, 1.2, 1.1, 1.6, 2.2, 2.2, 1.0, 0.7, 0.5, 1.2];
    const PHONES: [f64; 12] = [0.8, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.4, 1.3, 1.6, 1.9];
    const HOME: [f64; 12] = [1.2, 1.0, 1.0, 0.9, 0.9, 0.9, 0.8, 0.9, 1.3, 1.1, 1.0, 0.9];
    let m = (month.clamp(1, 12) - 1) as usize;
    match category {
        ROAMING | TRAVEL_INSURANCE => TRAVEL[m],
        HANDSETS | TABLETS => PHONES[m],
        BROADBAND | TV | NETWORKING => HOME[m],
        AUDIO | WEARABLES | CASES | CHARGERS => GIFTS[m],
        _ => 1.0,
    }
}

/// Overall shopping seasonality of a month (1–12), peak in November and
/// December.
pub fn month_activity(month: u32) -> f64 {
    const A: [f64; 12] = [
        0.8, 0.8, 0.9, 0.95, 0.95, 1.0, 1.15, 1.15, 1.0, 1.0, 1.45, 1.75,
    ];
    A[(month.clamp(1, 12) - 1) as usize]
}

/// The largest value of [`month_activity`].
pub const MAX_MONTH_ACTIVITY: f64 = 1.75;

/// Price of a GBP list price in another currency, at fixed catalogue
/// rates, rounded to a price point (x.99, or whole units for SEK and PLN).
pub fn local_price(gbp_minor: i64, currency: &str) -> i64 {
    let (rate, whole) = match currency {
        "GBP" => return gbp_minor,
        "EUR" => (1.17, false),
        "USD" => (1.27, false),
        "SEK" => (13.5, true),
        "PLN" => (5.1, true),
        _ => (1.0, false),
    };
    let units = ((gbp_minor + 1) as f64 * rate / 100.0).round() as i64;
    if whole { units * 100 } else { units * 100 - 1 }
}

/// GBP value of an amount, for comparing customers across currencies.
pub fn to_gbp(minor: i64, currency: &str) -> i64 {
    let rate = match currency {
        "EUR" => 1.17,
        "USD" => 1.27,
        "SEK" => 13.5,
        "PLN" => 5.1,
        _ => 1.0,
    };
    (minor as f64 / rate).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_consistent() {
        let mut skus: Vec<&str> = PRODUCTS.iter().map(|p| p.sku).collect();
        skus.sort();
        skus.dedup();
        assert_eq!(skus.len(), PRODUCTS.len(), "duplicate SKU");
        for p in PRODUCTS {
            assert!(CATEGORIES.contains(&p.category), "{}", p.sku);
            assert!((0.0..=1.0).contains(&p.margin));
            assert!(p.price_gbp_minor > 0);
        }
        for c in CATEGORIES {
            assert!(PRODUCTS.iter().any(|p| p.category == c), "{c} is empty");
            for (f, _) in companions(c) {
                assert!(CATEGORIES.contains(f));
            }
        }
    }

    #[test]
    fn converts_prices_to_price_points() {
        assert_eq!(local_price(49900, "GBP"), 49900);
        assert_eq!(local_price(49900, "EUR"), 58399);
        assert_eq!(local_price(1500, "SEK"), 20300);
        assert_eq!(to_gbp(58399, "EUR"), 49914);
    }
}
