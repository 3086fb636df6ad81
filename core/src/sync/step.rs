//! The I/O-free sync step: a document and a peer's sync state in, the next
//! message out; a received message split into its changes (for the caller
//! to judge and store) and the rest (what the peer told us about itself).
//! The device, the server, the benchmarks and the property tests all run
//! exactly this code; only storage and transport differ.
//!
//! Two rules make it converge on a lossy network (messages lost, duplicated,
//! reordered, replies cut after the other side acted on the request):
//!
//! 1. **Only confirmed knowledge survives.** Before every message the state
//!    forgets what it sent but the peer never confirmed (`sent_hashes`,
//!    `in_flight`). What remains is what the peer *told* us: its heads, its
//!    summary of what it has, and the heads both sides share. A lost reply
//!    therefore costs a resend, never a stall.
//! 2. **Changes travel with their missing ancestors.** The changes sent are
//!    every change the peer is not known to have, in causal order, computed
//!    from the heads it confirmed, so a peer hundreds of changes behind
//!    catches up in one reply (as far as the size cap allows), never one
//!    change per round.

use std::collections::BTreeSet;

use automerge::sync::{ChunkList, Message, MessageVersion, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash, LoadOptions, OnPartialLoad};

use crate::results::{DocumentError, split_changes};

/// Largest total size of the changes one sync message carries; the rest
/// follows in the next round.
pub const MAX_MESSAGE_CHANGE_BYTES: usize = 8 * 1024 * 1024;

/// Whether `doc` holds the change `hash`, read from its change graph.
/// (`get_change_by_hash` answers the same but rebuilds the whole change
/// from the op set first.)
pub fn has_change(doc: &Automerge, hash: &ChangeHash) -> bool {
    doc.get_change_meta_by_hash(hash).is_some()
}

/// Forgets in-flight bookkeeping: what we sent that the peer has not
/// confirmed. Called before every message, so nothing lost is ever assumed
/// delivered.
pub fn forget_in_flight(state: &mut State) {
    state.sent_hashes.clear();
    state.in_flight = false;
}

/// Keeps only what both sides confirmed (the shared heads), as stored
/// between sessions. Equivalent to encoding and decoding the state.
pub fn confirmed_only(state: &State) -> State {
    let mut fresh = State::new();
    fresh.shared_heads = state.shared_heads.clone();
    fresh
}

/// The next message for the peer, or `None` when both sides are known to
/// be level. `peer_known` are heads the peer confirmed by other means (the
/// server's persisted heads, on a device), used before the peer has spoken
/// in this session. At most `max_change_bytes` of changes (but always at
/// least one change, so progress is made) ride in one message.
pub fn next_message(
    doc: &Automerge,
    state: &mut State,
    peer_known: &[ChangeHash],
    max_change_bytes: usize,
) -> Option<Message> {
    forget_in_flight(state);
    // Automerge frames the message (heads, need, have); the changes are
    // ours. Hiding what the peer has keeps automerge from computing (and
    // compressing) changes only to be thrown away.
    let their_have = state.their_have.take();
    let their_need = state.their_need.take();
    let generated = doc.generate_sync_message(state);
    state.their_have = their_have;
    state.their_need = their_need;
    let mut message = generated?;
    let mut known: BTreeSet<ChangeHash> = BTreeSet::new();
    known.extend(state.shared_heads.iter().copied());
    known.extend(peer_known.iter().copied());
    if let Some(heads) = &state.their_heads {
        known.extend(heads.iter().copied());
    }
    if let Some(have) = &state.their_have {
        for h in have {
            known.extend(h.last_sync.iter().copied());
        }
    }
    if state.their_heads.is_none() && peer_known.is_empty() && state.shared_heads.is_empty() {
        // Nothing is known of what the peer has: automerge's first message
        // (heads and a summary, no changes) asks it to say.
        return Some(message);
    }
    let known: Vec<ChangeHash> = known.into_iter().filter(|h| has_change(doc, h)).collect();
    let mut total = 0;
    let mut chunks = Vec::new();
    for change in doc.get_changes(&known) {
        let bytes = change.raw_bytes();
        if !chunks.is_empty() && total + bytes.len() > max_change_bytes {
            break;
        }
        total += bytes.len();
        chunks.push(bytes.to_vec());
    }
    message.changes = ChunkList::from(chunks);
    message.version = MessageVersion::V1;
    Some(message)
}

/// A received sync message, taken apart: the changes it carries, each
/// checked strictly (a damaged change is an error, never silently skipped),
/// and the message without them, for `receive_summary`.
pub struct Incoming {
    pub changes: Vec<Change>,
    pub summary: Message,
}

/// Decodes a sync message from a peer. Change chunks and whole-document
/// chunks are both accepted; anything damaged or truncated is an error.
pub fn decode_message(bytes: &[u8]) -> Result<Incoming, DocumentError> {
    let mut message = Message::decode(bytes)
        .map_err(|e| DocumentError::BadChange(format!("the sync message is damaged ({e})")))?;
    let mut changes = Vec::new();
    for chunk in message.changes.iter() {
        // Byte 8 of an automerge chunk is its type: 0 a document, 1 or 2 a change.
        if chunk.len() > 8 && chunk[8] == 0 {
            let doc = Automerge::load_with_options(
                chunk,
                LoadOptions::new().on_partial_load(OnPartialLoad::Error),
            )
            .map_err(|e| DocumentError::BadChange(format!("a document chunk is damaged ({e})")))?;
            changes.extend(doc.get_changes(&[]));
        } else {
            changes.extend(split_changes(chunk)?);
        }
    }
    message.changes = ChunkList::empty();
    Ok(Incoming {
        changes,
        summary: message,
    })
}

/// The changes not yet in `doc`, in an order where each comes after the
/// ones it depends on; changes whose dependencies are neither in `doc` nor
/// in the batch are returned apart (they wait for a later round).
pub fn new_changes_in_order(doc: &Automerge, changes: Vec<Change>) -> (Vec<Change>, Vec<Change>) {
    let mut waiting: Vec<Change> = Vec::with_capacity(changes.len());
    let mut seen = BTreeSet::new();
    for c in changes {
        if !has_change(doc, &c.hash()) && seen.insert(c.hash()) {
            waiting.push(c);
        }
    }
    let mut ready = Vec::with_capacity(waiting.len());
    let mut placed: BTreeSet<ChangeHash> = BTreeSet::new();
    loop {
        let before = waiting.len();
        let mut still = Vec::new();
        for c in waiting {
            let deps_met = c
                .deps()
                .iter()
                .all(|d| placed.contains(d) || has_change(doc, d));
            if deps_met {
                placed.insert(c.hash());
                ready.push(c);
            } else {
                still.push(c);
            }
        }
        waiting = still;
        if waiting.is_empty() || waiting.len() == before {
            break;
        }
    }
    (ready, waiting)
}

/// Takes in what the peer said about itself (heads, what it has, what it
/// needs), after its changes were applied (or refused) separately.
pub fn receive_summary(
    doc: &mut Automerge,
    state: &mut State,
    summary: Message,
) -> Result<(), DocumentError> {
    debug_assert!(summary.changes.is_empty());
    doc.receive_sync_message(state, summary)
        .map_err(|e| DocumentError::Automerge(e.to_string()))
}

/// The server's reply to a device about one document, after its changes
/// were judged and stored: the next message and the heads it may count as
/// stored. For a unit the device holds only for upload (expired or taken
/// away) the message carries no changes (nothing of anyone else's) and
/// the heads are those of the device's (`sent`: its message) that are
/// stored here; otherwise they are all of the document's heads. Sorted hex.
pub fn reply_to_device(
    doc: &Automerge,
    state: &mut State,
    sent: Option<&[u8]>,
    upload_only: bool,
) -> (Option<Vec<u8>>, Vec<String>) {
    let (message, mut heads) = if upload_only {
        let sent_heads = sent
            .and_then(|m| Message::decode(m).ok())
            .map(|m| m.heads)
            .unwrap_or_default();
        let held: Vec<String> = sent_heads
            .iter()
            .filter(|h| has_change(doc, h))
            .map(|h| h.to_string())
            .collect();
        let message = next_message(doc, state, &[], 0).map(|mut m| {
            m.changes = ChunkList::empty();
            m.encode()
        });
        // Nothing was sent: keep only what both sides confirmed.
        *state = confirmed_only(state);
        (message, held)
    } else {
        let message = next_message(doc, state, &[], MAX_MESSAGE_CHANGE_BYTES).map(|m| m.encode());
        let heads = doc.get_heads().iter().map(|h| h.to_string()).collect();
        (message, heads)
    };
    heads.sort();
    heads.dedup();
    (message, heads)
}
