//! The server's side of a device's sync of one document, over any home
//! for results documents: the steps are pure (`step.rs`, `results::admit`),
//! the storage is a [`ResultsStorage`]. The embedded server runs it on the
//! campaign's `DeviceStore`, the PostgreSQL store on a transaction that
//! holds the document's row lock.
//!
//! Three steps, so a home can judge an upload without holding its store:
//! [`take_upload`] (the document out of storage, with what is needed to
//! judge), [`Upload::judge`] (I/O-free) and [`put_back_upload`] (what was
//! accepted appended, judged again first if the document or its actors'
//! bindings moved meanwhile). [`answer_device`] then takes in the device's
//! summary and makes the reply.

use std::collections::BTreeSet;

use automerge::sync::{Message, State};
use automerge::{Automerge, Change, ChangeHash};

use super::step::{Incoming, receive_summary, reply_to_device};
use crate::results::rules::{Author, UnitData};
use crate::results::{Admission, Attempt, Refusal, admit_changes, heads_json};
use crate::store::StoreError;

/// Where a home keeps results documents, as a sync of one document needs
/// it. What "durable" means is the home's unit of work: the device store
/// commits every [`ResultsStorage::append`] (`synchronous=FULL`), or the
/// write group it is in (the embedded server: uploads stored together
/// share one commit);
/// PostgreSQL appends inside the transaction that holds the document's row
/// lock and commits when the document's sync is done.
pub trait ResultsStorage {
    /// Storage failures; a device's bad input is a [`StoreError`] inside.
    type Error: From<StoreError>;

    /// The document as stored, with its canonical genesis (added and
    /// appended when missing), taken out of the home's memory to be worked
    /// on; [`ResultsStorage::put_document`] gives it back.
    fn take_document(&mut self, doc_id: &str) -> Result<Automerge, Self::Error>;

    /// Gives a taken document back, holding what was appended (and nothing
    /// that was not).
    fn put_document(&mut self, doc_id: &str, doc: Automerge);

    /// The document's heads as stored now (`heads_json`), `None` when it
    /// was never stored.
    fn stored_heads(&mut self, doc_id: &str) -> Result<Option<String>, Self::Error>;

    /// Of `actors` (hex), those already bound to a device other than
    /// `device_id`: their changes are refused.
    fn actors_bound_elsewhere(
        &mut self,
        actors: &BTreeSet<String>,
        device_id: &str,
    ) -> Result<BTreeSet<String>, Self::Error>;

    /// Appends `changes` (already applied to `doc`), the index rows of the
    /// `attempts` they add and the actor `bindings` (actor, device), all or
    /// nothing; compacts the document when its chunks pile up.
    fn append(
        &mut self,
        doc_id: &str,
        doc: &Automerge,
        changes: &[Change],
        attempts: &[Attempt],
        bindings: &[(String, String)],
    ) -> Result<(), Self::Error>;

    /// The sync state with `peer` as both sides confirmed it (the shared
    /// heads only): every request starts from there, never from what an
    /// earlier, maybe lost, reply carried.
    fn confirmed_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<State, Self::Error>;

    /// Keeps the sync state with `peer` for the next request.
    fn keep_sync_state(
        &mut self,
        doc_id: &str,
        peer: &str,
        state: State,
    ) -> Result<(), Self::Error>;

    /// Drops the sync state with `peer`: the next round starts over.
    fn forget_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<(), Self::Error>;
}

/// What the server's receive path did with one device message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceReceipt {
    pub new_changes: usize,
    pub new_attempts: usize,
    /// The change refused (nothing from it on was stored), and why.
    pub refused: Option<Refusal>,
    /// Changes whose history has not arrived; the device sends them again.
    pub deferred: usize,
}

/// A device's message for one document with the document itself, out of
/// storage: see [`take_upload`].
pub struct Upload {
    doc_id: String,
    doc: Automerge,
    /// The document's heads when it was taken out.
    base_heads: Vec<ChangeHash>,
    incoming: Incoming,
    /// Actors of the message bound to other devices when it was taken out.
    foreign: BTreeSet<String>,
}

/// An [`Upload`] after admission, to be stored by [`put_back_upload`].
pub struct JudgedUpload {
    upload: Upload,
    admission: Admission,
}

impl Upload {
    /// Judges the changes (`results::admit`). I/O-free: needs no storage,
    /// so a server judges one document's upload while its store serves
    /// others.
    pub fn judge(mut self, unit: &UnitData, author: &Author, now_ms: i64) -> JudgedUpload {
        let changes = std::mem::take(&mut self.incoming.changes);
        let admission = admit_changes(
            &mut self.doc,
            &self.doc_id,
            changes,
            unit,
            author,
            &self.foreign,
            now_ms,
        );
        JudgedUpload {
            upload: self,
            admission,
        }
    }
}

fn actors_of<'c>(changes: impl Iterator<Item = &'c Change>) -> BTreeSet<String> {
    changes.map(|c| c.actor_id().to_hex_string()).collect()
}

/// Takes a document out of storage with a device's decoded message for it,
/// to be judged without the storage ([`Upload::judge`]). Dropping the
/// upload instead stores nothing of it; the home reloads the document
/// when it next needs it.
pub fn take_upload<S: ResultsStorage>(
    storage: &mut S,
    doc_id: &str,
    incoming: Incoming,
    author: &Author,
) -> Result<Upload, S::Error> {
    let doc = storage.take_document(doc_id)?;
    let foreign =
        storage.actors_bound_elsewhere(&actors_of(incoming.changes.iter()), &author.device_id)?;
    Ok(Upload {
        doc_id: doc_id.to_string(),
        base_heads: doc.get_heads(),
        doc,
        incoming,
        foreign,
    })
}

/// Stores what [`Upload::judge`] accepted ([`ResultsStorage::append`]) and
/// gives the document back. If the document's stored heads or the
/// bindings of the upload's actors changed since [`take_upload`] (another
/// request or process wrote), the accepted changes are judged again first,
/// against what is stored now. Returns the receipt and the device's
/// summary, for [`answer_device`].
pub fn put_back_upload<S: ResultsStorage>(
    storage: &mut S,
    judged: JudgedUpload,
    unit: &UnitData,
    author: &Author,
    now_ms: i64,
) -> Result<(DeviceReceipt, Message), S::Error> {
    let JudgedUpload {
        upload,
        mut admission,
    } = judged;
    let Upload {
        doc_id,
        mut doc,
        base_heads,
        incoming,
        foreign,
    } = upload;
    let doc_id = doc_id.as_str();
    let moved = storage
        .stored_heads(doc_id)?
        .is_none_or(|h| h != heads_json(&base_heads))
        || storage.actors_bound_elsewhere(
            &actors_of(admission.accepted.iter().map(|(c, _)| c)),
            &author.device_id,
        )? != foreign;
    if moved {
        // Judged against a copy that is no longer what is stored: the
        // accepted changes are judged again on the stored document. A
        // refusal from the first judgement still ends the batch.
        drop(doc);
        doc = storage.take_document(doc_id)?;
        let accepted: Vec<Change> = std::mem::take(&mut admission.accepted)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let foreign =
            storage.actors_bound_elsewhere(&actors_of(accepted.iter()), &author.device_id)?;
        let mut again = admit_changes(&mut doc, doc_id, accepted, unit, author, &foreign, now_ms);
        if again.refused.is_none() {
            again.refused = admission.refused.take();
        }
        again.deferred += admission.deferred;
        admission = again;
    }
    if admission.tainted {
        // The document saw the refused change: rebuild it from what is
        // stored plus the accepted changes.
        doc = storage.take_document(doc_id)?;
        doc.apply_changes(admission.accepted.iter().map(|(c, _)| c.clone()))
            .map_err(|e| {
                StoreError::Corrupt(format!(
                    "results for {doc_id}: accepted changes no longer apply ({e})"
                ))
            })?;
    }
    let bindings = admission.actor_bindings(&author.device_id);
    let (changes, attempts): (Vec<_>, Vec<_>) = admission.accepted.into_iter().unzip();
    let attempts: Vec<Attempt> = attempts.into_iter().flatten().collect();
    if !changes.is_empty() {
        // On failure the document is not given back: the home reloads
        // what is really stored.
        storage.append(doc_id, &doc, &changes, &attempts, &bindings)?;
    }
    storage.put_document(doc_id, doc);
    Ok((
        DeviceReceipt {
            new_changes: changes.len(),
            new_attempts: attempts.len(),
            refused: admission.refused,
            deferred: admission.deferred,
        },
        incoming.summary,
    ))
}

/// The next message for a device and the heads it may count as stored.
pub type Answer = (Option<Vec<u8>>, Vec<String>);

/// Takes in the device's summary (its heads and what it has, from the
/// message it sent) and makes the reply ([`reply_to_device`]: upload-only
/// units get no one else's changes); the sync state is kept for the next
/// request. The inner error is a damaged summary: the sync state is
/// dropped (what was appended stays) and the device starts over.
pub fn answer_device<S: ResultsStorage>(
    storage: &mut S,
    doc_id: &str,
    peer: &str,
    summary: Option<Message>,
    sent: Option<&[u8]>,
    upload_only: bool,
) -> Result<Result<Answer, StoreError>, S::Error> {
    let mut state = storage.confirmed_sync_state(doc_id, peer)?;
    let mut doc = storage.take_document(doc_id)?;
    // The changes were applied before the summary: when the device's heads
    // are now ours, automerge takes them as already sent and the reply may
    // carry no message. The device learns from `persisted_heads` instead
    // (unlike two peers, `DeviceStore::receive_sync_message`).
    if let Some(summary) = summary
        && let Err(source) = receive_summary(&mut doc, &mut state, summary)
    {
        storage.put_document(doc_id, doc);
        storage.forget_sync_state(doc_id, peer)?;
        return Ok(Err(StoreError::Document {
            doc: doc_id.to_string(),
            source,
        }));
    }
    let answer = reply_to_device(&doc, &mut state, sent, upload_only);
    storage.put_document(doc_id, doc);
    storage.keep_sync_state(doc_id, peer, state)?;
    Ok(Ok(answer))
}

/// An organizer's review actions (`results::review`) into one document:
/// written as changes and judged as a device's are
/// ([`crate::results::admit_reviewed`]), then appended, all or nothing.
/// The inner error is the rule the first refused action breaks; then
/// nothing is written.
#[cfg(feature = "organizer")]
pub fn append_reviewed<S: ResultsStorage>(
    storage: &mut S,
    doc_id: &str,
    attempts: &[Attempt],
    unit: &UnitData,
    author: &Author,
    now_ms: i64,
) -> Result<Result<usize, crate::results::rules::RuleViolation>, S::Error> {
    let doc = storage.take_document(doc_id)?;
    let reviewed =
        match crate::results::admit_reviewed(&doc, doc_id, attempts, unit, author, now_ms) {
            Ok(Ok(r)) => r,
            Ok(Err(violation)) => {
                storage.put_document(doc_id, doc);
                return Ok(Err(violation));
            }
            Err(source) => {
                storage.put_document(doc_id, doc);
                return Err(StoreError::Document {
                    doc: doc_id.to_string(),
                    source,
                }
                .into());
            }
        };
    drop(doc);
    storage.append(
        doc_id,
        &reviewed.doc,
        &reviewed.changes,
        &reviewed.attempts,
        &reviewed.bindings,
    )?;
    storage.put_document(doc_id, reviewed.doc);
    Ok(Ok(reviewed.attempts.len()))
}
