use super::*;
use crate::generate::{GenerateOptions, generate_campaign, write_voter_csv};
use crate::model::validate_reference_data;

fn empty() -> ReferenceData {
    crate::generate::empty_campaign()
}

fn import(data: &mut ReferenceData, text: &[u8]) -> ImportReport {
    import_voters(data, text, Delimiter::Auto, |_| {}).unwrap()
}

#[test]
fn the_generators_voter_file_imports_back_into_the_same_people_and_doors() {
    let source = generate_campaign(&GenerateOptions {
        households: 120,
        seed: 4,
    });
    let mut csv = Vec::new();
    write_voter_csv(&source, &mut csv).unwrap();
    let mut data = empty();
    let r = import(&mut data, &csv);
    assert_eq!(r.imported as usize, source.people.len());
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.households_created as usize, source.households.len());
    validate_reference_data(&data).unwrap();
}

#[test]
fn a_messy_file_gives_a_report_with_lines_and_reasons() {
    let text = "\u{feff}VanID,FirstName,LastName,Address,City,Zip,Phone\n\
        101,Ana,\"Reyes, Jr.\",\"12 Elm  Street Apt 4\",Springfield,62704,(312) 555-0101\n\
        102,Luis,Reyes,12 ELM ST #4,Springfield,62704-1234,\n\
        103,Mai,Nguyen,,Springfield,62704,\n\
        101,Ana,Again,12 Elm St,Springfield,62704,\n\
        104,Tom,Bad,14 Elm St,Springfield,62704,call me maybe\n\
        105,Wei,Chen,16 Elm St,Springfield,62704\n";
    let mut bytes = text.as_bytes().to_vec();
    bytes.extend_from_slice(b"106,Jos\xe9,Garc\xeda,18 Elm St,Springfield,62704,\n");
    let mut data = empty();
    let r = import(&mut data, &bytes);
    assert_eq!(r.rows, 7);
    assert_eq!(r.imported, 5, "{r:?}");
    let reasons: Vec<(u64, &str)> = r
        .rejected
        .iter()
        .map(|x| (x.line, x.reason.as_str()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|(l, m)| *l == 4 && m.contains("no address")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(l, m)| *l == 5 && m.contains("first on line 2")),
        "{reasons:?}"
    );
    // A phone that is not a number costs the phone, not the voter.
    assert!(!reasons.iter().any(|(l, _)| *l == 6), "{reasons:?}");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.line == 6 && w.reason.contains("call me maybe")),
        "{:?}",
        r.warnings
    );
    assert!(
        data.people
            .iter()
            .any(|p| p.id == "104" && p.phones.is_empty())
    );
    // A Latin-1 row is read as Windows-1252, with a warning, not dropped.
    assert!(!reasons.iter().any(|(l, _)| *l == 8), "{reasons:?}");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.line == 8 && w.reason.contains("Windows-1252"))
    );
    let jose = data.people.iter().find(|p| p.id == "106").unwrap();
    assert_eq!(
        (jose.first_name.as_str(), jose.last_name.as_str()),
        ("José", "García")
    );
    // "12 Elm  Street Apt 4" and "12 ELM ST #4" are one door.
    assert_eq!(r.merged_into_households, 1);
    let ana = data.people.iter().find(|p| p.id == "101").unwrap();
    let luis = data.people.iter().find(|p| p.id == "102").unwrap();
    assert_eq!(ana.household_id, luis.household_id);
    assert_eq!(ana.last_name, "Reyes, Jr.");
    assert_eq!(ana.phones[0].number, "+13125550101");
    assert_eq!(r.without_coordinates, 4, "José's door is new too");
    validate_reference_data(&data).unwrap();
}

#[test]
fn a_tab_separated_file_with_other_column_names_works() {
    let text = "voter_id\tfirst_name\tlast_name\thouse_number\tstreet_name\tunit\tzip\tcell\tlat\tlon\n\
        V1\tKim\tPark\t7\tOak Ave\t\t60622\t312-555-0177\t41.9\t-87.67\n";
    let mut data = empty();
    let r = import(&mut data, text.as_bytes());
    assert_eq!(r.imported, 1, "{r:?}");
    assert_eq!(
        data.people[0].phones[0].kind,
        crate::model::PhoneKind::Mobile
    );
    assert_eq!(data.households[0].lat, Some(41.9));
}

#[test]
fn re_importing_updates_people_instead_of_duplicating_them() {
    let mut data = empty();
    import(&mut data, b"VanID,FirstName,LastName,Address,Zip\n1,Ana,Reyes,12 Elm St,62704\n2,Luis,Reyes,12 Elm St,62704\n");
    let r = import(&mut data, b"VanID,FirstName,LastName,Address,Zip\n1,Ana,Reyes-Smith,40 Oak Ave,62704\n2,Luis,Reyes,12 Elm St,62704\n");
    assert_eq!((r.imported, r.updated), (0, 2));
    assert_eq!(data.people.len(), 2);
    let ana = data.people.iter().find(|p| p.id == "1").unwrap();
    assert_eq!(ana.last_name, "Reyes-Smith");
    assert_ne!(
        ana.household_id,
        data.people
            .iter()
            .find(|p| p.id == "2")
            .unwrap()
            .household_id,
        "Ana moved"
    );
}

#[test]
fn a_file_without_an_id_or_address_column_is_refused_before_any_row() {
    let mut data = empty();
    let e = import_voters(
        &mut data,
        &b"Name,City\nAna,Springfield\n"[..],
        Delimiter::Auto,
        |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("no voter id column"), "{e}");
    let e = import_voters(
        &mut data,
        &b"VanID,City\n1,Springfield\n"[..],
        Delimiter::Auto,
        |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("no address column"), "{e}");
    assert!(data.people.is_empty());
}

#[test]
fn unit_spellings_normalise_to_one() {
    for u in ["APT 4", "#4", "Unit 4", "apt. 4", " 4 "] {
        assert_eq!(normalize_unit(u).as_deref(), Some("4"), "{u}");
    }
    assert_eq!(
        parse_address_line("1234 N Maple Ave Apt 2B"),
        Some((1234, "N Maple Ave".into(), Some("2B".into())))
    );
    assert_eq!(parse_address_line("Maple Ave"), None);
}

#[test]
fn coordinates_join_from_a_second_file_by_id_or_address() {
    let mut data = empty();
    import(&mut data, b"VanID,FirstName,LastName,Address,Zip\n1,Ana,Reyes,12 Elm St Apt 4,62704\n2,Tom,Ko,14 Elm St,62704\n");
    assert!(data.households.iter().all(|h| h.lat.is_none()));
    let coords = b"VanID,Lat,Lon\n1,39.78,-89.65\n999,1,1\n";
    let r = join_coordinates(&mut data, &coords[..], Delimiter::Auto).unwrap();
    assert_eq!((r.rows, r.located, r.unmatched.len()), (2, 1, 1));
    let by_address =
        b"Address\tZip\tLatitude\tLongitude\n14 ELM STREET\t62704\t39.7801\t-89.6501\n";
    let r = join_coordinates(&mut data, &by_address[..], Delimiter::Auto).unwrap();
    assert_eq!(r.located, 1, "{r:?}");
    assert!(data.households.iter().all(|h| h.lat.is_some()));
    validate_reference_data(&data).unwrap();
}

#[test]
fn placeholders_are_missing_values_not_reasons_to_drop_a_voter() {
    let text = "VanID,FirstName,LastName,Address,Unit,City,Zip,Phone,Cell,BirthYear,Lat,Lon\n\
        201,Ana,Ruiz,1 Oak St,N/A,Springfield,N/A,N/A,0000000000,NONE,,\n\
        202,Bo,Li,3 Oak St,NONE,Springfield,00000,(312) 555-0102,NULL,unknown,N/A,N/A\n\
        203,Cy,Day,5 Oak St,-,Springfield,62704,--,?,1970,91.5,12.0\n\
        N/A,No,Id,7 Oak St,,Springfield,62704,,,,,\n\
        205,No,Address,N/A,,Springfield,62704,,,,,\n";
    let mut data = empty();
    let r = import(&mut data, text.as_bytes());
    assert_eq!(r.rows, 5);
    assert_eq!(r.imported, 3, "{r:?}");
    // Only a voter who cannot be identified or placed is rejected.
    let rejected: Vec<u64> = r.rejected.iter().map(|x| x.line).collect();
    assert_eq!(rejected, [5, 6], "{:?}", r.rejected);
    assert!(r.rejected[0].reason.contains("voter id"));
    assert!(
        r.rejected[1].reason.contains("no address")
            || r.rejected[1].reason.contains("house number")
    );
    // Every placeholder is a warning with its line and column.
    let on = |line: u64, what: &str| {
        r.warnings
            .iter()
            .any(|w| w.line == line && w.reason.contains(what))
    };
    assert!(on(2, "phone \"N/A\""), "{:?}", r.warnings);
    assert!(on(2, "cell phone \"0000000000\""));
    assert!(on(2, "ZIP \"N/A\""));
    assert!(on(2, "unit \"N/A\""));
    assert!(on(3, "ZIP \"00000\""));
    assert!(
        on(4, "out of range"),
        "latitude 91.5 is dropped, the voter kept"
    );
    let ana = data.people.iter().find(|p| p.id == "201").unwrap();
    assert!(ana.phones.is_empty() && ana.birth_year.is_none());
    let bo = data.people.iter().find(|p| p.id == "202").unwrap();
    assert_eq!(bo.phones.len(), 1, "the real number is kept");
    let ana_home = data
        .households
        .iter()
        .find(|h| h.id == ana.household_id)
        .unwrap();
    assert_eq!(ana_home.unit, None);
    assert_eq!(ana_home.postal_code, "");
    validate_reference_data(&data).unwrap();
}
