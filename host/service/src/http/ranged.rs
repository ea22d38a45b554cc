//! Ranged files (contract §16.4): only the ranges an order's details list
//! are fetched, packed one after another into the temporary file in the
//! order given, so the order's offset counts packed bytes.
//!
//! Each range is one request, `Range: bytes=a-b` (`a-` for a range to the
//! end), one at a time, in order, with `If-Range` when there is a
//! validator; a transfer that resumes starts inside the range its offset
//! falls in. Every `206` is reported with `report-connected` (the remote
//! file's size from its `Content-Range`, its validator), so a file that
//! changed between two ranges restarts as §10 says. What is checked here is
//! only what the wire shows: a `200` is `range-unsupported` (even at byte
//! 0); a `206` that starts elsewhere, or a multipart one, is
//! `invalid-response`; a total of `*` while a range to the end waits for
//! the size is `size-unknown`. A `206` that ends early is kept, and the
//! rest of its range asked for next. Whether a range lies outside the
//! remote file is the component's decision, from the size reported (a
//! `416` says the same, and is reported as the server's status).

use std::io::Read;

use bits_queue_host::ranges::{is_to_eof, locate};
use bits_queue_host::{FailureDetail, TransferFailure, TransferOrder};
use ureq::http::Response;

use super::{HttpTransport, content_range, validator};
use crate::retry_after::retry_after;
use crate::stall::idle_limit;
use crate::transport::{Context, Outcome, Sink, TempFile};

impl HttpTransport {
    /// Carries out `order` for a file whose details list ranges.
    pub(super) fn transfer_ranged(
        &self,
        order: &TransferOrder,
        context: &Context,
        sink: &mut Sink,
    ) -> Result<(), Outcome> {
        let ranges = context.auth.ranges();
        let mut temp = TempFile::open(order, &context.confinement)?;
        // The packed bytes the temporary file holds (fewer than the
        // order's offset when it lost some, contract §17.3).
        let mut packed = temp.held();
        let mut remote_size = order.size;
        let mut held_validator = order.validator.clone();
        let limit = idle_limit(self.idle, sink.wait_cap());
        let agent = self.agent_for(context)?;
        let mut first = true;
        while let Some((index, done)) = locate(ranges, remote_size, packed) {
            let range = ranges[index];
            let start = range.offset.saturating_add(done);
            // Checked ranges do not overflow (§16.4's checks).
            let last = (!is_to_eof(&range)).then(|| range.offset + range.length - 1);
            let (response, redirected) = self.get_following(
                &agent,
                order,
                context,
                Some((start, last)),
                held_validator.as_deref(),
                limit,
            )?;
            if let Some(detail) = retry_after(&response) {
                return Err(detail.into());
            }
            let (got_end, total) = part_of(&response, start)?;
            if total.is_none() && is_to_eof(&range) && remote_size.is_none() {
                return Err(TransferFailure::SizeUnknown.into());
            }
            let new_validator = validator(&response);
            // The component's count must be the bytes written before it
            // answers where the file goes on.
            sink.flush()?;
            if let Some(url) = redirected {
                // Reported with `report-connected`, before it (§15.4).
                sink.redirected(url);
            }
            let offset = if first {
                sink.connected_holding(total, new_validator.clone(), packed)?
            } else {
                sink.connected(total, new_validator.clone())?
            };
            first = false;
            if offset != packed {
                // The component restarted the file (it changed): this part
                // is of no use, and the next order starts at 0.
                return Err(Outcome::Lost);
            }
            remote_size = total.or(remote_size);
            held_validator = new_validator.or(held_validator);
            // Only the bytes asked for; fewer (a 206 that ends early) are
            // kept, and the loop asks for the rest.
            let end = last.map_or(got_end, |last| got_end.min(last));
            let count = end - start + 1;
            let mut body = response.into_body().into_reader().take(count);
            let written = temp.copy_from(&mut body, sink)?;
            packed += written;
            if written < count {
                return Err(TransferFailure::Interrupted(format!(
                    "the connection ended after {written} of the {count} bytes from byte {start}"
                ))
                .into());
            }
        }
        temp.sync()?;
        Ok(())
    }
}

/// The part a response to a request for a range from byte `start` holds:
/// its last byte and the remote file's size (`None` for `*`); a failure for
/// anything but a single part from `start`.
fn part_of<B>(response: &Response<B>, start: u64) -> Result<(u64, Option<u64>), Outcome> {
    let status = response.status().as_u16();
    match status {
        206 => {}
        // The whole file, or whatever it is, instead of a range (§16.4).
        200 => return Err(TransferFailure::RangeUnsupported.into()),
        other => return Err(TransferFailure::HttpStatus(other).into()),
    }
    let multipart = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    if multipart {
        return Err(invalid("a multipart answer to a request for one range"));
    }
    match content_range(response) {
        Some((first, last, total)) if first == start => Ok((last, total)),
        Some((first, ..)) => Err(invalid(&format!(
            "a 206 from byte {first}, where byte {start} was asked for"
        ))),
        None => Err(invalid("a 206 without a Content-Range it can read")),
    }
}

/// `invalid-response` (contract §16.4): the server's answer is not what a
/// range request can take.
fn invalid(why: &str) -> Outcome {
    FailureDetail::InvalidResponse(why.into()).into()
}
