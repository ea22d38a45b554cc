//! `bitsq transfer`'s progress display. On a terminal that can redraw a
//! line, an indicatif bar fitted to its width (`COLUMNS` first, as a
//! shell's user sets it, then the terminal's own size). Anywhere else — a
//! pipe, a file, `TERM=dumb` or no `TERM` — plain lines with no cursor
//! control at all (no carriage return, no escape code), paced so a long
//! transfer does not flood a log.

mod pace;
mod width;

use std::time::Instant;

use bits_queue_host::{JobState, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::say;
use crate::transfer::bytes;
use pace::Pace;
use width::FittedTerm;

/// How often, at most, the bar is redrawn per second.
const REDRAWS_PER_SECOND: u8 = 10;

/// The progress display of one transfer.
pub struct Display {
    /// The bar, when stdout is a terminal that can show one.
    bar: Option<Bar>,
    started: Instant,
    /// When a plain line is due (no bar).
    pace: Pace,
}

/// The bar and the width its style was made for.
struct Bar {
    bar: ProgressBar,
    /// What the bar is drawn on: its width is read before each draw.
    term: FittedTerm,
    styled_for: Option<u16>,
}

impl Display {
    pub fn new() -> Self {
        let bar = FittedTerm::stdout().map(|term| Bar {
            bar: ProgressBar::with_draw_target(
                None,
                ProgressDrawTarget::term_like_with_hz(Box::new(term.clone()), REDRAWS_PER_SECOND),
            ),
            term,
            styled_for: None,
        });
        Display {
            bar,
            started: Instant::now(),
            pace: Pace::default(),
        }
    }

    pub fn show(&mut self, state: JobState, progress: Progress) {
        let text = describe(state, progress, self.started);
        let known = progress.bytes_total != Progress::SIZE_UNKNOWN;
        match &mut self.bar {
            Some(bar) => {
                bar.fit();
                bar.bar.set_message(text);
                if known {
                    bar.bar.set_length(progress.bytes_total);
                    bar.bar.set_position(progress.bytes_transferred);
                } else {
                    bar.bar.unset_length();
                }
            }
            None => {
                let total = known.then_some(progress.bytes_total);
                if self
                    .pace
                    .due(Instant::now(), state, progress.bytes_transferred, total)
                {
                    say!("{text}");
                }
            }
        }
    }

    /// Runs `print` with the bar out of the way, so its lines do not mix
    /// with the bar's.
    pub fn note(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.bar.suspend(print),
            None => print(),
        }
    }

    /// Leaves the bar as it last was, and ends its line before other
    /// output.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.bar.finish();
            crate::output::raw("\n");
        }
    }
}

impl Bar {
    /// A style whose fixed part fits the width the terminal has now (it
    /// may have been resized): the bar takes a quarter of it, up to 20
    /// columns, and the message is cut to what is left.
    fn fit(&mut self) {
        let width = indicatif::TermLike::width(&self.term);
        if self.styled_for == Some(width) {
            return;
        }
        let cells = (width / 4).clamp(1, 20);
        let style = ProgressStyle::with_template(&format!("[{{bar:{cells}}}] {{wide_msg}}"))
            .expect("a valid template")
            .progress_chars("#-");
        self.bar.set_style(style);
        self.styled_for = Some(width);
    }
}

/// `transferring    1.0 MiB of 2.0 MiB, 3.1 MiB/s, 0 s left, file 1 of 1`.
fn describe(state: JobState, progress: Progress, started: Instant) -> String {
    let rate = progress.bytes_transferred as f64 / started.elapsed().as_secs_f64().max(0.001);
    let known = progress.bytes_total != Progress::SIZE_UNKNOWN;
    let left = known.then(|| {
        progress
            .bytes_total
            .saturating_sub(progress.bytes_transferred)
    });
    // A time left only while the job moves: an `error` (or any state
    // that waits on someone) has none to show.
    let moving = matches!(
        state,
        JobState::Queued | JobState::Connecting | JobState::Transferring
    );
    let eta = match left {
        _ if !moving => String::new(),
        Some(left) if rate > 0.0 => format!(", {:.0} s left", left as f64 / rate),
        _ => ", time left unknown".into(),
    };
    let amount = if known {
        format!(
            "{} of {}",
            bytes(progress.bytes_transferred),
            bytes(progress.bytes_total)
        )
    } else {
        format!("{} of unknown", bytes(progress.bytes_transferred))
    };
    format!(
        "{state:<15} {amount}, {}/s{eta}, file {} of {}",
        bytes(rate as u64),
        (progress.files_transferred + 1).min(progress.files_total),
        progress.files_total
    )
}
