//! `Retry-After` on a 429 or 503 (contract §15.8): the host reports it as
//! `retry-after(status, seconds)` and the component keeps the job waiting
//! at least that long (at most a day). An HTTP-date becomes seconds from
//! now, never below 0; a value that is neither is ignored, and the answer
//! is a plain `http-status`.

use std::time::SystemTime;

use bits_queue_host::FailureDetail;
use ureq::http::Response;

/// The detail for `response` if it is a 429 or 503 with a usable
/// `Retry-After`.
pub(crate) fn retry_after<B>(response: &Response<B>) -> Option<FailureDetail> {
    let status = response.status().as_u16();
    if !matches!(status, 429 | 503) {
        return None;
    }
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    let seconds = seconds(value, SystemTime::now())?;
    Some(FailureDetail::RetryAfter(status, seconds))
}

/// `value` (delay-seconds or an HTTP-date) as seconds after `now`.
fn seconds(value: &str, now: SystemTime) -> Option<u32> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A delay past u32 is as good as u32::MAX: the component caps it.
        return Some(
            value
                .parse::<u64>()
                .map_or(u32::MAX, |s| u32::try_from(s).unwrap_or(u32::MAX)),
        );
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let ahead = at.duration_since(now).map_or(0, |d| d.as_secs());
    Some(u32::try_from(ahead).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::seconds;
    use std::time::{Duration, SystemTime};

    #[test]
    fn delays_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(seconds("120", now), Some(120));
        assert_eq!(seconds(" 0 ", now), Some(0));
        assert_eq!(seconds("99999999999", now), Some(u32::MAX));
        // Wed, 21 Oct 2015 07:28:00 GMT is `now`; an hour later, and before.
        assert_eq!(seconds("Wed, 21 Oct 2015 08:28:00 GMT", now), Some(3600));
        assert_eq!(seconds("Wed, 21 Oct 2015 06:28:00 GMT", now), Some(0));
        assert_eq!(seconds("soon", now), None);
        assert_eq!(seconds("-5", now), None);
        assert_eq!(seconds("", now), None);
    }
}
