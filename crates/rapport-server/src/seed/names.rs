//! Personal names of the cultures the demo customers come from, written as
//! their bearers write them: diacritics, apostrophes, particles, double
//! surnames, and CJK names in native script (with a romanisation, used only
//! to build plausible email addresses).

/// A name written in a non-Latin script, with its usual romanisation.
#[derive(Debug, Clone, Copy)]
pub struct Native {
    pub script: &'static str,
    pub latin: &'static str,
}

const fn n(script: &'static str, latin: &'static str) -> Native {
    Native { script, latin }
}

/// How a culture's family names are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyStyle {
    /// One family name.
    Single,
    /// Two surnames, father's then mother's (Spanish).
    Double,
    /// Polish adjectival surnames take -ska / -cka for women.
    Polish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    /// Chinese, Japanese, Korean: native script, family name first, no space.
    Cjk,
}

/// Where people of a culture live, phone from, and what they speak.
#[derive(Debug, Clone, Copy)]
pub struct Culture {
    pub key: &'static str,
    pub weight: u32,
    pub script: Script,
    pub family_style: FamilyStyle,
    pub female: &'static [&'static str],
    pub male: &'static [&'static str],
    pub family: &'static [&'static str],
    pub native_given: &'static [Native],
    pub native_family: &'static [Native],
    /// (ISO country, weight) of residence.
    pub residence: &'static [(&'static str, u32)],
    /// Country whose mobile numbers some keep as a second phone.
    pub heritage_phone: &'static str,
    /// BCP 47 language of the culture.
    pub language: &'static str,
}

pub const ENGLISH: Culture = Culture {
    key: "english",
    weight: 20,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Charlotte",
        "Jessica", "Hannah", "Lucy", "Chloe", "Ellie", "Rebecca", "Sarah", "Laura", "Emma", "Jane",
        "Helen", "Margaret", "Susan", "Karen", "Rachel", "Victoria", "Katherine", "Ann", "Anna",
        "Annabel", "Joanne", "Claire", "Fiona", "Gemma", "Harriet", "Imogen", "Philippa",
    ],
    male: &[
        "Oliver", "George", "Harry", "Jack", "Jacob", "Charlie", "Thomas", "Oscar", "William",
        "James", "Daniel", "Matthew", "David", "Michael", "Paul", "Mark", "Richard", "Stephen",
        "Andrew", "Peter", "John", "Jon", "Christopher", "Robert", "Edward", "Samuel", "Joseph",
        "Benjamin", "Alexander", "Henry", "Rhys", "Gareth", "Callum", "Hamish", "Nigel", "Graham",
    ],
    family: &[
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
        "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
        "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Jackson", "Wood", "Turner",
        "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "King", "Baker",
        "Harrison", "Morgan", "Allen", "Scott", "Phillips", "Watson", "Parker", "Price",
        "Bennett", "Young", "Griffiths", "Mitchell", "Cook", "Carter", "Richardson", "Bailey",
        "Collins", "Bell", "Shaw", "Whitfield", "Ashworth", "Fairbrother", "MacDonald", "McLeod",
        "Llewellyn", "Pritchard", "Featherstonehaugh", "St John", "Armitage",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("GB", 88), ("IE", 3), ("US", 4), ("ES", 2), ("FR", 1), ("DE", 1), ("NL", 1)],
    heritage_phone: "GB",
    language: "en-GB",
};

pub const AMERICAN: Culture = Culture {
    key: "american",
    weight: 9,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Madison", "Emma", "Ashley", "Brittany", "Jennifer", "Jessica", "Amanda", "Megan",
        "Kayla", "Taylor", "Hailey", "Abigail", "Brianna", "Mackenzie", "Savannah", "Jane",
        "Linda", "Patricia", "Nancy", "Dolores",
    ],
    male: &[
        "Tyler", "Brandon", "Justin", "Austin", "Cody", "Dylan", "Kyle", "Ethan", "Logan",
        "Mason", "Jayden", "Carter", "Hunter", "Chase", "Jon", "John", "Robert", "Dwayne",
        "Marcus", "Travis",
    ],
    family: &[
        "Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Anderson", "Moore", "Jackson",
        "Thompson", "Harris", "Sanchez", "Ramirez", "Robinson", "Walker", "Hernandez", "Nguyen",
        "Flores", "Adams", "Nelson", "Rivera", "Campbell", "Carter", "Washington", "O'Malley",
        "Kowalczyk", "Schwartz", "Goldberg", "DeLuca", "Van Buren", "McAllister",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("US", 90), ("GB", 10)],
    heritage_phone: "US",
    language: "en-US",
};

pub const IRISH: Culture = Culture {
    key: "irish",
    weight: 6,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Aoife", "Siobhán", "Niamh", "Saoirse", "Ciara", "Orla", "Róisín", "Caoimhe", "Sinéad",
        "Aisling", "Clodagh", "Éabha", "Mary", "Bridget", "Gráinne", "Máire",
    ],
    male: &[
        "Seán", "Pádraig", "Cian", "Oisín", "Darragh", "Eoin", "Ciarán", "Conor", "Liam", "Tadhg",
        "Diarmuid", "Cathal", "Fionn", "Declan", "Ruairí", "Colm",
    ],
    family: &[
        "O'Brien", "O'Sullivan", "O'Connor", "O'Neill", "O'Reilly", "O'Donnell", "O'Mahony",
        "Ó Briain", "Ó Súilleabháin", "Murphy", "Kelly", "Byrne", "Ryan", "Walsh", "McCarthy",
        "Doyle", "Gallagher", "Kennedy", "Lynch", "Quinn", "Fitzgerald", "Mac Giolla Phádraig",
        "McGrath", "Brennan", "Nolan", "Dunne", "Kavanagh", "D'Arcy", "Ní Dhomhnaill",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("IE", 70), ("GB", 25), ("US", 5)],
    heritage_phone: "IE",
    language: "en-IE",
};

pub const GERMAN: Culture = Culture {
    key: "german",
    weight: 7,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Anna", "Lena", "Leonie", "Hannah", "Lea", "Julia", "Sophie", "Katharina", "Sabine",
        "Ursula", "Jutta", "Käthe", "Birgit", "Ute", "Monika", "Greta", "Mia", "Johanna",
        "Franziska", "Jördis",
    ],
    male: &[
        "Jürgen", "Lukas", "Jonas", "Leon", "Maximilian", "Felix", "Paul", "Tobias", "Stefan",
        "Thomas", "Andreas", "Michael", "Klaus", "Uwe", "Günter", "Björn", "Matthias",
        "Sebastian", "Florian", "Jörg",
    ],
    family: &[
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
        "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
        "Weiß", "Köhler", "Groß", "Jäger", "Böhm", "von Bülow", "Straßburger",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("DE", 80), ("GB", 8), ("NL", 4), ("ES", 4), ("SE", 2), ("US", 2)],
    heritage_phone: "DE",
    language: "de-DE",
};

pub const NORDIC: Culture = Culture {
    key: "nordic",
    weight: 4,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Åsa", "Ingrid", "Astrid", "Linnéa", "Elin", "Maja", "Sigrid", "Saga", "Frida", "Karin",
        "Märta", "Solveig", "Liv", "Ebba",
    ],
    male: &[
        "Björn", "Søren", "Ørjan", "Lars", "Anders", "Magnus", "Erik", "Nils", "Johan", "Håkan",
        "Gustav", "Mikael", "Torbjørn", "Axel",
    ],
    family: &[
        "Lindqvist", "Lindgren", "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson",
        "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson", "Bergström", "Sjöberg", "Åberg",
        "Lindström", "Holm", "Dahl", "Hansen", "Jørgensen", "Sørensen", "Nørgaard", "Østergaard",
        "Halvorsen", "Bakke", "Ødegaard",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("SE", 80), ("GB", 10), ("DE", 10)],
    heritage_phone: "SE",
    language: "sv-SE",
};

pub const FRENCH: Culture = Culture {
    key: "french",
    weight: 6,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Chloé", "Léa", "Manon", "Camille", "Inès", "Zoé", "Clémence", "Élodie", "Amélie",
        "Margaux", "Océane", "Hélène", "Françoise", "Geneviève", "Maëlle", "Anne-Sophie",
    ],
    male: &[
        "Lucas", "Hugo", "Théo", "Louis", "Mathéo", "Étienne", "François", "Jérôme", "Benoît",
        "Rémi", "Gaël", "Noël", "Timothée", "Cédric", "Jean-Luc", "Jean-Pierre",
    ],
    family: &[
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "David", "Bertrand", "Roux",
        "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont",
        "Lambert", "Bonnet", "Chevalier", "Fontaine", "Gauthier", "Rousseau", "Guérin", "Faure",
        "Perrin", "Bérard", "de La Fontaine",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("FR", 80), ("GB", 10), ("ES", 5), ("IE", 5)],
    heritage_phone: "FR",
    language: "fr-FR",
};

pub const SPANISH: Culture = Culture {
    key: "spanish",
    weight: 6,
    script: Script::Latin,
    family_style: FamilyStyle::Double,
    female: &[
        "María", "Lucía", "Paula", "Sofía", "Carmen", "Laura", "Marta", "Alba", "Núria", "Elena",
        "Irene", "Pilar", "Ainhoa", "Begoña", "Inés", "María José",
    ],
    male: &[
        "José", "Antonio", "Manuel", "Javier", "David", "Daniel", "Alejandro", "Pablo", "Álvaro",
        "Sergio", "Jesús", "Iñaki", "Andrés", "Rubén", "Íñigo", "Juan Carlos",
    ],
    family: &[
        "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
        "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
        "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
        "Gil", "Ramírez", "Serrano", "Blanco", "Molina", "Ibáñez", "Castillo", "Ortega", "Núñez",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("ES", 80), ("GB", 10), ("FR", 5), ("US", 5)],
    heritage_phone: "ES",
    language: "es-ES",
};

pub const POLISH: Culture = Culture {
    key: "polish",
    weight: 5,
    script: Script::Latin,
    family_style: FamilyStyle::Polish,
    female: &[
        "Zofia", "Zuzanna", "Julia", "Maja", "Łucja", "Małgorzata", "Agnieszka", "Katarzyna",
        "Aleksandra", "Joanna", "Żaneta", "Bożena", "Grażyna", "Jadwiga",
    ],
    male: &[
        "Łukasz", "Krzysztof", "Piotr", "Tomasz", "Paweł", "Michał", "Grzegorz", "Wojciech",
        "Jakub", "Mateusz", "Andrzej", "Marek", "Szymon", "Bartłomiej",
    ],
    family: &[
        "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
        "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
        "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Pawłowski", "Michalski", "Zając",
        "Król", "Wróbel", "Jabłoński", "Majewski", "Olszewski", "Stępień", "Jaworski",
        "Malinowski", "Brzęczyszczykiewicz",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("PL", 55), ("GB", 30), ("DE", 10), ("IE", 5)],
    heritage_phone: "PL",
    language: "pl-PL",
};

pub const DUTCH: Culture = Culture {
    key: "dutch",
    weight: 3,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Sanne", "Fleur", "Anouk", "Lotte", "Femke", "Eva", "Noor", "Iris", "Marieke", "Ineke",
    ],
    male: &[
        "Daan", "Bram", "Sem", "Lars", "Thijs", "Joost", "Pieter", "Maarten", "Wouter", "Jeroen",
        "Sven", "Ruud",
    ],
    family: &[
        "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
        "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
        "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "van der Meer",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("NL", 85), ("GB", 10), ("DE", 5)],
    heritage_phone: "NL",
    language: "nl-NL",
};

pub const CHINESE: Culture = Culture {
    key: "chinese",
    weight: 6,
    script: Script::Cjk,
    family_style: FamilyStyle::Single,
    female: &[],
    male: &[],
    family: &[],
    native_given: &[
        n("伟", "wei"), n("芳", "fang"), n("娜", "na"), n("秀英", "xiuying"), n("敏", "min"),
        n("静", "jing"), n("丽", "li"), n("强", "qiang"), n("磊", "lei"), n("军", "jun"),
        n("洋", "yang"), n("勇", "yong"), n("艳", "yan"), n("杰", "jie"), n("娟", "juan"),
        n("涛", "tao"), n("明", "ming"), n("超", "chao"), n("秀兰", "xiulan"), n("霞", "xia"),
        n("平", "ping"), n("刚", "gang"), n("桂英", "guiying"), n("子涵", "zihan"),
        n("浩然", "haoran"), n("欣怡", "xinyi"), n("宇轩", "yuxuan"), n("梓萱", "zixuan"),
        n("俊杰", "junjie"), n("思远", "siyuan"),
    ],
    native_family: &[
        n("王", "wang"), n("李", "li"), n("张", "zhang"), n("刘", "liu"), n("陈", "chen"),
        n("杨", "yang"), n("黄", "huang"), n("赵", "zhao"), n("吴", "wu"), n("周", "zhou"),
        n("徐", "xu"), n("孙", "sun"), n("马", "ma"), n("朱", "zhu"), n("胡", "hu"),
        n("郭", "guo"), n("何", "he"), n("林", "lin"), n("罗", "luo"), n("高", "gao"),
        n("梁", "liang"), n("郑", "zheng"), n("谢", "xie"), n("宋", "song"), n("欧阳", "ouyang"),
    ],
    residence: &[("GB", 55), ("US", 25), ("DE", 10), ("FR", 5), ("NL", 5)],
    heritage_phone: "CN",
    language: "zh-CN",
};

pub const JAPANESE: Culture = Culture {
    key: "japanese",
    weight: 3,
    script: Script::Cjk,
    family_style: FamilyStyle::Single,
    female: &[],
    male: &[],
    family: &[],
    native_given: &[
        n("翔太", "shota"), n("蓮", "ren"), n("大翔", "hiroto"), n("陽翔", "haruto"),
        n("悠真", "yuma"), n("健太", "kenta"), n("拓也", "takuya"), n("直樹", "naoki"),
        n("陽菜", "hina"), n("結衣", "yui"), n("さくら", "sakura"), n("美咲", "misaki"),
        n("花子", "hanako"), n("葵", "aoi"), n("愛", "ai"), n("由美子", "yumiko"),
        n("恵子", "keiko"), n("真由美", "mayumi"), n("ひかり", "hikari"), n("健二", "kenji"),
    ],
    native_family: &[
        n("佐藤", "sato"), n("鈴木", "suzuki"), n("高橋", "takahashi"), n("田中", "tanaka"),
        n("伊藤", "ito"), n("渡辺", "watanabe"), n("山本", "yamamoto"), n("中村", "nakamura"),
        n("小林", "kobayashi"), n("加藤", "kato"), n("吉田", "yoshida"), n("山田", "yamada"),
        n("佐々木", "sasaki"), n("山口", "yamaguchi"), n("松本", "matsumoto"),
        n("井上", "inoue"), n("木村", "kimura"), n("林", "hayashi"), n("清水", "shimizu"),
        n("斎藤", "saito"),
    ],
    residence: &[("GB", 50), ("US", 30), ("DE", 20)],
    heritage_phone: "JP",
    language: "ja-JP",
};

pub const KOREAN: Culture = Culture {
    key: "korean",
    weight: 3,
    script: Script::Cjk,
    family_style: FamilyStyle::Single,
    female: &[],
    male: &[],
    family: &[],
    native_given: &[
        n("민준", "minjun"), n("서준", "seojun"), n("도윤", "doyun"), n("예준", "yejun"),
        n("시우", "siwoo"), n("하준", "hajun"), n("지호", "jiho"), n("서연", "seoyeon"),
        n("서윤", "seoyun"), n("지우", "jiwoo"), n("하은", "haeun"), n("민서", "minseo"),
        n("지민", "jimin"), n("수빈", "subin"), n("은지", "eunji"), n("현우", "hyunwoo"),
    ],
    native_family: &[
        n("김", "kim"), n("이", "lee"), n("박", "park"), n("최", "choi"), n("정", "jung"),
        n("강", "kang"), n("조", "cho"), n("윤", "yoon"), n("장", "jang"), n("임", "lim"),
        n("한", "han"), n("오", "oh"), n("서", "seo"), n("신", "shin"), n("남궁", "namgung"),
    ],
    residence: &[("GB", 40), ("US", 50), ("DE", 10)],
    heritage_phone: "KR",
    language: "ko-KR",
};

pub const INDIAN: Culture = Culture {
    key: "indian",
    weight: 8,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Priya", "Ananya", "Diya", "Aditi", "Kavya", "Lakshmi", "Sneha", "Pooja", "Neha", "Divya",
        "Meera", "Shreya", "Anjali", "Deepika", "Sunita",
    ],
    male: &[
        "Arjun", "Rahul", "Vikram", "Rohan", "Aditya", "Sanjay", "Amit", "Rajesh", "Suresh",
        "Venkatesh", "Karthik", "Arun", "Vijay", "Nikhil", "Siddharth",
    ],
    family: &[
        "Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Menon", "Rao",
        "Shah", "Mehta", "Chopra", "Banerjee", "Chatterjee", "Mukherjee", "Das", "Bose", "Joshi",
        "Kulkarni", "Desai", "Pillai", "Subramanian", "Krishnan", "Agarwal", "Malhotra",
        "Kapoor", "Verma", "Bhat", "Naidu", "Venkataraghavan",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("GB", 65), ("US", 25), ("IE", 5), ("DE", 5)],
    heritage_phone: "IN",
    language: "en-IN",
};

pub const NIGERIAN: Culture = Culture {
    key: "nigerian",
    weight: 6,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Ngozi", "Chioma", "Adaeze", "Funmilayo", "Yetunde", "Folake", "Amaka", "Nneka",
        "Chiamaka", "Aisha", "Zainab", "Bukola", "Temitope", "Ifeoma", "Titilayo",
    ],
    male: &[
        "Chukwuemeka", "Oluwaseun", "Adebayo", "Babatunde", "Emeka", "Chinedu", "Obinna",
        "Olumide", "Ikenna", "Tunde", "Segun", "Femi", "Uchenna", "Kelechi", "Ibrahim", "Musa",
    ],
    family: &[
        "Okafor", "Adeyemi", "Okonkwo", "Balogun", "Adebayo", "Eze", "Nwosu", "Obi", "Okeke",
        "Ogunleye", "Olawale", "Oyelaran", "Chukwu", "Nwachukwu", "Ibekwe", "Afolabi",
        "Akinwale", "Oladipo", "Bello", "Abubakar", "Okoro", "Ogbonna", "Adewale",
        "Oluwadamilare",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("GB", 75), ("US", 15), ("IE", 10)],
    heritage_phone: "NG",
    language: "en-NG",
};

pub const ARABIC: Culture = Culture {
    key: "arabic",
    weight: 5,
    script: Script::Latin,
    family_style: FamilyStyle::Single,
    female: &[
        "Fatima", "Aisha", "Mariam", "Layla", "Noor", "Yasmin", "Huda", "Salma", "Amira",
        "Rania", "Leila", "Hana", "Zahra", "Dina",
    ],
    male: &[
        "Mohammed", "Ahmed", "Omar", "Ali", "Hassan", "Youssef", "Khalid", "Ibrahim", "Tariq",
        "Karim", "Mustafa", "Hamza", "Bilal", "Samir", "Rashid",
    ],
    family: &[
        "Al-Rashid", "Al-Hassan", "El-Amin", "Haddad", "Khoury", "Mansour", "Nasser", "Saleh",
        "Al-Farsi", "Aziz", "Hamdan", "Qureshi", "Abboud", "El-Sayed", "Al-Amiri", "Bakr",
        "Darwish", "Farouk", "Habib", "Ismail", "Jaber", "Kassem", "Abdel-Rahman",
    ],
    native_given: &[],
    native_family: &[],
    residence: &[("GB", 55), ("DE", 15), ("FR", 15), ("US", 10), ("SE", 5)],
    heritage_phone: "AE",
    language: "ar",
};

pub const CULTURES: [&Culture; 15] = [
    &ENGLISH, &AMERICAN, &IRISH, &GERMAN, &NORDIC, &FRENCH, &SPANISH, &POLISH, &DUTCH,
    &CHINESE, &JAPANESE, &KOREAN, &INDIAN, &NIGERIAN, &ARABIC,
];

/// The feminine form of a Polish adjectival surname (`Kowalski` →
/// `Kowalska`); other surnames are unchanged.
pub fn polish_feminine(family: &str) -> String {
    for (m, f) in [("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")] {
        if let Some(stem) = family.strip_suffix(m) {
            return format!("{stem}{f}");
        }
    }
    family.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cultures_are_complete() {
        for c in CULTURES {
            match c.script {
                Script::Latin => {
                    assert!(!c.female.is_empty() && !c.male.is_empty() && !c.family.is_empty(), "{}", c.key);
                }
                Script::Cjk => {
                    assert!(!c.native_given.is_empty() && !c.native_family.is_empty(), "{}", c.key);
                }
            }
            assert!(!c.residence.is_empty());
        }
    }

    #[test]
    fn polish_surnames_agree_with_gender() {
        assert_eq!(polish_feminine("Kowalski"), "Kowalska");
        assert_eq!(polish_feminine("Nowak"), "Nowak");
        assert_eq!(polish_feminine("Zieliński"), "Zielińska");
    }
}
