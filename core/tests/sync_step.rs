//! The I/O-free sync step, driven without HTTP: a server and several phones
//! exchange messages that are lost, duplicated and reordered (including
//! replies that carried changes and were lost after the server acted on the
//! request). After a clean period every phone converges within a bounded
//! number of rounds. Also: a phone 500 changes behind catches up in a few
//! rounds, with the bytes it costs.

use automerge::sync::State;
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use proptest::prelude::*;
use walkbook_core::results::init_document;
use walkbook_core::sync::step::{
    MAX_MESSAGE_CHANGE_BYTES, confirmed_only, decode_message, new_changes_in_order, next_message,
    receive_summary,
};

const UNIT: &str = "turf:T1";

fn genesis_doc() -> Automerge {
    let mut doc = Automerge::new();
    init_document(&mut doc, UNIT).unwrap();
    doc
}

/// One change adding one entry under `attempts` (the step does not care
/// what is inside).
fn record(doc: &mut Automerge, key: &str) {
    let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
    let mut tx = doc.transaction();
    let obj = tx.put_object(&attempts, key, ObjType::Map).unwrap();
    tx.put(&obj, "notes", "x".repeat(40)).unwrap();
    tx.commit();
}

/// A reply as the phone hears it: the message and the persisted heads.
type Reply = (Option<Vec<u8>>, Vec<ChangeHash>);

struct Server {
    doc: Automerge,
    /// Per phone, only what survives between requests.
    states: Vec<State>,
}

impl Server {
    /// One request: the state starts from what the phone confirmed.
    fn handle(
        &mut self,
        phone: usize,
        request: Option<&[u8]>,
    ) -> (Option<Vec<u8>>, Vec<ChangeHash>) {
        let mut state = confirmed_only(&self.states[phone]);
        if let Some(bytes) = request {
            let incoming = decode_message(bytes).unwrap();
            let (ready, _waiting) = new_changes_in_order(&self.doc, incoming.changes);
            self.doc.apply_changes(ready).unwrap();
            receive_summary(&mut self.doc, &mut state, incoming.summary).unwrap();
        }
        let reply = next_message(&self.doc, &mut state, &[], MAX_MESSAGE_CHANGE_BYTES);
        self.states[phone] = state;
        (reply.map(|m| m.encode()), self.doc.get_heads())
    }
}

struct Phone {
    doc: Automerge,
    state: State,
    /// Heads the server last said it persisted.
    confirmed: Vec<ChangeHash>,
}

impl Phone {
    fn request(&mut self) -> Option<Vec<u8>> {
        next_message(
            &self.doc,
            &mut self.state,
            &self.confirmed,
            MAX_MESSAGE_CHANGE_BYTES,
        )
        .map(|m| m.encode())
    }

    fn receive(&mut self, reply: &Reply) {
        if let Some(bytes) = &reply.0 {
            let incoming = decode_message(bytes).unwrap();
            // A phone keeps changes whose history is missing until it arrives.
            self.doc.apply_changes(incoming.changes).unwrap();
            receive_summary(&mut self.doc, &mut self.state, incoming.summary).unwrap();
        }
        self.confirmed = reply.1.clone();
    }

    fn level_with(&self, server: &Server) -> bool {
        let mut a = self.doc.get_heads();
        let mut b = server.doc.get_heads();
        a.sort();
        b.sort();
        a == b
    }
}

#[derive(Debug, Clone)]
enum Event {
    Record(usize),
    Round(usize, Fault),
    /// A reply held back earlier arrives now (reordering).
    Late(usize),
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    LoseRequest,
    /// The server acted, the reply never arrived.
    LoseReply,
    /// The request arrives twice; the phone hears the second reply.
    Duplicate,
    /// The reply is held back and delivered at a later `Late` event.
    Delay,
}

fn events(phones: usize) -> impl Strategy<Value = Vec<Event>> {
    let fault = prop_oneof![
        3 => Just(Fault::None),
        2 => Just(Fault::LoseRequest),
        3 => Just(Fault::LoseReply),
        1 => Just(Fault::Duplicate),
        2 => Just(Fault::Delay),
    ];
    let event = prop_oneof![
        3 => (0..phones).prop_map(Event::Record),
        4 => ((0..phones), fault).prop_map(|(p, f)| Event::Round(p, f)),
        1 => (0..phones).prop_map(Event::Late),
    ];
    proptest::collection::vec(event, 1..80)
}

/// Rounds without faults until every phone is level with the server;
/// returns the most rounds any phone needed in one pass.
fn clean_period(server: &mut Server, phones: &mut [Phone]) -> usize {
    let mut most = 0;
    // Pass 1 uploads everything; pass 2 carries what others uploaded after.
    for _pass in 0..2 {
        for (i, phone) in phones.iter_mut().enumerate() {
            let mut rounds = 0;
            while !phone.level_with(server) {
                rounds += 1;
                assert!(
                    rounds <= 4,
                    "phone {i} did not converge within 4 clean rounds"
                );
                let request = phone.request();
                let reply = server.handle(i, request.as_deref());
                phone.receive(&reply);
            }
            most = most.max(rounds);
        }
    }
    most
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn phones_converge_after_any_loss_duplication_and_reordering(
        phones in 2usize..5,
        script in events(4),
    ) {
        let mut server = Server { doc: genesis_doc(), states: vec![State::new(); phones] };
        let mut ph: Vec<Phone> = (0..phones)
            .map(|_| Phone { doc: genesis_doc(), state: State::new(), confirmed: vec![] })
            .collect();
        let mut held: Vec<Vec<Reply>> = vec![vec![]; phones];
        let mut n = 0;
        for e in script {
            match e {
                Event::Record(p) if p < phones => {
                    n += 1;
                    record(&mut ph[p].doc, &format!("a{n}"));
                }
                Event::Round(p, fault) if p < phones => {
                    let request = ph[p].request();
                    match fault {
                        Fault::None => {
                            let reply = server.handle(p, request.as_deref());
                            ph[p].receive(&reply);
                        }
                        Fault::LoseRequest => {}
                        Fault::LoseReply => {
                            server.handle(p, request.as_deref());
                        }
                        Fault::Duplicate => {
                            server.handle(p, request.as_deref());
                            let reply = server.handle(p, request.as_deref());
                            ph[p].receive(&reply);
                        }
                        Fault::Delay => {
                            let reply = server.handle(p, request.as_deref());
                            held[p].push(reply);
                        }
                    }
                }
                Event::Late(p) if p < phones => {
                    if let Some(reply) = held[p].pop() {
                        ph[p].receive(&reply);
                    }
                }
                _ => {}
            }
        }
        clean_period(&mut server, &mut ph);
        let keys = |d: &Automerge| -> Vec<String> {
            let (_, a) = d.get(ROOT, "attempts").unwrap().unwrap();
            d.keys(&a).collect()
        };
        prop_assert_eq!(keys(&server.doc).len(), n, "every recorded entry reached the server");
        for p in &ph {
            prop_assert_eq!(keys(&p.doc), keys(&server.doc));
        }
    }
}

#[test]
fn a_lost_reply_that_carried_changes_is_made_good_by_the_next_request() {
    let mut server = Server {
        doc: genesis_doc(),
        states: vec![State::new(); 2],
    };
    let mut a = Phone {
        doc: genesis_doc(),
        state: State::new(),
        confirmed: vec![],
    };
    let mut b = Phone {
        doc: genesis_doc(),
        state: State::new(),
        confirmed: vec![],
    };
    for i in 0..5 {
        record(&mut a.doc, &format!("a{i}"));
    }
    clean_period(&mut server, std::slice::from_mut(&mut a));
    // B asks; the reply carrying A's five changes is lost twice.
    for _ in 0..2 {
        let request = b.request();
        let (reply, _) = server.handle(1, request.as_deref());
        assert!(reply.is_some(), "the server sends its changes every time");
    }
    let request = b.request();
    let reply = server.handle(1, request.as_deref());
    b.receive(&reply);
    assert!(
        b.level_with(&server),
        "the third request got everything in one reply"
    );
}

#[test]
fn a_phone_500_changes_behind_catches_up_in_a_few_rounds() {
    let mut server = Server {
        doc: genesis_doc(),
        states: vec![State::new(); 2],
    };
    let mut busy = Phone {
        doc: genesis_doc(),
        state: State::new(),
        confirmed: vec![],
    };
    for i in 0..500 {
        record(&mut busy.doc, &format!("a{i:03}"));
    }
    clean_period(&mut server, std::slice::from_mut(&mut busy));
    let raw: usize = server
        .doc
        .get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().len())
        .sum();

    let mut behind = Phone {
        doc: genesis_doc(),
        state: State::new(),
        confirmed: vec![],
    };
    let (mut rounds, mut sent, mut received) = (0, 0, 0);
    while !behind.level_with(&server) {
        rounds += 1;
        assert!(rounds <= 3, "caught up within 3 rounds");
        let request = behind.request();
        sent += request.as_ref().map_or(0, Vec::len);
        let reply = server.handle(1, request.as_deref());
        received += reply.0.as_ref().map_or(0, Vec::len);
        behind.receive(&reply);
    }
    eprintln!(
        "500 changes behind: {rounds} rounds, {sent} bytes sent, {received} bytes received ({raw} bytes of raw changes)"
    );
    assert!(
        received as f64 <= raw as f64 * 1.5 + 1024.0,
        "sync bytes stay within 1.5x the raw changes + 1 KB"
    );
}
