//! Voter files as they come: a statewide layout recognised from its header,
//! and a mapping file with composed fields. Fixtures are written here, with
//! invented people and fictional 555-01xx numbers.

use walkbook_core::import::{ColumnMapping, Delimiter, import_voters, import_voters_mapped};
use walkbook_core::model::ReferenceData;

/// A statewide-style file: tab-separated, upper-case header, quoted fields,
/// many columns walkbook does not use, no coordinates.
fn statewide_tab_file() -> String {
    let header = [
        "COUNTY_ID",
        "COUNTY_DESC",
        "VOTER_REG_NUM",
        "NCID",
        "LAST_NAME",
        "FIRST_NAME",
        "MIDDLE_NAME",
        "NAME_SUFFIX_LBL",
        "STATUS_CD",
        "VOTER_STATUS_DESC",
        "RES_STREET_ADDRESS",
        "RES_CITY_DESC",
        "STATE_CD",
        "ZIP_CODE",
        "MAIL_ADDR1",
        "FULL_PHONE_NUMBER",
        "CONFIDENTIAL_IND",
        "REGISTR_DT",
        "RACE_CODE",
        "PARTY_CD",
        "GENDER_CODE",
        "BIRTH_YEAR",
        "AGE_AT_YEAR_END",
        "PRECINCT_ABBRV",
        "PRECINCT_DESC",
    ];
    let rows = [
        [
            "92",
            "WAKE",
            "1",
            "AA100001",
            "RIVERA",
            "ANA",
            "LUCIA",
            "",
            "A",
            "ACTIVE",
            "101 N ELM ST",
            "RALEIGH",
            "NC",
            "27601",
            "PO BOX 1",
            "(919) 555-0101",
            "N",
            "01/02/2010",
            "W",
            "DEM",
            "F",
            "1980",
            "45",
            "01-01",
            "PRECINCT 01-01",
        ],
        [
            "92",
            "WAKE",
            "2",
            "AA100002",
            "RIVERA",
            "JOSE",
            "",
            "",
            "A",
            "ACTIVE",
            "101 N ELM ST",
            "RALEIGH",
            "NC",
            "27601",
            "",
            "N/A",
            "N",
            "01/02/2012",
            "W",
            "UNA",
            "M",
            "NONE",
            "",
            "01-01",
            "PRECINCT 01-01",
        ],
        [
            "92",
            "WAKE",
            "3",
            "AA100003",
            "OKAFOR",
            "CHIDI",
            "",
            "JR",
            "A",
            "ACTIVE",
            "22 OAK AVE APT 3",
            "RALEIGH",
            "NC",
            "00000",
            "",
            "9195550102",
            "N",
            "01/02/2014",
            "B",
            "REP",
            "M",
            "1991",
            "34",
            "01-02",
            "PRECINCT 01-02",
        ],
        [
            "92",
            "WAKE",
            "4",
            "",
            "NOID",
            "NOBODY",
            "",
            "",
            "A",
            "ACTIVE",
            "5 PINE RD",
            "RALEIGH",
            "NC",
            "27601",
            "",
            "",
            "N",
            "",
            "",
            "",
            "",
            "",
            "",
            "01-02",
            "PRECINCT 01-02",
        ],
        [
            "92",
            "WAKE",
            "5",
            "AA100005",
            "LEE",
            "MIN",
            "",
            "",
            "A",
            "ACTIVE",
            "",
            "RALEIGH",
            "NC",
            "27601",
            "",
            "",
            "N",
            "",
            "",
            "",
            "",
            "1970",
            "",
            "01-02",
            "PRECINCT 01-02",
        ],
    ];
    let mut out = header.join("\t") + "\r\n";
    for r in rows {
        let quoted: Vec<String> = r.iter().map(|v| format!("\"{v}\"")).collect();
        out += &(quoted.join("\t") + "\r\n");
    }
    out
}

#[test]
fn a_statewide_tab_file_is_recognised_and_imported() {
    let mut data = ReferenceData::default();
    let report = import_voters(
        &mut data,
        statewide_tab_file().as_bytes(),
        Delimiter::Auto,
        |_| {},
    )
    .unwrap();
    assert!(
        report
            .profile
            .as_deref()
            .unwrap()
            .contains("North Carolina"),
        "{:?}",
        report.profile
    );
    assert_eq!(report.rows, 5);
    assert_eq!(report.imported, 3, "{:?}", report.rejected);
    let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [5, 6], "no id, no address: {:?}", report.rejected);
    assert!(report.rejected[0].reason.contains("voter id"));
    assert!(report.rejected[1].reason.contains("address"));
    // Placeholders are warnings, not rejections.
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.line == 3 && w.reason.contains("N/A"))
    );
    let ana = data.people.iter().find(|p| p.id == "AA100001").unwrap();
    assert_eq!(
        (ana.first_name.as_str(), ana.last_name.as_str()),
        ("ANA LUCIA", "RIVERA")
    );
    assert_eq!(ana.birth_year, Some(1980));
    assert_eq!(ana.phones.len(), 1);
    let jose = data.people.iter().find(|p| p.id == "AA100002").unwrap();
    assert_eq!(
        jose.household_id, ana.household_id,
        "same address, one door"
    );
    assert!(jose.phones.is_empty() && jose.birth_year.is_none());
    let chidi = data.people.iter().find(|p| p.id == "AA100003").unwrap();
    let home = data
        .households
        .iter()
        .find(|h| h.id == chidi.household_id)
        .unwrap();
    assert_eq!(home.house_number, 22);
    assert!(home.unit.is_some(), "{home:?}");
    assert_eq!(home.precinct.as_deref(), Some("PRECINCT 01-02"));
    // The report says which column fed which field.
    assert!(
        report
            .columns
            .iter()
            .any(|(f, h)| f == "voter id" && h == "NCID")
    );
}

const MAPPING: &str = r#"
[columns]
voter_id = "Registrant ID"
first_name = "First"
middle_name = "Middle"
last_name = "Last"
house_number = ["House No", "House Suffix"]
street = ["Pre Dir", "Street", "Street Type"]
unit = ["Unit Type", "Unit No"]
city = "City"
zip = "Zip"
phones = ["Cell", "Home Phone"]
age = "Age"
"#;

#[test]
fn a_mapping_file_composes_addresses_names_and_phones() {
    let csv = "\
Registrant ID,First,Middle,Last,House No,House Suffix,Pre Dir,Street,Street Type,Unit Type,Unit No,City,Zip,Cell,Home Phone,Age
R1,Maya,June,Torres,12,,N,Maple,Ave,,,Springfield,62701,(217) 555-0110,217-555-0111,40
R2,Sam,,Torres,12,1/2,N,Maple,Ave,,,Springfield,62701,,217 555 0112,NONE
R3,Ola,,Berg,7,,,\"Hill, Upper\",Rd,Apt,4B,Springfield,62701,0000000000,,29
";
    let mapping = ColumnMapping::parse(MAPPING).unwrap();
    let mut data = ReferenceData::default();
    let report = import_voters_mapped(
        &mut data,
        csv.as_bytes(),
        Delimiter::Auto,
        Some(&mapping),
        |_| {},
    )
    .unwrap();
    assert_eq!(report.imported, 3, "{:?}", report.rejected);
    assert!(report.profile.is_none());
    assert!(
        report
            .columns
            .iter()
            .any(|(f, h)| f == "street" && h == "Pre Dir + Street + Street Type"),
        "{:?}",
        report.columns
    );
    let person = |id: &str| data.people.iter().find(|p| p.id == id).unwrap();
    let home = |id: &str| {
        let h = &person(id).household_id;
        data.households.iter().find(|x| &x.id == h).unwrap()
    };
    assert_eq!(person("R1").first_name, "Maya June");
    let numbers: Vec<&str> = person("R1")
        .phones
        .iter()
        .map(|p| p.number.as_str())
        .collect();
    assert_eq!(numbers, ["+12175550110", "+12175550111"], "cell first");
    use chrono::Datelike;
    let year = chrono::Utc::now().year() as u16;
    assert_eq!(person("R1").birth_year, Some(year - 40));
    assert_eq!(home("R1").house_number, 12);
    assert!(home("R1").street_name.contains("Maple"), "{:?}", home("R1"));
    // 12 1/2 is another door than 12.
    assert_ne!(person("R2").household_id, person("R1").household_id);
    assert_eq!(home("R2").house_number, 12);
    assert_eq!(home("R2").unit.as_deref(), Some("1/2"));
    assert_eq!(person("R2").birth_year, None);
    assert!(
        home("R3").unit.as_deref().unwrap().contains("4B"),
        "{:?}",
        home("R3")
    );
    assert!(home("R3").street_name.contains("Hill, Upper"));
    assert!(person("R3").phones.is_empty());
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.line == 4 && w.reason.contains("placeholder"))
    );
}

#[test]
fn a_mapping_that_does_not_fit_says_what_is_wrong() {
    let err =
        ColumnMapping::parse("[columns]\nvoter_id = \"ID\"\nshoe_size = \"S\"\n").unwrap_err();
    assert!(
        err.contains("shoe_size") && err.contains("voter_id"),
        "{err}"
    );
    let err = ColumnMapping::parse("columns = 3").unwrap_err();
    assert!(err.contains("not valid"), "{err}");

    let mapping = ColumnMapping::parse(MAPPING).unwrap();
    let mut data = ReferenceData::default();
    let err = import_voters_mapped(
        &mut data,
        "Registrant ID,First\nR1,Ann\n".as_bytes(),
        Delimiter::Auto,
        Some(&mapping),
        |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no such column") && err.contains("Registrant ID, First"),
        "{err}"
    );
    assert!(data.people.is_empty(), "nothing imported");
}

#[test]
fn a_van_export_and_a_vendor_export_are_recognised() {
    let van = "\
VanID,FirstName,MiddleName,LastName,Address,City,State,Zip5,Cell Phone,Home Phone,Age,PrecinctName
9001,Rosa,Ines,Park,\"45 W Birch Rd, Apt 2\",Springfield,IL,62704,217-555-0120,217-555-0121,33,P-7
9002,Ted,,Park,45 W Birch Rd #2,Springfield,IL,62704,N/A,2175550122,NULL,P-7
";
    let mut data = ReferenceData::default();
    let r = import_voters(&mut data, van.as_bytes(), Delimiter::Auto, |_| {}).unwrap();
    assert_eq!(r.profile.as_deref(), Some("VAN / VoteBuilder export"));
    assert_eq!(r.imported, 2, "{:?}", r.rejected);
    let rosa = data.people.iter().find(|p| p.id == "9001").unwrap();
    let ted = data.people.iter().find(|p| p.id == "9002").unwrap();
    assert_eq!(rosa.first_name, "Rosa Ines");
    assert_eq!(rosa.phones.len(), 2, "cell and home");
    assert_eq!(rosa.phones[0].number, "+12175550120", "cell first");
    assert_eq!(
        ted.household_id, rosa.household_id,
        "APT 2 and #2 are one door"
    );
    assert_eq!(ted.phones.len(), 1);

    let vendor = "\
LALVOTERID\tVoters_FirstName\tVoters_LastName\tResidence_Addresses_AddressLine\tResidence_Addresses_ApartmentNumber\tResidence_Addresses_City\tResidence_Addresses_Zip\tResidence_Addresses_Latitude\tResidence_Addresses_Longitude\tVoterTelephones_CellPhoneFormatted\tVoterTelephones_LandlineFormatted\tVoters_Age\tParties_Description
LALIL1\tAmir\tHaddad\t7 S Oak Street\t\tSpringfield\t62701\t39.80\t-89.64\t(217) 555-0130\t\t51\tNon-Partisan
LALIL2\tBea\tHaddad\t7 South Oak St.\t\tSpringfield\t62701\t39.80\t-89.64\t\t(217) 555-0131\t49\tNon-Partisan
LALIL3\tCal\tNoor\tPO BOX 12\t\tSpringfield\t62701\t\t\t\t\t60\t
";
    let mut data = ReferenceData::default();
    let r = import_voters(&mut data, vendor.as_bytes(), Delimiter::Auto, |_| {}).unwrap();
    assert_eq!(r.profile.as_deref(), Some("L2-style vendor export"));
    assert_eq!(r.imported, 2);
    assert_eq!(r.rejected.len(), 1);
    assert!(
        r.rejected[0].reason.contains("post office box"),
        "{:?}",
        r.rejected
    );
    assert_eq!(
        data.households.len(),
        1,
        "one door however the street is spelled"
    );
    assert_eq!(data.households[0].lat, Some(39.80));
}
