//! Countries the demo customers live in or phone from: mobile and landline
//! number plans (E.164, plausible lengths), addresses in local form, email
//! providers, currency and language.

use rand::Rng;

/// A numbering plan: country code and national-number patterns, where `#`
/// is any digit, `N` is 2–9, and a `[abc]` set picks one of its characters.
#[derive(Debug, Clone, Copy)]
pub struct NumberPlan {
    pub country: &'static str,
    pub code: &'static str,
    pub mobile: &'static [&'static str],
    pub landline: &'static [&'static str],
}

pub const PLANS: &[NumberPlan] = &[
    NumberPlan {
        country: "GB",
        code: "44",
        mobile: &["7[1234579]########"],
        landline: &[
            "20[378]#######",
            "161N######",
            "113N######",
            "117N######",
            "141N######",
            "131N######",
            "121N######",
            "29N#######",
        ],
    },
    NumberPlan {
        country: "US",
        code: "1",
        mobile: &["[2-9]##N######"],
        landline: &[
            "212N######",
            "415N######",
            "312N######",
            "617N######",
            "206N######",
            "305N######",
            "713N######",
            "404N######",
        ],
    },
    NumberPlan {
        country: "IE",
        code: "353",
        mobile: &["8[35679]#######"],
        landline: &["1N######", "21N######", "91N######"],
    },
    NumberPlan {
        country: "DE",
        code: "49",
        mobile: &[
            "15[1257]########",
            "16[023]#######",
            "17#########",
            "17########",
        ],
        landline: &["30N#######", "89N#######", "40N#######", "221N######"],
    },
    NumberPlan {
        country: "FR",
        code: "33",
        mobile: &["[67]########"],
        landline: &["1########", "4########"],
    },
    NumberPlan {
        country: "ES",
        code: "34",
        mobile: &["6########", "7[1-4]#######"],
        landline: &["91#######", "93#######"],
    },
    NumberPlan {
        country: "NL",
        code: "31",
        mobile: &["6[1-5]#######"],
        landline: &["20N######", "10N######"],
    },
    NumberPlan {
        country: "SE",
        code: "46",
        mobile: &["7[02369]#######"],
        landline: &["8N######", "31N#####"],
    },
    NumberPlan {
        country: "PL",
        code: "48",
        mobile: &["[5678]########"],
        landline: &["22#######", "12#######"],
    },
    NumberPlan {
        country: "CN",
        code: "86",
        mobile: &["1[3-9]#########"],
        landline: &["10N#######", "21N#######"],
    },
    NumberPlan {
        country: "JP",
        code: "81",
        mobile: &["[789]0########"],
        landline: &["3N#######", "6N#######"],
    },
    NumberPlan {
        country: "KR",
        code: "82",
        mobile: &["10N#######"],
        landline: &["2N#######"],
    },
    NumberPlan {
        country: "IN",
        code: "91",
        mobile: &["[6-9]#########"],
        landline: &["11N#######", "22N#######"],
    },
    NumberPlan {
        country: "NG",
        code: "234",
        mobile: &["[789][01]########"],
        landline: &["1N######"],
    },
    NumberPlan {
        country: "AE",
        code: "971",
        mobile: &["5[024568]#######"],
        landline: &["4N######", "2N######"],
    },
];

pub fn plan(country: &str) -> &'static NumberPlan {
    PLANS
        .iter()
        .find(|p| p.country == country)
        .unwrap_or(&PLANS[0])
}

/// Expand a pattern (see [`NumberPlan`]) into digits.
pub fn expand(pattern: &str, rng: &mut impl Rng) -> String {
    expand_with(pattern, rng, true)
}

fn expand_with(pattern: &str, rng: &mut impl Rng, n_is_digit: bool) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => out.push(char::from(b'0' + rng.random_range(0..10u8))),
            'N' if n_is_digit => out.push(char::from(b'0' + rng.random_range(2..10u8))),
            '[' => {
                let mut set: Vec<char> = Vec::new();
                let mut prev: Option<char> = None;
                while let Some(s) = chars.next() {
                    if s == ']' {
                        break;
                    }
                    if s == '-'
                        && let (Some(lo), Some(&hi)) = (prev, chars.peek())
                    {
                        chars.next();
                        for x in (lo as u8 + 1)..=(hi as u8) {
                            set.push(x as char);
                        }
                        prev = Some(hi);
                        continue;
                    }
                    set.push(s);
                    prev = Some(s);
                }
                if !set.is_empty() {
                    out.push(set[rng.random_range(0..set.len())]);
                }
            }
            d => out.push(d),
        }
    }
    out
}

/// A random E.164 number of the country, mobile or landline.
pub fn phone_number(country: &str, mobile: bool, rng: &mut impl Rng) -> String {
    let p = plan(country);
    let patterns = if mobile || p.landline.is_empty() {
        p.mobile
    } else {
        p.landline
    };
    let pattern = patterns[rng.random_range(0..patterns.len())];
    format!("+{}{}", p.code, expand(pattern, rng))
}

/// A city with how its postcodes look (same pattern language, plus `L` for
/// a letter) and its region.
#[derive(Debug, Clone, Copy)]
pub struct City {
    pub name: &'static str,
    pub region: Option<&'static str>,
    pub postcode: &'static str,
    pub weight: u32,
}

const fn city(
    name: &'static str,
    region: Option<&'static str>,
    postcode: &'static str,
    weight: u32,
) -> City {
    City {
        name,
        region,
        postcode,
        weight,
    }
}

/// How people of a country write addresses, and what they pay in.
#[derive(Debug, Clone, Copy)]
pub struct Country {
    pub code: &'static str,
    pub currency: &'static str,
    pub language: &'static str,
    pub cities: &'static [City],
    pub streets: &'static [&'static str],
    /// `{n}` house number, `{s}` street name.
    pub street_formats: &'static [&'static str],
    /// Second address lines, some of the time.
    pub line2: &'static [&'static str],
    pub email_domains: &'static [&'static str],
}

pub const COUNTRIES: &[Country] = &[
    Country {
        code: "GB",
        currency: "GBP",
        language: "en-GB",
        cities: &[
            city("London", Some("Greater London"), "[ENW]# #LL", 30),
            city("London", Some("Greater London"), "SW1# #LL", 4),
            city("London", Some("Greater London"), "SE1# #LL", 6),
            city("Manchester", Some("Greater Manchester"), "M# #LL", 8),
            city("Birmingham", Some("West Midlands"), "B1# #LL", 8),
            city("Leeds", Some("West Yorkshire"), "LS# #LL", 5),
            city("Glasgow", Some("Scotland"), "G# #LL", 5),
            city("Edinburgh", Some("Scotland"), "EH# #LL", 4),
            city("Bristol", None, "BS# #LL", 4),
            city("Cardiff", Some("Wales"), "CF1# #LL", 3),
            city("Liverpool", Some("Merseyside"), "L# #LL", 4),
            city("Newcastle upon Tyne", Some("Tyne and Wear"), "NE# #LL", 3),
            city("Sheffield", Some("South Yorkshire"), "S# #LL", 3),
            city("Nottingham", None, "NG# #LL", 3),
            city("Belfast", Some("Northern Ireland"), "BT# #LL", 3),
            city("Milton Keynes", Some("Buckinghamshire"), "MK# #LL", 2),
        ],
        streets: &[
            "High",
            "Station",
            "Church",
            "Victoria",
            "Park",
            "Mill",
            "Queen's",
            "King's",
            "Manor",
            "Albert",
            "Windsor",
            "Grange",
            "Brook",
            "Chapel",
            "Elm",
            "St Mary's",
        ],
        street_formats: &[
            "{n} {s} Road",
            "{n} {s} Street",
            "{n} {s} Lane",
            "{n} {s} Avenue",
            "Flat {n}, {s} Court",
            "{n} {s} Gardens",
        ],
        line2: &[
            "Flat 2",
            "Flat 3B",
            "Apartment 12",
            "The Old Rectory",
            "Unit 4",
        ],
        email_domains: &[
            "gmail.com",
            "outlook.com",
            "hotmail.co.uk",
            "yahoo.co.uk",
            "btinternet.com",
            "icloud.com",
            "sky.com",
        ],
    },
    Country {
        code: "IE",
        currency: "EUR",
        language: "en-IE",
        cities: &[
            city("Dublin", Some("Co. Dublin"), "D0# L###", 12),
            city("Dublin", Some("Co. Dublin"), "D1# L###", 6),
            city("Cork", Some("Co. Cork"), "T12 L###", 5),
            city("Galway", Some("Co. Galway"), "H91 L###", 3),
            city("Limerick", Some("Co. Limerick"), "V94 L###", 2),
        ],
        streets: &[
            "Main",
            "Church",
            "Bridge",
            "Castle",
            "Abbey",
            "Harbour",
            "Patrick's",
            "Mary's",
        ],
        street_formats: &[
            "{n} {s} Street",
            "{n} {s} Road",
            "{n} {s} View",
            "Apartment {n}, {s} Quay",
        ],
        line2: &[
            "Rathmines",
            "Ballsbridge",
            "Blackrock",
            "Douglas",
            "Salthill",
        ],
        email_domains: &[
            "gmail.com",
            "eircom.net",
            "hotmail.com",
            "outlook.com",
            "icloud.com",
        ],
    },
    Country {
        code: "US",
        currency: "USD",
        language: "en-US",
        cities: &[
            city("New York", Some("NY"), "100##", 10),
            city("San Francisco", Some("CA"), "941##", 5),
            city("Chicago", Some("IL"), "606##", 6),
            city("Boston", Some("MA"), "021##", 4),
            city("Seattle", Some("WA"), "981##", 4),
            city("Miami", Some("FL"), "331##", 4),
            city("Houston", Some("TX"), "770##", 5),
            city("Atlanta", Some("GA"), "303##", 3),
            city("Portland", Some("OR"), "972##", 2),
        ],
        streets: &[
            "Main",
            "Oak",
            "Maple",
            "Cedar",
            "Elm",
            "Washington",
            "Lake",
            "Hill",
            "Sunset",
            "Park",
        ],
        street_formats: &["{n} {s} St", "{n} {s} Ave", "{n} {s} Blvd", "{n} {s} Rd"],
        line2: &["Apt 4B", "Suite 210", "Apt 12", "Unit 7"],
        email_domains: &[
            "gmail.com",
            "yahoo.com",
            "outlook.com",
            "icloud.com",
            "aol.com",
            "comcast.net",
        ],
    },
    Country {
        code: "DE",
        currency: "EUR",
        language: "de-DE",
        cities: &[
            city("Berlin", None, "1[0-3]###", 10),
            city("München", Some("Bayern"), "8[01]###", 6),
            city("Hamburg", None, "2[0-2]###", 6),
            city("Köln", Some("Nordrhein-Westfalen"), "50###", 4),
            city("Frankfurt am Main", Some("Hessen"), "60###", 4),
            city("Stuttgart", Some("Baden-Württemberg"), "70###", 3),
            city("Düsseldorf", Some("Nordrhein-Westfalen"), "40###", 3),
            city("Leipzig", Some("Sachsen"), "04###", 2),
        ],
        streets: &[
            "Haupt", "Schul", "Garten", "Bahnhof", "Linden", "Berg", "Kirch", "Wald", "Goethe",
            "Schiller",
        ],
        street_formats: &[
            "{s}straße {n}",
            "{s}weg {n}",
            "{s}allee {n}",
            "Am {s}platz {n}",
        ],
        line2: &["Hinterhaus", "2. OG", "c/o Schmidt"],
        email_domains: &["gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de"],
    },
    Country {
        code: "FR",
        currency: "EUR",
        language: "fr-FR",
        cities: &[
            city("Paris", Some("Île-de-France"), "750[012]#", 12),
            city("Lyon", Some("Auvergne-Rhône-Alpes"), "6900#", 4),
            city("Marseille", Some("Provence-Alpes-Côte d'Azur"), "130##", 4),
            city("Toulouse", Some("Occitanie"), "310##", 3),
            city("Nice", Some("Provence-Alpes-Côte d'Azur"), "060##", 2),
            city("Bordeaux", Some("Nouvelle-Aquitaine"), "330##", 3),
            city("Lille", Some("Hauts-de-France"), "590##", 2),
            city("Nantes", Some("Pays de la Loire"), "440##", 2),
        ],
        streets: &[
            "de la Paix",
            "Victor Hugo",
            "de la République",
            "Jean Jaurès",
            "des Lilas",
            "du Général de Gaulle",
            "Pasteur",
            "de l'Église",
        ],
        street_formats: &[
            "{n} rue {s}",
            "{n} avenue {s}",
            "{n} boulevard {s}",
            "{n} place {s}",
        ],
        line2: &["Bâtiment B", "Escalier 3", "Appartement 14"],
        email_domains: &[
            "gmail.com",
            "orange.fr",
            "free.fr",
            "laposte.net",
            "sfr.fr",
            "hotmail.fr",
        ],
    },
    Country {
        code: "ES",
        currency: "EUR",
        language: "es-ES",
        cities: &[
            city("Madrid", Some("Comunidad de Madrid"), "280##", 10),
            city("Barcelona", Some("Cataluña"), "080##", 8),
            city("Valencia", Some("Comunitat Valenciana"), "460##", 4),
            city("Sevilla", Some("Andalucía"), "410##", 3),
            city("Bilbao", Some("País Vasco"), "480##", 2),
            city("Málaga", Some("Andalucía"), "290##", 3),
            city("Zaragoza", Some("Aragón"), "500##", 2),
        ],
        streets: &[
            "Mayor",
            "Real",
            "de Alcalá",
            "Gran Vía",
            "del Sol",
            "de la Constitución",
            "San Miguel",
            "de Cervantes",
        ],
        street_formats: &[
            "Calle {s}, {n}",
            "Avenida {s}, {n}",
            "Plaza {s}, {n}",
            "Paseo {s}, {n}",
        ],
        line2: &["3º 2ª", "1º A", "Bajo", "5º izquierda"],
        email_domains: &[
            "gmail.com",
            "hotmail.es",
            "yahoo.es",
            "telefonica.net",
            "outlook.es",
        ],
    },
    Country {
        code: "NL",
        currency: "EUR",
        language: "nl-NL",
        cities: &[
            city("Amsterdam", Some("Noord-Holland"), "10## LL", 8),
            city("Rotterdam", Some("Zuid-Holland"), "30## LL", 5),
            city("Utrecht", Some("Utrecht"), "35## LL", 4),
            city("Den Haag", Some("Zuid-Holland"), "25## LL", 4),
            city("Eindhoven", Some("Noord-Brabant"), "56## LL", 2),
        ],
        streets: &[
            "Kerk", "Molen", "Prinsen", "Heren", "Keizers", "Dorps", "School", "Linden",
        ],
        street_formats: &[
            "{s}straat {n}",
            "{s}gracht {n}",
            "{s}laan {n}",
            "{s}weg {n}",
        ],
        line2: &["3-hoog", "huis", "bis"],
        email_domains: &[
            "gmail.com",
            "ziggo.nl",
            "kpnmail.nl",
            "hotmail.nl",
            "outlook.com",
        ],
    },
    Country {
        code: "SE",
        currency: "SEK",
        language: "sv-SE",
        cities: &[
            city("Stockholm", None, "11# ##", 8),
            city("Göteborg", Some("Västra Götaland"), "41# ##", 4),
            city("Malmö", Some("Skåne"), "21# ##", 3),
            city("Uppsala", None, "75# ##", 2),
        ],
        streets: &[
            "Stor",
            "Kyrko",
            "Drottning",
            "Kungs",
            "Skol",
            "Tall",
            "Björk",
            "Sjö",
        ],
        street_formats: &["{s}gatan {n}", "{s}vägen {n}", "{s}gränd {n}"],
        line2: &["lgh 1102", "3 tr", "c/o Lindqvist"],
        email_domains: &[
            "gmail.com",
            "telia.com",
            "hotmail.se",
            "outlook.com",
            "bredband.net",
        ],
    },
    Country {
        code: "PL",
        currency: "PLN",
        language: "pl-PL",
        cities: &[
            city("Warszawa", Some("mazowieckie"), "0[0-4]-###", 8),
            city("Kraków", Some("małopolskie"), "3[01]-###", 4),
            city("Wrocław", Some("dolnośląskie"), "5[0-4]-###", 3),
            city("Gdańsk", Some("pomorskie"), "80-###", 2),
            city("Poznań", Some("wielkopolskie"), "6[01]-###", 3),
            city("Łódź", Some("łódzkie"), "9[0-4]-###", 3),
        ],
        streets: &[
            "Długa",
            "Krótka",
            "Ogrodowa",
            "Lipowa",
            "Słoneczna",
            "Mickiewicza",
            "Kościuszki",
            "Piłsudskiego",
        ],
        street_formats: &["ul. {s} {n}", "al. {s} {n}", "pl. {s} {n}"],
        line2: &["m. 12", "m. 4", "lok. 3"],
        email_domains: &["gmail.com", "wp.pl", "onet.pl", "interia.pl", "o2.pl"],
    },
];

pub fn country(code: &str) -> &'static Country {
    COUNTRIES
        .iter()
        .find(|c| c.code == code)
        .unwrap_or(&COUNTRIES[0])
}

/// Email providers popular with people from a heritage country.
pub fn heritage_domains(country: &str) -> &'static [&'static str] {
    match country {
        "CN" => &["qq.com", "163.com", "126.com"],
        "JP" => &["yahoo.co.jp", "docomo.ne.jp", "gmail.com"],
        "KR" => &["naver.com", "daum.net", "gmail.com"],
        "IN" => &["gmail.com", "rediffmail.com", "yahoo.co.in"],
        "NG" => &["gmail.com", "yahoo.com"],
        "AE" => &["gmail.com", "hotmail.com", "outlook.com"],
        _ => &["gmail.com"],
    }
}

/// Expand a postcode pattern: `#` digit, `L` capital letter (postal set),
/// `[..]` one of a set or range, anything else as written.
pub fn postcode(pattern: &str, rng: &mut impl Rng) -> String {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let digits = expand_with(&pattern.replace('L', "\u{1}"), rng, false);
    digits
        .chars()
        .map(|c| {
            if c == '\u{1}' {
                LETTERS[rng.random_range(0..LETTERS.len())] as char
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn phone_numbers_are_valid_e164_of_plausible_length() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for p in PLANS {
            for mobile in [true, false] {
                for _ in 0..50 {
                    let n = phone_number(p.country, mobile, &mut rng);
                    let keys = crate::phone::parse_e164(&n).unwrap_or_else(|e| panic!("{e}"));
                    assert!(keys.digits.starts_with(p.code), "{n}");
                    assert_eq!(&keys.digits[..p.code.len()], p.code, "{n}");
                    let national = keys.digits.len() - p.code.len();
                    assert!(
                        (7..=11).contains(&national),
                        "{n} has {national} national digits"
                    );
                    assert_eq!(keys.national.len(), national, "{n}: country code misread");
                }
            }
        }
    }

    #[test]
    fn uk_mobiles_look_right() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let n = phone_number("GB", true, &mut rng);
        assert!(n.starts_with("+447"), "{n}");
        assert_eq!(n.len(), 13);
    }

    #[test]
    fn expands_patterns() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..100 {
            let s = expand("1[3-9]N#", &mut rng);
            let b = s.as_bytes();
            assert_eq!(b.len(), 4);
            assert_eq!(b[0], b'1');
            assert!((b'3'..=b'9').contains(&b[1]));
            assert!(b[2] >= b'2');
        }
        let pc = postcode("SW1# #LL", &mut rng);
        assert_eq!(pc.len(), 8);
        assert!(pc.starts_with("SW1"));
        let pc = postcode("NE# #LL", &mut rng);
        assert!(pc.starts_with("NE"), "{pc}");
    }
}
