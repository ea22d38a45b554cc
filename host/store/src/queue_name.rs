//! Which queue of a PostgreSQL database a location names: the `queue`
//! parameter of its URL (`postgres://host/db?queue=NAME`), else
//! [`DEFAULT_QUEUE`]. One database holds many queues, each with its own
//! version, journal rows and leases, so that hosts on different queues
//! never wait for each other (issue 23, "throughput that grows with
//! hosts"). The parameter is bits-queue's, not the server's: it is taken
//! out of the URL before the URL is handed to the PostgreSQL client.

use crate::error::StoreError;
use crate::postgres_location::redact;

/// The queue of a location that names none: the one queue a database held
/// before it could hold several (schema 3 gave that queue this name), so a
/// database written then opens with every job.
pub const DEFAULT_QUEUE: &str = "default";

/// The longest queue name, in bytes: its NOTIFY channel
/// (`bitsq_changes_NAME`) must fit PostgreSQL's 63-byte identifiers.
pub const MAX_QUEUE_NAME: usize = 48;

/// Why `name` cannot name a queue, if it cannot: 1 to [`MAX_QUEUE_NAME`]
/// characters of ASCII letters, digits, `_`, `-` and `.` (a name that is
/// safe in a channel identifier, a file name and a shell word alike).
pub fn queue_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name.len() > MAX_QUEUE_NAME {
        return Some(format!(
            "it is {} characters long; at most {MAX_QUEUE_NAME} are allowed",
            name.len()
        ));
    }
    let bad = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))?;
    Some(format!(
        "it holds {bad:?}; only ASCII letters, digits, `_`, `-` and `.` are allowed"
    ))
}

/// `url` without its `queue` parameter, and the queue it names
/// ([`DEFAULT_QUEUE`] when none). A name that cannot be a queue's, or a
/// `queue` given twice, is refused with why (the URL shown redacted).
pub fn split_queue(url: &str) -> Result<(String, String), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), DEFAULT_QUEUE.to_string()));
    };
    let mut queue = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("queue", value)) => {
                if queue.replace(value).is_some() {
                    return Err(StoreError::new(format!(
                        "{}: `queue` is given twice; a location names one queue",
                        redact(url)
                    )));
                }
            }
            _ if pair == "queue" => {
                return Err(StoreError::new(format!(
                    "{}: `queue` has no value; give `queue=NAME`",
                    redact(url)
                )));
            }
            _ => kept.push(pair),
        }
    }
    let queue = queue.unwrap_or(DEFAULT_QUEUE);
    if let Some(why) = queue_name_problem(queue) {
        return Err(StoreError::new(format!(
            "{}: `queue` cannot be {queue:?}: {why}",
            redact(url)
        )));
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, queue.to_string()))
}

/// `url` naming `queue` (any `queue` it named replaced): how a host that
/// serves every queue of a database names each one.
pub fn with_queue(url: &str, queue: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pairs: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && *p != "queue" && !p.starts_with("queue="))
        .collect();
    let named = format!("queue={queue}");
    pairs.push(&named);
    format!("{base}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_parameter_is_taken_out_of_the_url() {
        assert_eq!(
            split_queue("postgres://h/db").unwrap(),
            ("postgres://h/db".into(), "default".into())
        );
        assert_eq!(
            split_queue("postgres://h/db?queue=ann-1.x_y&sslmode=disable").unwrap(),
            ("postgres://h/db?sslmode=disable".into(), "ann-1.x_y".into())
        );
        assert_eq!(
            split_queue("postgres://h/db?user=a&queue=q").unwrap(),
            ("postgres://h/db?user=a".into(), "q".into())
        );
        assert_eq!(
            with_queue("postgres://h/db?queue=a&user=b", "c"),
            "postgres://h/db?user=b&queue=c"
        );
        assert_eq!(
            with_queue("postgres://h/db", "c"),
            "postgres://h/db?queue=c"
        );
    }

    #[test]
    fn a_bad_queue_name_is_refused_with_why_and_no_password() {
        for (url, why) in [
            ("postgres://a:pw@h/db?queue=", "it is empty"),
            ("postgres://a:pw@h/db?queue=a%20b", "holds '%'"),
            ("postgres://a:pw@h/db?queue=a/b", "holds '/'"),
            ("postgres://a:pw@h/db?queue=x&queue=y", "given twice"),
            ("postgres://a:pw@h/db?queue", "no value"),
        ] {
            let e = split_queue(url).unwrap_err().to_string();
            assert!(e.contains("`queue`") && e.contains(why), "{url}: {e}");
            assert!(!e.contains("pw"), "{e}");
        }
        let long = format!("postgres://h/db?queue={}", "q".repeat(49));
        let e = split_queue(&long).unwrap_err().to_string();
        assert!(e.contains("49 characters long; at most 48"), "{e}");
        assert!(split_queue(&format!("postgres://h/db?queue={}", "q".repeat(48))).is_ok());
    }
}
