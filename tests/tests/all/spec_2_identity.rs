//! Contract §2 (docs/contract.md) Identity: GUIDs — version 4 from the host's randomness, unique,
//! `get-id`/`get-job` agree, the Windows field layout, the registry form,
//! and what `parse-guid` accepts and refuses.

use std::collections::HashSet;

use bits_queue_host::{ErrorCode, Guid, JobType, QueueLimits};
use bits_queue_tests::{fresh, fresh_seeded, refusal};

/// How many GUIDs the statistical checks draw.
const MANY: usize = 2000;

/// `MANY` GUIDs from one queue (cancelling as it goes, so max-jobs never
/// stops it).
fn many_guids() -> Vec<Guid> {
    let (_queue, manager) = fresh();
    (0..MANY)
        .map(|i| {
            let job = manager
                .create_job(&format!("job {i}"), JobType::Download)
                .unwrap();
            let id = job.id().unwrap();
            job.cancel().unwrap();
            id
        })
        .collect()
}

#[test]
fn every_guid_is_an_rfc9562_version_4_uuid() {
    for id in many_guids() {
        assert_eq!(id.data3 >> 12, 4, "version nibble of {id}");
        assert_eq!(id.version(), 4, "{id}");
        assert_eq!(id.data4[0] & 0xC0, 0x80, "variant bits of {id}");
        let uuid = uuid::Uuid::from(id);
        assert_eq!(uuid.get_version_num(), 4, "{id}");
        assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
    }
}

/// A version-4 UUID keeps 122 random bits. If the guest fixed or dropped any
/// of them (a constant byte, a counter, a truncated draw), some bit outside
/// the version and variant would never change over 2,000 GUIDs; the chance
/// that a truly random bit stays constant that long is 2^-1999.
#[test]
fn the_122_random_bits_all_vary() {
    let guids = many_guids();
    let bits = |g: &Guid| u128::from_be_bytes(uuid::Uuid::from(*g).into_bytes());
    let fixed_mask: u128 = (0xF << 76) | (0b11 << 62); // version nibble, variant bits
    let (mut seen_one, mut seen_zero) = (0u128, 0u128);
    for g in &guids {
        seen_one |= bits(g);
        seen_zero |= !bits(g);
    }
    let varying = seen_one & seen_zero;
    assert_eq!(
        varying,
        !fixed_mask,
        "bits that never changed: {:032X}",
        !varying & !fixed_mask
    );
    assert_eq!(varying.count_ones(), 122);
}

#[test]
fn guids_are_unique_within_a_queue_and_across_queues() {
    let first = many_guids();
    let unique: HashSet<Guid> = first.iter().copied().collect();
    assert_eq!(unique.len(), MANY, "a GUID repeated within one queue");

    // Live jobs too (not only cancelled ones): the default 300 at once.
    let (_queue, manager) = fresh();
    let live: Vec<_> = (0..300)
        .map(|_| manager.create_job("", JobType::Upload).unwrap())
        .collect();
    let live_ids: HashSet<Guid> = live.iter().map(|j| j.id().unwrap()).collect();
    assert_eq!(live_ids.len(), 300);
    assert!(
        live_ids.is_disjoint(&unique),
        "two queues issued the same GUID"
    );
}

#[test]
fn get_id_returns_the_guid_create_job_generated() {
    let (_queue, manager) = fresh();
    let job = manager.create_job("mine", JobType::Download).unwrap();
    let id = job.id().unwrap();
    // Stable across calls, and the same through every handle to the job.
    assert_eq!(job.id().unwrap(), id);
    assert_eq!(manager.get_job(id).unwrap().id().unwrap(), id);
    let listed = manager.jobs().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id().unwrap(), id);
    // Changing the job never changes its identity.
    job.set_display_name("renamed").unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    job.resume().unwrap();
    assert_eq!(job.id().unwrap(), id);
}

/// With a seeded stream the GUID `create-job` generates is known before the
/// call (the same seed in a second instance), so `get-id` can be checked
/// against the generated value itself, not only against itself.
#[test]
fn get_id_equals_the_guid_drawn_from_the_host_stream() {
    let (_q1, reference) = fresh_seeded(11);
    let expected: Vec<Guid> = (0..5)
        .map(|_| {
            reference
                .create_job("", JobType::Download)
                .unwrap()
                .id()
                .unwrap()
        })
        .collect();
    let (_q2, manager) = fresh_seeded(11);
    for want in expected {
        let job = manager.create_job("", JobType::Upload).unwrap();
        assert_eq!(job.id().unwrap(), want);
    }
}

#[test]
fn get_job_returns_a_handle_to_the_same_job() {
    let (_queue, manager) = fresh();
    let a = manager.create_job("first", JobType::Download).unwrap();
    let b = manager.create_job("second", JobType::UploadReply).unwrap();
    let got_a = manager.get_job(a.id().unwrap()).unwrap();
    let got_b = manager.get_job(b.id().unwrap()).unwrap();
    assert_eq!(got_a.display_name().unwrap(), "first");
    assert_eq!(got_a.job_type().unwrap(), JobType::Download);
    assert_eq!(got_b.display_name().unwrap(), "second");
    assert_eq!(got_b.job_type().unwrap(), JobType::UploadReply);
    // A change through one handle is the job's change.
    got_a.set_description("through get-job").unwrap();
    assert_eq!(a.description().unwrap(), "through get-job");
    assert_eq!(b.description().unwrap(), "");
}

#[test]
fn field_layout_is_the_windows_guid_struct() {
    let (queue, _manager) = fresh();
    let id = queue
        .parse_guid("{6B29FC40-CA47-1067-B31D-00DD010662DA}")
        .unwrap();
    assert_eq!(
        id,
        Guid {
            data1: 0x6B29_FC40,
            data2: 0xCA47,
            data3: 0x1067,
            data4: [0xB3, 0x1D, 0x00, 0xDD, 0x01, 0x06, 0x62, 0xDA],
        }
    );
    // The same as the uuid crate's reading of the string form.
    let u = uuid::Uuid::parse_str("6B29FC40-CA47-1067-B31D-00DD010662DA").unwrap();
    let (d1, d2, d3, d4) = u.as_fields();
    assert_eq!((id.data1, id.data2, id.data3, id.data4), (d1, d2, d3, *d4));
}

#[test]
fn guid_to_string_gives_the_registry_form() {
    let (queue, manager) = fresh();
    let example = Guid {
        data1: 0x6B29_FC40,
        data2: 0xCA47,
        data3: 0x1067,
        data4: [0xB3, 0x1D, 0x00, 0xDD, 0x01, 0x06, 0x62, 0xDA],
    };
    assert_eq!(
        queue.guid_to_string(example).unwrap(),
        "{6B29FC40-CA47-1067-B31D-00DD010662DA}"
    );
    assert_eq!(
        queue.guid_to_string(Guid::NIL).unwrap(),
        "{00000000-0000-0000-0000-000000000000}"
    );
    // Leading zeros are kept in every group.
    let small = Guid {
        data1: 1,
        data2: 2,
        data3: 3,
        data4: [0, 4, 0, 0, 0, 0, 0, 5],
    };
    assert_eq!(
        queue.guid_to_string(small).unwrap(),
        "{00000001-0002-0003-0004-000000000005}"
    );
    // Every issued GUID, checked character by character, and against uuid.
    for _ in 0..200 {
        let job = manager.create_job("", JobType::Download).unwrap();
        let id = job.id().unwrap();
        job.cancel().unwrap();
        let text = queue.guid_to_string(id).unwrap();
        assert_registry_form(&text);
        let hyphenated = uuid::Uuid::from(id).hyphenated().to_string().to_uppercase();
        assert_eq!(text, format!("{{{hyphenated}}}"));
        assert_eq!(text, id.to_string(), "the host's Display agrees");
        assert_eq!(queue.parse_guid(&text).unwrap(), id, "round trip");
    }
}

/// `{XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX}`: braces, dashes at 9/14/19/24,
/// upper-case hex everywhere else.
fn assert_registry_form(text: &str) {
    let bytes = text.as_bytes();
    assert_eq!(bytes.len(), 38, "{text}");
    for (i, &b) in bytes.iter().enumerate() {
        match i {
            0 => assert_eq!(b, b'{', "{text}"),
            37 => assert_eq!(b, b'}', "{text}"),
            9 | 14 | 19 | 24 => assert_eq!(b, b'-', "{text}"),
            _ => assert!(matches!(b, b'0'..=b'9' | b'A'..=b'F'), "{text}: byte {i}"),
        }
    }
}

#[test]
fn parse_guid_accepts_braces_or_none_in_any_case() {
    let (queue, _manager) = fresh();
    let want = Guid {
        data1: 0x6B29_FC40,
        data2: 0xCA47,
        data3: 0x1067,
        data4: [0xB3, 0x1D, 0x00, 0xDD, 0x01, 0x06, 0x62, 0xDA],
    };
    for text in [
        "{6B29FC40-CA47-1067-B31D-00DD010662DA}",
        "6B29FC40-CA47-1067-B31D-00DD010662DA",
        "{6b29fc40-ca47-1067-b31d-00dd010662da}",
        "6b29fc40-ca47-1067-b31d-00dd010662da",
        "{6b29Fc40-cA47-1067-B31d-00Dd010662dA}",
        "6B29fc40-CA47-1067-b31d-00DD010662da",
    ] {
        assert_eq!(queue.parse_guid(text), Ok(want), "{text:?}");
        assert_eq!(text.parse::<Guid>(), Ok(want), "host FromStr: {text:?}");
    }
}

#[test]
fn parse_guid_refuses_every_other_form_with_invalid_argument() {
    let (queue, _manager) = fresh();
    let refused = [
        // Empty, and braces alone.
        "",
        "{}",
        // Unbalanced or doubled braces.
        "{6B29FC40-CA47-1067-B31D-00DD010662DA",
        "6B29FC40-CA47-1067-B31D-00DD010662DA}",
        "}6B29FC40-CA47-1067-B31D-00DD010662DA{",
        "{{6B29FC40-CA47-1067-B31D-00DD010662DA}}",
        "(6B29FC40-CA47-1067-B31D-00DD010662DA)",
        "[6B29FC40-CA47-1067-B31D-00DD010662DA]",
        // Surrounding and inner spaces.
        " {6B29FC40-CA47-1067-B31D-00DD010662DA}",
        "{6B29FC40-CA47-1067-B31D-00DD010662DA} ",
        " 6B29FC40-CA47-1067-B31D-00DD010662DA ",
        "{ 6B29FC40-CA47-1067-B31D-00DD010662DA }",
        "6B29FC40-CA47-1067-B31D-00DD010662DA\n",
        "\t6B29FC40-CA47-1067-B31D-00DD010662DA",
        "6B29FC40 CA47-1067-B31D-00DD010662DA",
        // Wrong lengths.
        "{6B29FC40-CA47-1067-B31D-00DD010662D}",
        "{6B29FC40-CA47-1067-B31D-00DD010662DAA}",
        "6B29FC40-CA47-1067-B31D-00DD010662D",
        "6B29FC40-CA47-1067-B31D-00DD010662DA0",
        "6B29FC40",
        // No dashes, other spellings of a UUID.
        "6B29FC40CA471067B31D00DD010662DA",
        "{6B29FC40CA471067B31D00DD010662DA}",
        "urn:uuid:6B29FC40-CA47-1067-B31D-00DD010662DA",
        "0x6B29FC40-CA47-1067-B31D-00DD010662DA",
        // Misplaced dashes (right length, wrong places).
        "{6B29FC4-0CA47-1067-B31D-00DD010662DA}",
        "{6B29FC40-CA4-71067-B31D-00DD010662DA}",
        "{6B29FC40-CA47-106-7B31D-00DD010662DA}",
        "{6B29FC40-CA47-1067-B31-D00DD010662DA}",
        "6B29FC40CA47-1067-B31D-00DD010662DA--",
        "6B29FC40-CA47-1067-B31D00DD-010662DA",
        // A dash where a digit belongs and a digit where a dash belongs.
        "{6B29FC40-CA47-1067-B31D-00DD01066-DA}",
        "{6B29FC40ACA47-1067-B31D-00DD010662DA}",
        // Bad hex.
        "{6B29FC40-CA47-1067-B31D-00DD010662DG}",
        "{6B29FC40-CA47-1067-B31D-00DD010662Dg}",
        "{XB29FC40-CA47-1067-B31D-00DD010662DA}",
        "{6B29FC40-CA47-1067-B31D-00DD010662D+}",
        "6B29FC40-CA47-1067-B31D-00DD010662D\0",
        // Multibyte characters: where a digit, a dash or a brace belongs,
        // and in lengths that match the accepted byte lengths (36, 38).
        "{6B29FC40-CA47-1067-B31D-00DD010662D\u{e9}",
        "6B29FC40-CA47-1067-B31D-00DD01066\u{e9}A",
        "{6B29FC40-CA47-1067-B31D-00DD01066\u{e9}A}",
        "{6B29FC40-CA47-1067-B31D-00DD01\u{1F600}DA}",
        "6B29FC40-CA47-1067-B31D-00DD010\u{20ac}DA",
        "\u{ff16}B29FC40-CA47-1067-B31D-00DD010662DA",
        "6B29FC40\u{2010}CA47-1067-B31D-00DD010662DA",
        "\u{ff5b}6B29FC40-CA47-1067-B31D-00DD010662DA\u{ff5d}",
    ];
    for text in refused {
        assert_eq!(
            queue.parse_guid(text),
            Err(ErrorCode::InvalidArgument.into()),
            "{text:?}"
        );
        assert_eq!(
            text.parse::<Guid>(),
            Err(ErrorCode::InvalidArgument),
            "host FromStr: {text:?}"
        );
    }
    // The instance is unharmed by any of them.
    assert!(queue.dead().is_none());
    assert_eq!(queue.limits().unwrap(), QueueLimits::default());
}

#[test]
fn a_refused_parse_is_the_queue_refusing_not_the_sandbox() {
    let (queue, _manager) = fresh();
    assert_eq!(
        refusal(queue.parse_guid("not a guid")),
        ErrorCode::InvalidArgument
    );
}
