//! What the generate and demo commands print about a campaign.

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
