//! `demo`: the "Lofts des Arts" demo building, its units, residents and staff.
//!
//! Generated from fixed ids and an index-based pseudo-random function, so the data is
//! the same on every machine and every run, and seeding twice changes nothing (it goes
//! through `apply`, which writes and logs only what differs). Emails use the reserved
//! example domains and phone numbers the fictional 555-01XX range, so nothing here can
//! ever reach a real person once notifications are wired.

use frontdesk_protocol::{Building, Resident, StaffRole, Unit};
use time::{Date, Duration, Month};

use crate::auth::accounts::{NewStaff, add_staff_in};
use crate::auth::password;
use crate::auth::store as auth_store;
use crate::db::{Db, now_ms};
use crate::directory::apply::{self, PendingChanges, Tally};
use crate::error::{Error, Result};

pub const DEMO_BUILDING_ID: &str = "demo-lofts-des-arts";

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: &'static str,
    pub password: &'static str,
    pub role: StaffRole,
    pub name: &'static str,
}

/// Known demo passwords: this is a demo; never run `--demo` on a real building.
pub const DEMO_ACCOUNTS: [DemoAccount; 4] = [
    DemoAccount {
        email: "concierge@lofts-des-arts.demo",
        password: "concierge-demo",
        role: StaffRole::Doorman,
        name: "Mathieu Lapointe",
    },
    DemoAccount {
        email: "security@lofts-des-arts.demo",
        password: "security-demo",
        role: StaffRole::Security,
        name: "Nadia Benali",
    },
    DemoAccount {
        email: "manager@lofts-des-arts.demo",
        password: "manager-demo",
        role: StaffRole::Manager,
        name: "Geneviève Roy",
    },
    DemoAccount {
        email: "admin@lofts-des-arts.demo",
        password: "admin-demo",
        role: StaffRole::Admin,
        name: "Daniel Whitfield",
    },
];

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub building: Building,
    pub units: Tally,
    pub residents: Tally,
    pub staff_created: usize,
    pub changes_logged: usize,
}

pub fn demo_building() -> Building {
    Building {
        id: DEMO_BUILDING_ID.to_owned(),
        name: "Lofts des Arts".to_owned(),
        address: Some("1200 rue Saint-Urbain".to_owned()),
        city: Some("Montréal".to_owned()),
        province: Some("QC".to_owned()),
        postal_code: Some("H2X 2E1".to_owned()),
        country: Some("Canada".to_owned()),
    }
}

pub async fn seed(db: &Db) -> Result<DemoSummary> {
    let building = demo_building();
    let (units, residents) = generate();
    let mut tx = db.begin_write().await?;
    let now = now_ms();
    let mut pending = PendingChanges::default();
    apply::put_building(&mut tx, &building, now, &mut pending).await?;
    let mut unit_tally = Tally::default();
    for u in &units {
        unit_tally.add(apply::put_unit(&mut tx, u, now, &mut pending).await?);
    }
    let mut resident_tally = Tally::default();
    for r in &residents {
        resident_tally.add(apply::put_resident(&mut tx, r, now, &mut pending).await?);
    }
    let mut changes_logged = pending.append_all(&mut tx, now).await?;

    let mut staff_created = 0;
    for account in &DEMO_ACCOUNTS {
        match auth_store::find_staff_by_email(&mut tx, account.email).await? {
            Some(existing) if existing.staff.building_id != DEMO_BUILDING_ID => {
                return Err(Error::InvalidInput(format!(
                    "{} already exists in building {:?}",
                    account.email, existing.staff.building_id
                )));
            }
            // Left as they are, even if disabled or given another password since.
            Some(_) => {}
            None => {
                let hash = password::hash(account.password.to_owned()).await?;
                add_staff_in(
                    &mut tx,
                    NewStaff {
                        id: Some(format!("demo-staff-{}", account.role.as_str())),
                        building_id: DEMO_BUILDING_ID.to_owned(),
                        name: account.name.to_owned(),
                        email: account.email.to_owned(),
                        role: account.role,
                        password: account.password.to_owned(),
                    },
                    &hash,
                )
                .await?;
                staff_created += 1;
                changes_logged += 1;
            }
        }
    }
    tx.commit().await?;
    tracing::info!(units = %unit_tally, residents = %resident_tally, staff_created, "demo building seeded");
    Ok(DemoSummary {
        building,
        units: unit_tally,
        residents: resident_tally,
        staff_created,
        changes_logged,
    })
}

/// A stable pseudo-random number for (`stream`, `index`): splitmix64, written out here
/// so no library upgrade can ever reshuffle the demo.
fn pick(stream: u64, index: u64) -> u64 {
    let mut z = (stream << 32 ^ index).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn choose<T: Copy>(items: &[T], stream: u64, index: u64) -> T {
    items[(pick(stream, index) % items.len() as u64) as usize]
}

const FRENCH_FIRST: &[&str] = &[
    "Céline",
    "Hélène",
    "François",
    "Zoë",
    "Benoît",
    "Mélanie",
    "Geneviève",
    "Stéphane",
    "Frédéric",
    "Amélie",
    "Élodie",
    "Jérôme",
    "Chloé",
    "Raphaël",
    "Noémie",
    "Gaël",
    "Léa",
    "Maxime",
    "Isabelle",
    "Olivier",
    "Émile",
    "Josée",
    "Réjean",
    "Marc-André",
    "Anaïs",
    "Thérèse",
    "André",
    "Sébastien",
    "Ève",
    "Mathis",
];
const FRENCH_LAST: &[&str] = &[
    "Gagné",
    "Bélanger",
    "Lévesque",
    "Tremblay",
    "Côté",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Gagnon",
    "Ouellet",
    "Pelletier",
    "Bérubé",
    "Desjardins",
    "Thériault",
    "Lefebvre",
    "Poirier",
    "Bergeron",
    "Leclerc",
    "Chénier",
    "Doré",
    "Drouin",
    "Paré",
    "Béland",
];
const ENGLISH_FIRST: &[&str] = &[
    "Emily", "James", "Olivia", "Liam", "Sarah", "Michael", "Hannah", "David", "Grace", "Ethan",
    "Chloe", "Noah", "Megan", "Ryan", "Jessica", "Daniel", "Aiden", "Sophie", "Matthew", "Rachel",
];
const ENGLISH_LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Campbell",
    "MacDonald",
    "Wilson",
    "Taylor",
    "Brown",
    "O'Neill",
    "Murphy",
    "Clarke",
    "Stewart",
    "Fraser",
    "Robertson",
    "Walsh",
    "Bennett",
    "Hughes",
];
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.ca", "example.org", "example.net"];
const NOTES: &[&str] = &[
    "Livraisons : laisser au comptoir.",
    "Prefers packages held at the desk.",
    "Chien : Biscuit (très gentil).",
    "Travaille de nuit, ne pas appeler avant midi.",
    "Allergic to latex.",
];

struct UnitKind {
    unit_type: &'static str,
    bedrooms: i32,
    bathrooms: f64,
    square_footage: f64,
}

fn unit_kind(floor: u32, position: u32) -> UnitKind {
    let (unit_type, bedrooms, bathrooms, square_footage) = match (floor, position) {
        (10, 1 | 11) => ("penthouse", 3, 2.5, 1650.0),
        (_, 1 | 11) => ("2 bedroom", 2, 2.0, 1050.0),
        (_, 10) => ("2 bedroom", 2, 1.5, 950.0),
        (_, 5 | 6) => ("studio", 0, 1.0, 480.0),
        (_, 7..=9) => ("1 bedroom + den", 1, 1.5, 810.0),
        _ => ("1 bedroom", 1, 1.0, 720.0),
    };
    UnitKind {
        unit_type,
        bedrooms,
        bathrooms,
        square_footage: square_footage + f64::from(floor) * 5.0,
    }
}

/// Letters only, accents folded, for the local part of an email address.
fn email_part(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let folded = match c {
                'à' | 'â' | 'ä' | 'À' | 'Â' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => 'e',
                'î' | 'ï' | 'Î' => 'i',
                'ô' | 'ö' | 'Ô' => 'o',
                'ù' | 'û' | 'ü' => 'u',
                'ç' | 'Ç' => 'c',
                '-' => '-',
                c if c.is_ascii_alphabetic() => c.to_ascii_lowercase(),
                _ => return None,
            };
            Some(folded)
        })
        .collect()
}

/// 110 units on 10 floors (101–111 … 1001–1011) and about 200 residents.
pub fn generate() -> (Vec<Unit>, Vec<Resident>) {
    let mut units = Vec::new();
    let mut residents = Vec::new();
    let base_date = Date::from_calendar_date(2012, Month::January, 1).unwrap_or(Date::MIN);
    for floor in 1..=10u32 {
        for position in 1..=11u32 {
            let number = floor * 100 + position;
            let n = u64::from(number);
            let kind = unit_kind(floor, position);
            let unit_id = format!("demo-unit-{number}");
            let occupied = !pick(1, n).is_multiple_of(14);
            let mut occupant_name = None;
            if occupied {
                let household = match kind.bedrooms {
                    0 => 1 + pick(2, n) % 2,
                    1 => 1 + pick(2, n) % 3,
                    2 => 2 + pick(2, n) % 2,
                    _ => 2 + pick(2, n) % 3,
                };
                let french = pick(3, n) % 10 < 6;
                let owner_occupied = pick(4, n) % 100 < 55;
                let family_name = if french {
                    choose(FRENCH_LAST, 5, n)
                } else {
                    choose(ENGLISH_LAST, 5, n)
                };
                for member in 0..household {
                    let k = n * 10 + member;
                    let member_french = if member == 0 {
                        french
                    } else {
                        (pick(6, k) % 10 < 7) == french
                    };
                    let first_name = if member_french {
                        choose(FRENCH_FIRST, 7, k)
                    } else {
                        choose(ENGLISH_FIRST, 7, k)
                    };
                    let last_name = if member == 0 || pick(8, k) % 10 < 6 {
                        family_name
                    } else if member_french {
                        choose(FRENCH_LAST, 9, k)
                    } else {
                        choose(ENGLISH_LAST, 9, k)
                    };
                    if member == 0 {
                        occupant_name = Some(format!("{first_name} {last_name}"));
                    }
                    let has_email = !pick(10, k).is_multiple_of(20);
                    let email = has_email.then(|| {
                        format!(
                            "{}.{}@{}",
                            email_part(first_name),
                            email_part(last_name),
                            choose(EMAIL_DOMAINS, 11, k)
                        )
                    });
                    let phone = format!(
                        "+1 {}-555-01{:02}",
                        choose(&["514", "438"], 12, k),
                        pick(13, k) % 100
                    );
                    let notification = match (has_email, pick(14, k) % 100) {
                        (true, 0..55) => "email",
                        (_, 0..85) => "sms",
                        _ => "none",
                    };
                    let move_in = base_date + Duration::days((pick(15, n) % 4500) as i64);
                    residents.push(Resident {
                        id: format!("demo-resident-{number}-{}", member + 1),
                        building_id: DEMO_BUILDING_ID.to_owned(),
                        unit_id: Some(unit_id.clone()),
                        user_id: None,
                        first_name: first_name.to_owned(),
                        last_name: last_name.to_owned(),
                        email,
                        phone: Some(phone),
                        is_owner: owner_occupied && member < 2,
                        is_primary_resident: member == 0,
                        move_in_date: Some(move_in.to_string()),
                        move_out_date: None,
                        preferred_language: Some(
                            if member_french { "fr" } else { "en" }.to_owned(),
                        ),
                        preferred_notification_method: Some(notification.to_owned()),
                        notes: pick(16, k)
                            .is_multiple_of(12)
                            .then(|| choose(NOTES, 17, k).to_owned()),
                    });
                }
            }
            units.push(Unit {
                id: unit_id,
                building_id: DEMO_BUILDING_ID.to_owned(),
                unit_number: number.to_string(),
                floor_number: Some(floor as i32),
                square_footage: Some(kind.square_footage),
                bedrooms: Some(kind.bedrooms),
                bathrooms: Some(kind.bathrooms),
                is_occupied: Some(occupied),
                unit_type: Some(kind.unit_type.to_owned()),
                occupant_name,
            });
        }
    }
    (units, residents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_stable_and_plausible() {
        let (units, residents) = generate();
        assert_eq!(units.len(), 110);
        assert!(
            (180..=230).contains(&residents.len()),
            "{}",
            residents.len()
        );
        assert_eq!(generate().1, residents);
        assert!(residents.iter().any(|r| r.first_name.contains('é')));
        assert!(
            residents
                .iter()
                .all(|r| r.email.as_deref().is_none_or(|e| e.is_ascii()))
        );
    }
}
