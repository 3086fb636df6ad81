//! The standard door and phone result codes and what each means.

use crate::model::{Channel, ResultCode, ResultEffect};

/// (id, label, channel, effect, final). Ids are unique across channels so a
/// result names its code without saying the channel.
const CODES: &[(&str, &str, Channel, ResultEffect, bool)] = &[
    (
        "not_home",
        "Not home",
        Channel::Door,
        ResultEffect::Retry,
        false,
    ),
    (
        "refused",
        "Refused",
        Channel::Door,
        ResultEffect::Refused,
        true,
    ),
    ("moved", "Moved", Channel::Door, ResultEffect::Moved, true),
    (
        "deceased",
        "Deceased",
        Channel::Door,
        ResultEffect::Deceased,
        true,
    ),
    (
        "inaccessible",
        "Inaccessible",
        Channel::Door,
        ResultEffect::Retry,
        false,
    ),
    (
        "hostile",
        "Hostile",
        Channel::Door,
        ResultEffect::Refused,
        true,
    ),
    (
        "come_back",
        "Come back later",
        Channel::Door,
        ResultEffect::ComeBack,
        false,
    ),
    (
        "language_barrier",
        "Language barrier",
        Channel::Door,
        ResultEffect::Retry,
        false,
    ),
    (
        "lit_drop",
        "Literature dropped",
        Channel::Door,
        ResultEffect::LitDrop,
        false,
    ),
    (
        "do_not_knock",
        "Do not knock",
        Channel::Door,
        ResultEffect::DoNotContact,
        true,
    ),
    (
        "no_answer",
        "No answer",
        Channel::Phone,
        ResultEffect::Retry,
        false,
    ),
    ("busy", "Busy", Channel::Phone, ResultEffect::Retry, false),
    (
        "left_message",
        "Left message",
        Channel::Phone,
        ResultEffect::Retry,
        false,
    ),
    (
        "wrong_number",
        "Wrong number",
        Channel::Phone,
        ResultEffect::WrongNumber,
        true,
    ),
    (
        "disconnected",
        "Disconnected",
        Channel::Phone,
        ResultEffect::WrongNumber,
        true,
    ),
    (
        "refused_call",
        "Refused",
        Channel::Phone,
        ResultEffect::Refused,
        true,
    ),
    (
        "call_back",
        "Call back later",
        Channel::Phone,
        ResultEffect::ComeBack,
        false,
    ),
    (
        "do_not_call",
        "Do not call",
        Channel::Phone,
        ResultEffect::DoNotContact,
        true,
    ),
    (
        "language_barrier_call",
        "Language barrier",
        Channel::Phone,
        ResultEffect::Retry,
        false,
    ),
];

pub fn standard_result_codes() -> Vec<ResultCode> {
    CODES
        .iter()
        .map(|&(id, label, channel, effect, is_final)| ResultCode {
            id: id.to_string(),
            label: label.to_string(),
            channel,
            effect,
            is_final,
        })
        .collect()
}
