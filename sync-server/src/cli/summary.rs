//! What the generate and demo commands print about a campaign.

use std::collections::HashMap;

use walkbook_core::model::ReferenceData;

use super::generate::WrittenFile;

pub fn print_summary(data: &ReferenceData) {
    if let Some(c) = &data.campaign {
        println!("campaign     {} ({})", c.id, c.name);
    }
    println!("households   {}", data.households.len());
    println!("people       {}", data.people.len());
    println!("turfs        {}", data.turfs.len());
    println!("call lists   {}", data.call_lists.len());
    println!("volunteers   {}", data.volunteers.len());
    println!("assignments  {}", data.assignments.len());
}

pub fn print_files(files: &[WrittenFile]) {
    for f in files {
        println!("wrote        {} ({} bytes)", f.path.display(), f.bytes);
    }
}

/// One line per turf: id, doors, people, name.
pub fn print_turfs(data: &ReferenceData) {
    let mut people_at: HashMap<&str, usize> = HashMap::new();
    for p in &data.people {
        *people_at.entry(p.household_id.as_str()).or_default() += 1;
    }
    for t in &data.turfs {
        let people: usize = t
            .household_ids
            .iter()
            .map(|h| people_at.get(h.as_str()).copied().unwrap_or(0))
            .sum();
        println!(
            "{:<10} {:>3} doors {:>4} people  {}",
            t.id,
            t.household_ids.len(),
            people,
            t.name
        );
    }
}
