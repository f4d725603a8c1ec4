//! Package reports on a real SQLite file holding known parcels: the server's rows, and
//! an intake and a pickup still queued in this desk's outbox. The period spans the
//! night Montréal goes back from EDT to EST (1 November 2026, 02:00 → 01:00), so its
//! second day is 25 hours long and a fixed UTC offset would put a parcel on the wrong
//! day.

use frontdesk_desk_core::DeskErrorCode;
use frontdesk_desk_core::instructions::Author;
use frontdesk_desk_core::packages::NewPackage;
use frontdesk_desk_core::reports::{
    DayVolume, PackageReport, ReportRequest, ReportTable, report_csv, report_file_name,
    write_new_csv,
};
use frontdesk_desk_core::store::Store;
use frontdesk_protocol::{
    Authority, Change, ChangeBody, Package, PackageFlags, PackageStatus, PackageTransition,
    Resident, StaffMember, StaffRole, Unit,
};
use uuid::Uuid;

const ME: Author<'static> = Author {
    staff_id: "staff-me",
    building_id: "b1",
};
const ZONE: &str = "America/Toronto";

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-10-31 00:00 EDT.
const FROM: i64 = 1_793_419_200_000;
/// 2026-11-03 00:00 EST: three local days, 73 hours.
const TO: i64 = 1_793_682_000_000;
/// 2026-11-06 12:00 EST.
const NOW: i64 = 1_793_984_400_000;

/// 2026-11-02 10:00 EST: the queued pickup of parcel B.
const QUEUED_PICKUP_AT: i64 = 1_793_631_600_000;
/// 2026-11-02 13:00 EST: the queued intake.
const QUEUED_INTAKE_AT: i64 = 1_793_642_400_000;

fn change(seq: i64, body: ChangeBody) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id: None,
        body,
    }
}

fn unit(id: &str, number: &str) -> ChangeBody {
    ChangeBody::UnitUpserted(Unit {
        id: id.into(),
        building_id: "b1".into(),
        unit_number: number.into(),
        floor_number: None,
        square_footage: None,
        bedrooms: None,
        bathrooms: None,
        is_occupied: None,
        unit_type: None,
        occupant_name: None,
    })
}

fn staff(id: &str, name: &str) -> ChangeBody {
    ChangeBody::StaffUpserted(StaffMember {
        id: id.into(),
        building_id: "b1".into(),
        name: name.into(),
        email: format!("{id}@example.com"),
        role: StaffRole::Doorman,
        disabled: false,
    })
}

/// A parcel as the server sent it.
struct Parcel {
    id: &'static str,
    code: &'static str,
    carrier: Option<&'static str>,
    unit: Option<&'static str>,
    resident: Option<&'static str>,
    shelf: Option<&'static str>,
    note: Option<&'static str>,
    received_at_ms: i64,
    by: &'static str,
    status: PackageStatus,
    status_at_ms: i64,
}

impl Parcel {
    fn body(&self) -> ChangeBody {
        ChangeBody::PackageUpserted(Package {
            id: self.id.into(),
            building_id: "b1".into(),
            code: self.code.into(),
            tracking_number: None,
            carrier: self.carrier.map(Into::into),
            resident_id: self.resident.map(Into::into),
            unit_id: self.unit.map(Into::into),
            shelf: self.shelf.map(Into::into),
            size: None,
            flags: PackageFlags::default(),
            note: self.note.map(Into::into),
            status: self.status,
            received_at_ms: self.received_at_ms,
            received_by: self.by.into(),
            status_at_ms: self.status_at_ms,
            collected_by: (self.status == PackageStatus::PickedUp).then(|| "Someone".into()),
        })
    }
}

fn parcel(id: &'static str, code: &'static str, received_at_ms: i64, by: &'static str) -> Parcel {
    Parcel {
        id,
        code,
        carrier: Some("ups"),
        unit: Some("u1"),
        resident: Some("r1"),
        shelf: None,
        note: None,
        received_at_ms,
        by,
        status: PackageStatus::Waiting,
        status_at_ms: received_at_ms,
    }
}

fn picked_up(p: Parcel, at: i64) -> Parcel {
    Parcel {
        status: PackageStatus::PickedUp,
        status_at_ms: at,
        ..p
    }
}

/// The building as the server sent it, then this desk's queued pickup of parcel B and
/// queued intake. Answers the queued intake's code.
async fn seeded() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let parcels = [
        // Taken in at 23:59 EDT on 31 October, the last minute of the period's first day.
        Parcel {
            carrier: Some("canada_post"),
            ..parcel("pB", "BBBB-0002", 1_793_505_540_000, "staff-b")
        },
        // 00:01 EDT on 1 November, two minutes later: the next day.
        Parcel {
            carrier: None,
            shelf: Some("B"),
            note: Some("=1+1"),
            ..parcel("pC", "CCCC-0003", 1_793_505_660_000, "staff-a")
        },
        // 1 November 10:00 EST, picked up two hours later.
        picked_up(
            parcel("pA", "AAAA-0001", 1_793_545_200_000, "staff-a"),
            1_793_552_400_000,
        ),
        // 1 November 23:30 EST (04:30 UTC on the 2nd; 00:30 on the 2nd at the EDT
        // offset), by a staff id this desk does not know; picked up an hour later.
        picked_up(
            parcel("pD", "DDDD-0004", 1_793_593_800_000, "staff-gone"),
            1_793_597_400_000,
        ),
        // Taken in before the period (25 October), picked up in it a week later.
        picked_up(
            Parcel {
                carrier: Some("fedex"),
                ..parcel("pE", "EEEE-0005", 1_792_936_800_000, "staff-a")
            },
            1_793_541_600_000,
        ),
        // 2 November 15:00 EST, sent back the next day: counted, never picked up.
        Parcel {
            carrier: Some("purolator"),
            status: PackageStatus::Returned,
            status_at_ms: 1_793_736_000_000,
            ..parcel("pF", "FFFF-0006", 1_793_649_600_000, "staff-a")
        },
        // Taken in the instant the period ends (excluded from it), still on the shelf
        // 3½ days later: overdue whatever the period.
        Parcel {
            unit: Some("u2"),
            resident: None,
            note: Some("@concierge: call first"),
            status: PackageStatus::Notified,
            status_at_ms: TO + HOUR,
            ..parcel("pG", "GGGG-0007", TO, "staff-b")
        },
        // On the shelf for 2 days and 2 hours: not overdue.
        parcel("pH", "HHHH-0008", 1_793_804_400_000, "staff-b"),
        // Picked up on 30 October, before the period.
        picked_up(
            parcel("pJ", "JJJJ-0009", 1_792_504_800_000, "staff-a"),
            1_793_361_600_000,
        ),
    ];
    let mut changes = vec![
        change(1, unit("u1", "101")),
        change(2, unit("u2", "102")),
        change(
            3,
            ChangeBody::ResidentUpserted(Resident {
                id: "r1".into(),
                building_id: "b1".into(),
                unit_id: Some("u1".into()),
                user_id: None,
                first_name: "Marie \"Mimi\"".into(),
                last_name: "Tremblay, Jr.".into(),
                email: None,
                phone: None,
                is_owner: true,
                is_primary_resident: true,
                move_in_date: None,
                move_out_date: None,
                preferred_language: Some("fr".into()),
                preferred_notification_method: None,
                notes: None,
            }),
        ),
        change(4, staff("staff-a", "Marie-Ève Tremblay")),
        change(5, staff("staff-b", "Roy, \"Bob\"")),
        change(6, staff("staff-me", "Luc Gagnon")),
    ];
    for (i, p) in parcels.iter().enumerate() {
        changes.push(change(10 + i as i64, p.body()));
    }
    store.apply_changes(&changes, 0).await.unwrap();

    store
        .transition_packages(
            vec![PackageTransition {
                id: "pB".into(),
                event_id: Uuid::now_v7().to_string(),
                to: PackageStatus::PickedUp,
                note: None,
                collected_by: Some("Marie".into()),
                override_reason: None,
                signature: None,
            }],
            Authority::Staff,
            &ME,
            QUEUED_PICKUP_AT,
        )
        .await
        .unwrap();
    let (_, intake) = store
        .intake_package(
            NewPackage {
                carrier: Some("dhl".into()),
                resident_id: Some("r1".into()),
                shelf: Some("A".into()),
                ..NewPackage::default()
            },
            QUEUED_INTAKE_AT,
        )
        .await
        .unwrap();
    assert_eq!(store.outbox_counts().await.unwrap().queued, 2);
    (dir, store, intake.code)
}

fn request(waiting_days: Option<u32>) -> ReportRequest {
    ReportRequest {
        from_ms: FROM,
        to_ms: TO,
        time_zone: ZONE.into(),
        waiting_days,
    }
}

async fn report(store: &Store) -> PackageReport {
    store
        .package_report(&request(None), &ME, NOW)
        .await
        .unwrap()
}

#[tokio::test]
async fn volumes_count_parcels_taken_in_per_local_day_queued_intake_included() {
    let (_dir, store, _) = seeded().await;
    let report = report(&store).await;
    assert_eq!(report.received, 6);
    assert_eq!(
        report.by_day,
        vec![
            DayVolume {
                date: "2026-10-31".into(),
                start_ms: FROM,
                parcels: 1,
            },
            DayVolume {
                date: "2026-11-01".into(),
                start_ms: FROM + DAY,
                parcels: 3,
            },
            DayVolume {
                date: "2026-11-02".into(),
                // The night the clocks go back: 1 November is 25 hours long.
                start_ms: FROM + 2 * DAY + HOUR,
                parcels: 2,
            },
        ]
    );
    assert_eq!(
        report_csv(&report, ReportTable::ByDay),
        "date,parcels\r\n2026-10-31,1\r\n2026-11-01,3\r\n2026-11-02,2\r\n"
    );
}

#[tokio::test]
async fn carriers_are_counted_with_the_parcels_without_one_as_their_own_row() {
    let (_dir, store, _) = seeded().await;
    let report = report(&store).await;
    let rows: Vec<(Option<&str>, Option<&str>, u32)> = report
        .by_carrier
        .iter()
        .map(|c| (c.carrier.as_deref(), c.carrier_name.as_deref(), c.parcels))
        .collect();
    assert_eq!(
        rows,
        vec![
            (Some("ups"), Some("UPS"), 2),
            (Some("canada_post"), Some("Canada Post"), 1),
            (Some("dhl"), Some("DHL"), 1),
            (Some("purolator"), Some("Purolator"), 1),
            (None, None, 1),
        ]
    );
    assert_eq!(
        report_csv(&report, ReportTable::ByCarrier),
        "carrier,carrier_code,parcels\r\nUPS,ups,2\r\nCanada Post,canada_post,1\r\n\
         DHL,dhl,1\r\nPurolator,purolator,1\r\n,,1\r\n"
    );
}

#[tokio::test]
async fn pickup_times_cover_parcels_picked_up_in_the_period_queued_pickup_included() {
    let (_dir, store, _) = seeded().await;
    let report = report(&store).await;
    // D 1 h, A 2 h, B 35 h 01 min (its pickup still queued), E 7 days (taken in before
    // the period). J was picked up before it.
    assert_eq!(report.pickup.parcels, 4);
    // Nearest rank: the 2nd of 4 (the mean of the middle two would be 64 h 30 min).
    assert_eq!(report.pickup.median_ms, Some(2 * HOUR));
    assert_eq!(report.pickup.p90_ms, Some(7 * DAY));
    assert_eq!(
        report_csv(&report, ReportTable::PickupTimes),
        "parcels_picked_up,median_minutes,p90_minutes\r\n4,120,10080\r\n"
    );
}

#[tokio::test]
async fn the_waiting_list_holds_parcels_on_the_shelf_past_the_threshold_now() {
    let (_dir, store, queued_code) = seeded().await;
    let report = report(&store).await;
    assert_eq!(report.waiting_days, 3, "the default threshold");
    let rows: Vec<(&str, u32, bool)> = report
        .overdue
        .iter()
        .map(|p| (p.code.as_str(), p.days_waiting, p.pending))
        .collect();
    // B would be here, 5 days on the shelf, but for the pickup queued at this desk.
    assert_eq!(
        rows,
        vec![
            ("CCCC-0003", 5, false),
            (queued_code.as_str(), 3, true),
            ("GGGG-0007", 3, false),
        ]
    );
    assert_eq!(report.overdue[0].unit_number.as_deref(), Some("101"));
    assert_eq!(
        report.overdue[0].recipient.as_deref(),
        Some("Marie \"Mimi\" Tremblay, Jr.")
    );
    assert_eq!(report.overdue[2].recipient, None, "not assigned");
    assert_eq!(report.overdue[2].status, PackageStatus::Notified);
    // Quoted as RFC 4180 says; notes that a spreadsheet would run are made text.
    assert_eq!(
        report_csv(&report, ReportTable::Overdue),
        format!(
            "code,unit,recipient,carrier,shelf,received_at,days_waiting,status,note\r\n\
             CCCC-0003,101,\"Marie \"\"Mimi\"\" Tremblay, Jr.\",,B,2026-11-01 00:01,5,waiting,'=1+1\r\n\
             {queued_code},101,\"Marie \"\"Mimi\"\" Tremblay, Jr.\",DHL,A,2026-11-02 13:00,3,waiting,\r\n\
             GGGG-0007,102,,UPS,,2026-11-03 00:00,3,notified,'@concierge: call first\r\n"
        )
    );

    let longer = store
        .package_report(&request(Some(5)), &ME, NOW)
        .await
        .unwrap();
    let codes: Vec<&str> = longer.overdue.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["CCCC-0003"]);
}

#[tokio::test]
async fn intake_is_counted_per_staff_member_by_name_or_by_id_when_unknown() {
    let (_dir, store, _) = seeded().await;
    let report = report(&store).await;
    let rows: Vec<(&str, Option<&str>, u32)> = report
        .by_staff
        .iter()
        .map(|s| (s.staff_id.as_str(), s.name.as_deref(), s.parcels))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("staff-a", Some("Marie-Ève Tremblay"), 3),
            ("staff-me", Some("Luc Gagnon"), 1),
            ("staff-b", Some("Roy, \"Bob\""), 1),
            ("staff-gone", None, 1),
        ]
    );
    assert_eq!(
        report_csv(&report, ReportTable::ByStaff),
        "staff,staff_id,parcels\r\nMarie-Ève Tremblay,staff-a,3\r\nLuc Gagnon,staff-me,1\r\n\
         \"Roy, \"\"Bob\"\"\",staff-b,1\r\n,staff-gone,1\r\n"
    );
}

#[tokio::test]
async fn a_period_without_parcels_has_its_days_at_zero_and_no_pickup_times() {
    let (_dir, store, _) = seeded().await;
    // 10–12 October 2026.
    let from = FROM - 21 * DAY;
    let empty = store
        .package_report(
            &ReportRequest {
                from_ms: from,
                to_ms: from + 2 * DAY,
                time_zone: ZONE.into(),
                waiting_days: Some(3),
            },
            &ME,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(empty.received, 0);
    let days: Vec<(&str, u32)> = empty
        .by_day
        .iter()
        .map(|d| (d.date.as_str(), d.parcels))
        .collect();
    assert_eq!(days, [("2026-10-10", 0), ("2026-10-11", 0)]);
    assert!(empty.by_carrier.is_empty() && empty.by_staff.is_empty());
    assert_eq!(
        (
            empty.pickup.parcels,
            empty.pickup.median_ms,
            empty.pickup.p90_ms
        ),
        (0, None, None)
    );
    assert_eq!(empty.overdue.len(), 3, "the waiting list is as of now");
    assert_eq!(
        report_csv(&empty, ReportTable::PickupTimes),
        "parcels_picked_up,median_minutes,p90_minutes\r\n0,,\r\n"
    );
}

#[tokio::test]
async fn a_bad_request_is_refused_with_the_reason() {
    let (_dir, store, _) = seeded().await;
    let bad = [
        ReportRequest {
            to_ms: FROM,
            ..request(None)
        },
        ReportRequest {
            to_ms: FROM + 401 * DAY,
            ..request(None)
        },
        ReportRequest {
            time_zone: "Mars/Olympus_Mons".into(),
            ..request(None)
        },
        request(Some(366)),
    ];
    for r in bad {
        let err = store.package_report(&r, &ME, NOW).await.unwrap_err();
        assert_eq!(
            err.code,
            DeskErrorCode::InvalidInput,
            "{r:?}: {}",
            err.message
        );
    }
}

#[tokio::test]
async fn an_export_is_a_new_file_each_time_readable_by_excel() {
    let (_dir, store, _) = seeded().await;
    let report = report(&store).await;
    let name = report_file_name(&report, ReportTable::Overdue);
    assert_eq!(name, "frontdesk-waiting-parcels-20261106-120000.csv");
    let out = tempfile::tempdir().unwrap();
    let downloads = out.path().join("Downloads");
    let csv = report_csv(&report, ReportTable::ByDay);
    let first = write_new_csv(&downloads, &name, &csv).await.unwrap();
    let second = write_new_csv(&downloads, &name, &csv).await.unwrap();
    assert_eq!(first, downloads.join(&name));
    assert_eq!(
        second,
        downloads.join("frontdesk-waiting-parcels-20261106-120000-2.csv")
    );
    let bytes = std::fs::read(&second).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte order mark");
    assert_eq!(std::str::from_utf8(&bytes[3..]).unwrap(), csv);
}
