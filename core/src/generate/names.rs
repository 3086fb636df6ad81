//! Name lists for fake people and streets. A household draws its names from
//! one naming tradition, so a ward looks like a real, mixed city neighbourhood.

use super::rng::SplitMix64;

/// A naming tradition and the languages its speakers commonly prefer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heritage {
    English,
    Spanish,
    Polish,
    Vietnamese,
    Chinese,
    Arabic,
    WestAfrican,
    SouthAsian,
}

/// How common each tradition is in the generated neighbourhood.
pub const HERITAGE_WEIGHTS: &[(Heritage, u32)] = &[
    (Heritage::English, 42),
    (Heritage::Spanish, 26),
    (Heritage::Polish, 8),
    (Heritage::Chinese, 7),
    (Heritage::Vietnamese, 5),
    (Heritage::Arabic, 5),
    (Heritage::WestAfrican, 4),
    (Heritage::SouthAsian, 3),
];

impl Heritage {
    fn first_names(self) -> &'static [&'static str] {
        match self {
            Heritage::English => &[
                "James",
                "Mary",
                "Robert",
                "Patricia",
                "John",
                "Jennifer",
                "Michael",
                "Linda",
                "David",
                "Elizabeth",
                "William",
                "Barbara",
                "Richard",
                "Susan",
                "Joseph",
                "Jessica",
                "Thomas",
                "Sarah",
                "Charles",
                "Karen",
                "Daniel",
                "Nancy",
                "Matthew",
                "Lisa",
                "Anthony",
                "Betty",
                "Mark",
                "Margaret",
                "Steven",
                "Ashley",
                "Andrew",
                "Emily",
                "Kevin",
                "Michelle",
                "Brian",
                "Amanda",
                "Tyrone",
                "Keisha",
                "Darnell",
                "Latoya",
                "Ethan",
                "Olivia",
                "Noah",
                "Emma",
                "Liam",
                "Ava",
                "Grace",
                "Henry",
                "Dorothy",
                "Walter",
                "Ruth",
                "Harold",
                "Shirley",
                "Aaliyah",
                "Jamal",
            ],
            Heritage::Spanish => &[
                "José",
                "María",
                "Juan",
                "Guadalupe",
                "Luis",
                "Carmen",
                "Carlos",
                "Rosa",
                "Jorge",
                "Ana",
                "Miguel",
                "Leticia",
                "Jesús",
                "Veronica",
                "Alejandro",
                "Gabriela",
                "Francisco",
                "Adriana",
                "Ricardo",
                "Alejandra",
                "Fernando",
                "Yesenia",
                "Javier",
                "Lucía",
                "Eduardo",
                "Marisol",
                "Sofía",
                "Diego",
                "Valeria",
                "Mateo",
                "Ximena",
                "Santiago",
                "Camila",
                "Héctor",
                "Esperanza",
                "Raúl",
                "Dolores",
            ],
            Heritage::Polish => &[
                "Piotr",
                "Anna",
                "Krzysztof",
                "Katarzyna",
                "Tomasz",
                "Małgorzata",
                "Paweł",
                "Agnieszka",
                "Marek",
                "Joanna",
                "Andrzej",
                "Ewa",
                "Jan",
                "Magdalena",
                "Michał",
                "Barbara",
                "Stanisław",
                "Zofia",
                "Wojciech",
                "Dorota",
            ],
            Heritage::Vietnamese => &[
                "Minh", "Linh", "Tuan", "Huong", "Dung", "Mai", "Hung", "Lan", "Thanh", "Trang",
                "Quang", "Ngoc", "Duc", "Thao", "Long", "Hoa", "Phuong", "Bao", "Anh", "Khoa",
            ],
            Heritage::Chinese => &[
                "Wei", "Fang", "Jun", "Xiu Ying", "Lei", "Mei", "Jian", "Li Na", "Hao", "Yan",
                "Qiang", "Ling", "Chen", "Hui", "Bo", "Xin", "Kevin", "Grace", "Jason", "Amy",
            ],
            Heritage::Arabic => &[
                "Mohammed", "Fatima", "Ahmed", "Aisha", "Omar", "Layla", "Ali", "Maryam", "Yusuf",
                "Noor", "Hassan", "Zainab", "Khalid", "Huda", "Tariq", "Rania", "Samir", "Leila",
                "Karim", "Amal",
            ],
            Heritage::WestAfrican => &[
                "Chinedu",
                "Ngozi",
                "Oluwaseun",
                "Adaeze",
                "Kwame",
                "Ama",
                "Emeka",
                "Funmilayo",
                "Kofi",
                "Abena",
                "Tunde",
                "Chiamaka",
                "Ifeanyi",
                "Yetunde",
                "Segun",
                "Efua",
            ],
            Heritage::SouthAsian => &[
                "Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya", "Rohan",
                "Divya", "Sanjay", "Lakshmi", "Imran", "Ayesha", "Raj", "Pooja",
            ],
        }
    }

    fn last_names(self) -> &'static [&'static str] {
        match self {
            Heritage::English => &[
                "Smith",
                "Johnson",
                "Williams",
                "Brown",
                "Jones",
                "Miller",
                "Davis",
                "Wilson",
                "Anderson",
                "Taylor",
                "Thomas",
                "Moore",
                "Jackson",
                "Martin",
                "Thompson",
                "White",
                "Harris",
                "Clark",
                "Lewis",
                "Robinson",
                "Walker",
                "Young",
                "Allen",
                "King",
                "Wright",
                "Scott",
                "Green",
                "Baker",
                "Adams",
                "Nelson",
                "Hill",
                "Campbell",
                "Mitchell",
                "Carter",
                "Roberts",
                "O'Brien",
                "Murphy",
                "Sullivan",
                "Kelly",
                "Washington",
                "Freeman",
                "Coleman",
                "Brooks",
                "Price",
                "Bennett",
            ],
            Heritage::Spanish => &[
                "García",
                "Rodríguez",
                "Martínez",
                "Hernández",
                "López",
                "González",
                "Pérez",
                "Sánchez",
                "Ramírez",
                "Torres",
                "Flores",
                "Rivera",
                "Gómez",
                "Díaz",
                "Reyes",
                "Morales",
                "Cruz",
                "Ortiz",
                "Gutiérrez",
                "Chávez",
                "Ramos",
                "Ruiz",
                "Mendoza",
                "Castillo",
                "Jiménez",
                "Vargas",
                "Romero",
                "Herrera",
                "Medina",
                "Aguilar",
                "De la Cruz",
            ],
            Heritage::Polish => &[
                "Nowak",
                "Kowalski",
                "Wiśniewski",
                "Wójcik",
                "Kowalczyk",
                "Kamiński",
                "Lewandowski",
                "Zieliński",
                "Szymański",
                "Woźniak",
                "Dąbrowski",
                "Kozłowski",
                "Jankowski",
                "Mazur",
                "Krawczyk",
                "Piotrowski",
            ],
            Heritage::Vietnamese => &[
                "Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Vo", "Dang", "Bui", "Do",
                "Ho", "Ngo", "Duong", "Ly",
            ],
            Heritage::Chinese => &[
                "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
                "Sun", "Ma", "Zhu", "Hu", "Lin", "Guo", "He", "Wong", "Chan",
            ],
            Heritage::Arabic => &[
                "Haddad", "Khoury", "Nasser", "Saleh", "Hussein", "Mansour", "Abdullah", "Farah",
                "Hamdan", "Khalil", "Aziz", "Qureshi", "Suleiman", "Mustafa",
            ],
            Heritage::WestAfrican => &[
                "Okafor", "Adeyemi", "Mensah", "Okonkwo", "Boateng", "Afolabi", "Eze", "Owusu",
                "Nwosu", "Balogun", "Asante", "Obi",
            ],
            Heritage::SouthAsian => &[
                "Patel",
                "Shah",
                "Singh",
                "Kumar",
                "Sharma",
                "Reddy",
                "Desai",
                "Khan",
                "Iyer",
                "Mehta",
                "Chowdhury",
                "Rao",
            ],
        }
    }

    pub fn first_name(self, rng: &mut SplitMix64) -> &'static str {
        rng.pick(self.first_names())
    }

    pub fn last_name(self, rng: &mut SplitMix64) -> &'static str {
        rng.pick(self.last_names())
    }

    /// The preferred language of one person of this heritage: most voters
    /// prefer English; some Spanish, Vietnamese and Chinese speakers do not.
    pub fn language(self, rng: &mut SplitMix64) -> &'static str {
        let (other, p) = match self {
            Heritage::Spanish => ("es", 0.40),
            Heritage::Vietnamese => ("vi", 0.35),
            Heritage::Chinese => ("zh", 0.35),
            _ => ("en", 0.0),
        };
        if rng.chance(p) { other } else { "en" }
    }
}

/// Street names running north–south (the ones houses face, Chicago style).
pub const NORTH_SOUTH_STREETS: &[&str] = &[
    "Maple",
    "Oakley",
    "Cedar",
    "Birch",
    "Willow",
    "Hawthorne",
    "Linden",
    "Sycamore",
    "Aspen",
    "Chestnut",
    "Walnut",
    "Poplar",
    "Magnolia",
    "Juniper",
    "Cypress",
    "Laurel",
    "Hickory",
    "Spruce",
    "Alder",
    "Hazel",
    "Rosewood",
    "Mulberry",
    "Dogwood",
    "Redbud",
    "Tamarack",
    "Catalpa",
    "Ginkgo",
    "Larch",
    "Hemlock",
    "Buckeye",
    "Boxelder",
    "Ironwood",
];

/// Suffixes for the later rounds of a large grid, once every base name has
/// been used as both an "Ave" and a "St".
const MINOR_SUFFIXES: &[&str] = &["Ct", "Pl", "Dr", "Ter", "Way", "Blvd"];

/// The name of the `index`-th street drawn from `bases`: "Maple Ave", then
/// (after every base was used once) "Maple St", then "Maple Ct" and so on.
/// Unique for the first `bases.len() * 8` indices; names repeat beyond that
/// (a grid of hundreds of streets, far more than any test or demo uses).
pub fn street_name(bases: &[&str], index: usize) -> String {
    let round = index / bases.len();
    let alternate = index % 2;
    let suffix = match round {
        0 => ["Ave", "St"][alternate],
        1 => ["St", "Ave"][alternate],
        r => MINOR_SUFFIXES[(r - 2) % MINOR_SUFFIXES.len()],
    };
    format!("{} {suffix}", bases[index % bases.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_names_are_unique_over_eight_rounds_of_base_names() {
        let names: Vec<String> = (0..NORTH_SOUTH_STREETS.len() * 8)
            .map(|i| street_name(NORTH_SOUTH_STREETS, i))
            .collect();
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert_eq!(names[0], "Maple Ave");
        assert_eq!(names[1], "Oakley St");
    }
}
