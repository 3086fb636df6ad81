//! Walk order: the order in which a canvasser visits the doors of a turf.

use crate::model::Household;

/// Households in walk order. (Stub: replaced by the real ordering.)
pub fn walk_order(households: &[Household]) -> Vec<&Household> {
    let mut out: Vec<&Household> = households.iter().collect();
    out.sort_by(|a, b| (&a.street_name, a.house_number).cmp(&(&b.street_name, b.house_number)));
    out
}
