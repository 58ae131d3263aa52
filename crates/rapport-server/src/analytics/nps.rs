//! Net Promoter Score and CSAT (DOMAIN.md): tallies of answers and the
//! scores over them.

use rapport_api::{NpsCategory, NpsGroup};
use serde::{Deserialize, Serialize};

/// Answers of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    pub csat_answers: i64,
    /// CSAT answers of 4 or 5.
    pub csat_satisfied: i64,
}

impl Tally {
    pub fn add_nps(&mut self, score: i64) {
        match NpsCategory::of(score) {
            NpsCategory::Promoter => self.promoters += 1,
            NpsCategory::Passive => self.passives += 1,
            NpsCategory::Detractor => self.detractors += 1,
        }
    }

    pub fn add_csat(&mut self, score: i64) {
        self.csat_answers += 1;
        if score >= 4 {
            self.csat_satisfied += 1;
        }
    }

    pub fn answers(&self) -> i64 {
        self.promoters + self.passives + self.detractors
    }

    /// % promoters − % detractors, −100 to +100; None without answers.
    pub fn nps(&self) -> Option<f64> {
        let n = self.answers();
        (n > 0).then(|| 100.0 * (self.promoters - self.detractors) as f64 / n as f64)
    }

    /// % of CSAT answers 4–5; None without answers.
    pub fn csat(&self) -> Option<f64> {
        (self.csat_answers > 0)
            .then(|| 100.0 * self.csat_satisfied as f64 / self.csat_answers as f64)
    }

    pub fn group(&self, name: &str) -> NpsGroup {
        NpsGroup {
            group: name.to_string(),
            answers: self.answers(),
            promoters: self.promoters,
            passives: self.passives,
            detractors: self.detractors,
            nps: self.nps(),
            csat_answers: self.csat_answers,
            csat: self.csat(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_by_hand() {
        // Answers 10, 9, 9, 8, 7, 6, 3, 10: promoters 4, passives 2,
        // detractors 2 of 8: 50 % − 25 % = +25.
        let mut t = Tally::default();
        for s in [10, 9, 9, 8, 7, 6, 3, 10] {
            t.add_nps(s);
        }
        assert_eq!((t.promoters, t.passives, t.detractors), (4, 2, 2));
        assert_eq!(t.nps(), Some(25.0));
    }

    #[test]
    fn nps_runs_from_minus_to_plus_one_hundred() {
        let mut t = Tally::default();
        t.add_nps(0);
        t.add_nps(6);
        assert_eq!(t.nps(), Some(-100.0));
        let mut t = Tally::default();
        t.add_nps(9);
        assert_eq!(t.nps(), Some(100.0));
        assert_eq!(Tally::default().nps(), None);
    }

    #[test]
    fn csat_by_hand() {
        // 5, 4, 3, 1: two of four satisfied = 50 %.
        let mut t = Tally::default();
        for s in [5, 4, 3, 1] {
            t.add_csat(s);
        }
        assert_eq!(t.csat(), Some(50.0));
        let g = t.group("Billing");
        assert_eq!((g.answers, g.nps, g.csat_answers), (0, None, 4));
    }
}
