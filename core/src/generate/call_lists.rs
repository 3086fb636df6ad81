//! Phone-bank call lists: batches of about 200 callable people.

use crate::model::{CallList, Person};

/// One volunteer's phone-bank list: a few hours at 30–60 dials an hour.
pub const CALLS_PER_LIST: usize = 200;
/// A remainder shorter than this joins the previous list instead of being its own.
const MIN_REMAINDER: usize = 50;

/// People with at least one phone and no do-not-contact request, in batches
/// of 200 (ids `calls-1`..). A short remainder is added to the last batch.
pub fn build_call_lists(people: &[Person]) -> Vec<CallList> {
    let callable: Vec<&str> = people
        .iter()
        .filter(|p| !p.phones.is_empty() && !p.do_not_contact)
        .map(|p| p.id.as_str())
        .collect();
    let mut batches: Vec<Vec<&str>> = callable.chunks(CALLS_PER_LIST).map(<[_]>::to_vec).collect();
    if batches.len() > 1 && batches.last().is_some_and(|b| b.len() < MIN_REMAINDER) {
        let tail = batches.pop().unwrap_or_default();
        if let Some(last) = batches.last_mut() {
            last.extend(tail);
        }
    }
    batches
        .into_iter()
        .enumerate()
        .map(|(i, ids)| CallList {
            id: format!("calls-{}", i + 1),
            name: format!("Phone bank batch {} ({} contacts)", i + 1, ids.len()),
            person_ids: ids.into_iter().map(str::to_string).collect(),
        })
        .collect()
}
