//! Bounds on money and quantities, and arithmetic on them that cannot wrap.
//!
//! Money is `i64` minor units. Every amount that comes in (a unit price, a
//! quantity, a recovery action's amount, an approval limit, an imported
//! line) is checked against a bound here, and every product and sum of
//! amounts is computed with checked arithmetic: a value past a bound is
//! refused with a 400 that names the limit, and nothing is stored.
//!
//! The bounds leave room: the largest order (200 lines of the largest
//! quantity at the largest price) is 2·10^18, under `i64::MAX` ≈ 9.2·10^18,
//! and is then refused by [`MAX_ORDER_TOTAL_MINOR`]. Sums over many stored
//! amounts (a lifetime spend, a month's spend) are taken in `i128`, which
//! no count of `i64` values a database can hold can overflow, and narrowed
//! back saturating ([`narrow`]): a read never fails and never wraps.

use crate::error::{Error, Result};

/// Largest unit price: 10^10 minor units (100,000,000.00 in a currency of
/// two decimals, ¥10,000,000,000 in yen).
pub const MAX_UNIT_PRICE_MINOR: i64 = 10_000_000_000;
/// Largest quantity of one order line, from any source.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// Largest order total: 10^12 minor units (10,000,000,000.00).
pub const MAX_ORDER_TOTAL_MINOR: i64 = 1_000_000_000_000;
/// Largest single amount of money otherwise (a recovery action, an approval
/// limit per action or per day): the same as an order's.
pub const MAX_AMOUNT_MINOR: i64 = MAX_ORDER_TOTAL_MINOR;

/// `n` in the usual grouped form, for the messages: `10,000,000,000`.
fn grouped(n: i64) -> String {
    rapport_api::money::group_thousands(n.unsigned_abs())
}

/// A unit price from `field`: 0 to [`MAX_UNIT_PRICE_MINOR`].
pub fn unit_price(field: &str, minor: i64) -> Result<i64> {
    if minor < 0 {
        return Err(Error::invalid(
            field,
            "A price cannot be negative; refunds are recovery actions on a complaint.",
        ));
    }
    if minor > MAX_UNIT_PRICE_MINOR {
        return Err(Error::invalid(
            field,
            format!(
                "A unit price is at most {} minor units; got {}.",
                grouped(MAX_UNIT_PRICE_MINOR),
                grouped(minor)
            ),
        ));
    }
    Ok(minor)
}

/// A quantity from `field`: 1 to `max` (at most [`MAX_QUANTITY`]).
pub fn quantity(field: &str, n: i64, max: i64) -> Result<i64> {
    let max = max.min(MAX_QUANTITY);
    if !(1..=max).contains(&n) {
        return Err(Error::invalid(
            field,
            format!("The quantity must be a whole number from 1 to {max}."),
        ));
    }
    Ok(n)
}

/// An amount of money from `field`: 1 to [`MAX_AMOUNT_MINOR`].
pub fn amount(field: &str, minor: i64) -> Result<i64> {
    if minor <= 0 {
        return Err(Error::invalid(field, "The amount must be more than zero."));
    }
    if minor > MAX_AMOUNT_MINOR {
        return Err(Error::invalid(
            field,
            format!(
                "An amount is at most {} minor units; got {}.",
                grouped(MAX_AMOUNT_MINOR),
                grouped(minor)
            ),
        ));
    }
    Ok(minor)
}

/// A limit (approval per action or per day): 0 to [`MAX_AMOUNT_MINOR`].
pub fn limit(field: &str, minor: i64) -> Result<i64> {
    if !(0..=MAX_AMOUNT_MINOR).contains(&minor) {
        return Err(Error::invalid(
            field,
            format!(
                "A limit is from 0 to {} minor units; got {minor}.",
                grouped(MAX_AMOUNT_MINOR)
            ),
        ));
    }
    Ok(minor)
}

/// The total of an order's `(quantity, unit price)` lines, checked at each
/// step and against [`MAX_ORDER_TOTAL_MINOR`].
pub fn order_total(field: &str, lines: impl IntoIterator<Item = (i64, i64)>) -> Result<i64> {
    let too_big = || {
        Error::invalid(
            field,
            format!(
                "An order's total is at most {} minor units; this one is more.",
                grouped(MAX_ORDER_TOTAL_MINOR)
            ),
        )
    };
    let mut total: i64 = 0;
    for (q, p) in lines {
        let line = q.checked_mul(p).ok_or_else(too_big)?;
        total = total.checked_add(line).ok_or_else(too_big)?;
    }
    if !(-MAX_ORDER_TOTAL_MINOR..=MAX_ORDER_TOTAL_MINOR).contains(&total) {
        return Err(too_big());
    }
    Ok(total)
}

/// The items of an order: the sum of its quantities, checked.
pub fn item_count(field: &str, quantities: impl IntoIterator<Item = i64>) -> Result<i64> {
    quantities.into_iter().try_fold(0_i64, |a, q| {
        a.checked_add(q).ok_or_else(|| {
            Error::invalid(
                field,
                "The order's quantities add up past what can be counted.",
            )
        })
    })
}

/// Sum stored amounts without wrapping: in `i128`, narrowed back
/// saturating at the ends of `i64`.
pub fn sum(values: impl IntoIterator<Item = i64>) -> i64 {
    narrow(values.into_iter().map(i128::from).sum())
}

/// An `i128` back to `i64`, saturating.
pub fn narrow(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_say_the_limit() {
        assert_eq!(unit_price("/p", 0).unwrap(), 0);
        assert_eq!(
            unit_price("/p", MAX_UNIT_PRICE_MINOR).unwrap(),
            MAX_UNIT_PRICE_MINOR
        );
        let e = unit_price("/p", MAX_UNIT_PRICE_MINOR + 1).unwrap_err();
        assert!(e.to_string().contains("10,000,000,000"), "{e}");
        assert!(unit_price("/p", -1).is_err());
        assert!(quantity("/q", 0, 10_000).is_err());
        assert!(quantity("/q", 10_001, 10_000).is_err());
        assert!(quantity("/q", 2_000_000, i64::MAX).is_err());
        let e = amount("/a", i64::MAX).unwrap_err();
        assert!(e.to_string().contains("1,000,000,000,000"), "{e}");
        assert!(limit("/l", -1).is_err() && limit("/l", 0).is_ok());
    }

    #[test]
    fn order_totals_by_hand() {
        // 3 × 1,250 + 2 × 499 = 3,750 + 998 = 4,748.
        assert_eq!(order_total("/", [(3, 1_250), (2, 499)]).unwrap(), 4_748);
        // The wrap the old code had: 2 × 2^62 is 2^63, past i64::MAX.
        assert!(order_total("/", [(2, 1 << 62)]).is_err());
        assert!(order_total("/", [(1, i64::MAX), (1, 1)]).is_err());
        // At the bound exactly, and one past it.
        assert_eq!(
            order_total("/", [(100, MAX_ORDER_TOTAL_MINOR / 100)]).unwrap(),
            MAX_ORDER_TOTAL_MINOR
        );
        assert!(order_total("/", [(1, MAX_ORDER_TOTAL_MINOR), (1, 1)]).is_err());
        assert_eq!(sum([i64::MAX, 1]), i64::MAX);
        assert_eq!(sum([i64::MIN, -1]), i64::MIN);
        assert_eq!(sum([5, -7, 3]), 1);
    }

    proptest! {
        /// An order total is either the exact sum of its lines (computed in
        /// i128) within the bound, or refused: never a wrapped value.
        #[test]
        fn order_totals_never_wrap(lines in prop::collection::vec((any::<i64>(), any::<i64>()), 0..8)) {
            let exact: Option<i128> = lines.iter().try_fold(0_i128, |a, (q, p)| {
                a.checked_add(i128::from(*q) * i128::from(*p))
            });
            match order_total("/", lines.iter().copied()) {
                Ok(t) => {
                    prop_assert_eq!(Some(i128::from(t)), exact);
                    prop_assert!(t.abs() <= MAX_ORDER_TOTAL_MINOR);
                }
                Err(_) => {
                    let stepwise = lines
                        .iter()
                        .try_fold(0_i64, |a, (q, p)| a.checked_add(q.checked_mul(*p)?));
                    prop_assert!(
                        stepwise.is_none()
                            || exact.is_none_or(|e| e.abs() > i128::from(MAX_ORDER_TOTAL_MINOR))
                    );
                }
            }
        }

        /// Accepted lines (in bounds) never make a total that overflows.
        #[test]
        fn bounded_lines_never_overflow(
            lines in prop::collection::vec((1..=MAX_QUANTITY, 0..=MAX_UNIT_PRICE_MINOR), 1..200)
        ) {
            let exact: i128 = lines.iter().map(|(q, p)| i128::from(*q) * i128::from(*p)).sum();
            match order_total("/", lines.iter().copied()) {
                Ok(t) => prop_assert_eq!(i128::from(t), exact),
                Err(_) => prop_assert!(exact > i128::from(MAX_ORDER_TOTAL_MINOR)),
            }
        }

        /// A sum of stored amounts is exact when it fits and saturates
        /// (never wraps) when it does not.
        #[test]
        fn sums_never_wrap(values in prop::collection::vec(any::<i64>(), 0..50)) {
            let exact: i128 = values.iter().map(|v| i128::from(*v)).sum();
            let s = sum(values.iter().copied());
            if exact > i128::from(i64::MAX) {
                prop_assert_eq!(s, i64::MAX);
            } else if exact < i128::from(i64::MIN) {
                prop_assert_eq!(s, i64::MIN);
            } else {
                prop_assert_eq!(i128::from(s), exact);
            }
        }
    }
}
