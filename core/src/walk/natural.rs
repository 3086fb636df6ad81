use std::cmp::Ordering;

/// Natural order for unit labels: digit runs compare as numbers, the rest
/// case-insensitively, so "2" < "10" and "1B" < "2A" < "10A".
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (chunks(a), chunks(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (p, q) {
                    (Chunk::Num(m), Chunk::Num(n)) => {
                        let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                        m.len().cmp(&n.len()).then_with(|| m.cmp(n))
                    }
                    (Chunk::Num(_), Chunk::Text(_)) => Ordering::Less,
                    (Chunk::Text(_), Chunk::Num(_)) => Ordering::Greater,
                    (Chunk::Text(s), Chunk::Text(t)) => s.to_lowercase().cmp(&t.to_lowercase()),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

enum Chunk<'a> {
    Num(&'a str),
    Text(&'a str),
}

fn chunks(s: &str) -> impl Iterator<Item = Chunk<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(rest.len());
        let (head, tail) = rest.split_at(end);
        rest = tail;
        Some(if digit {
            Chunk::Num(head)
        } else {
            Chunk::Text(head)
        })
    })
}
