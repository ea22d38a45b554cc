//! What one seed does to each of its jobs: the file, where it comes from,
//! the faults it meets, and the errors those faults may end it in
//! (contract §10's table).

use std::time::Duration;

use bits_queue_tests::http_server::{Fault, test_bytes};

/// BG_E_HTTP_ERROR_404.
pub const NOT_FOUND: &str = "0x80190194";
/// BG_E_INSUFFICIENT_RANGE_SUPPORT.
pub const NO_RANGES: &str = "0x80200013";

/// xorshift64*: the same faults for the same seed.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Where a job's file comes from.
pub enum Origin {
    /// A path on the test's HTTP server, with the faults its requests
    /// meet in turn.
    Server { path: String, faults: Vec<Fault> },
    /// A local file, copied with `file://`, that grows while the job
    /// waits or transfers and settles once the job left flight
    /// (`grow.rs`): each attempt that meets a growth restarts the file.
    Growing,
}

/// One job's file: where it comes from, what it first holds, and what
/// may end it.
pub struct Planned {
    pub origin: Origin,
    pub first: Vec<u8>,
    /// A version the server holds once its first request was answered
    /// (a file changed on the server between requests).
    pub changes_to: Option<Vec<u8>>,
    /// The errors its faults may end it in; none: it must arrive.
    pub may_end_in: Vec<&'static str>,
}

pub fn plan(dice: &mut Dice, n: usize) -> Planned {
    let len = 20_000 + dice.below(280_000) as usize;
    let first = test_bytes(len, dice.next());
    let mut faults = Vec::new();
    let mut may_end_in = Vec::new();
    let mut changes_to = None;
    let somewhere = |dice: &mut Dice| dice.below(len as u64);
    match dice.below(13) {
        0..=1 => {}
        2 => faults.push(Fault::DropAfter(somewhere(dice))),
        // Silence for a while, then a close (transient), or the rest.
        3 => faults.push(Fault::Stall(
            somewhere(dice),
            Duration::from_millis(200 + dice.below(1300)),
        )),
        4 => faults.push(Fault::Pause(
            somewhere(dice),
            Duration::from_millis(200 + dice.below(1300)),
        )),
        5 => faults.push(Fault::StallBeforeHeaders(Duration::from_millis(
            200 + dice.below(1300),
        ))),
        6 => {
            let status = [500, 502, 503, 504][dice.below(4) as usize];
            faults.push(Fault::Status(status));
        }
        7 => {
            faults.push(Fault::Status(404));
            may_end_in.push(NOT_FOUND);
        }
        8 => {
            // A range ignored, or answered from the wrong byte, after a
            // drop: the host cannot resume, and says so. (Resumed from
            // byte 0, after a kill that stored no progress, it arrives.)
            faults.push(Fault::DropAfter(1 + dice.below(len as u64 - 1)));
            faults.push(if dice.below(2) == 0 {
                Fault::IgnoreRange
            } else {
                Fault::WrongRange
            });
            may_end_in.push(NO_RANGES);
        }
        9 => faults.push(Fault::NoLength),
        10 => {
            faults.push(Fault::DropAfter(somewhere(dice)));
            changes_to = Some(test_bytes(
                10_000 + dice.below(200_000) as usize,
                dice.next(),
            ));
        }
        _ => {
            return Planned {
                origin: Origin::Growing,
                first,
                changes_to: None,
                may_end_in,
            };
        }
    }
    Planned {
        origin: Origin::Server {
            path: format!("/f{n}.bin"),
            faults,
        },
        first,
        changes_to,
        may_end_in,
    }
}
