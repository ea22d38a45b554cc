//! Proxy settings (docs/contract.md §15.6), natively: what
//! `set-proxy-settings` accepts, what it refuses (and that a refusal
//! changes nothing), and that the settings survive a record as version 4
//! while a job with the default settings keeps its older version.

use bits_queue_contract::{CallError, ProxySettings, ProxyUsage};
use bits_queue_logic::queue::QueueState;

use crate::credentials::{download, queue, read_back, records};

fn settings(usage: ProxyUsage, list: &str, bypass: &str) -> ProxySettings {
    ProxySettings {
        usage,
        proxy_list: list.into(),
        bypass_list: bypass.into(),
    }
}

fn last_record(queue: &QueueState) -> Vec<u8> {
    records(queue).pop().expect("a record")
}

#[test]
fn settings_are_checked_lengths_first_then_usage_and_syntax() {
    let queue = queue();
    let job = download(&queue);
    let good = settings(
        ProxyUsage::Override,
        "https=https://proxy.example:8443 127.0.0.1:3128",
        "<local> *.corp.example 10.0.0.1",
    );
    job.set_proxy_settings(good.clone()).unwrap();
    let long = "p".repeat(4_001);
    let refused = [
        (
            settings(ProxyUsage::Override, &long, ""),
            CallError::ProxyListTooLarge,
        ),
        (
            settings(ProxyUsage::Override, "p:1", &long),
            CallError::ProxyBypassListTooLarge,
        ),
        (
            settings(ProxyUsage::Override, " ", ""),
            CallError::InvalidArgument,
        ),
        (
            settings(ProxyUsage::NoProxy, "p:1", ""),
            CallError::InvalidArgument,
        ),
        (
            settings(ProxyUsage::Preconfig, "", "h"),
            CallError::InvalidArgument,
        ),
        (
            settings(ProxyUsage::Override, "ann:pw@p:1", ""),
            CallError::InvalidArgument,
        ),
        (
            settings(ProxyUsage::Override, "socks5://p:1", ""),
            CallError::InvalidArgument,
        ),
        (
            settings(ProxyUsage::Override, "p:1", "http://h/"),
            CallError::InvalidArgument,
        ),
    ];
    for (bad, error) in refused {
        assert_eq!(job.set_proxy_settings(bad.clone()), Err(error), "{bad:?}");
    }
    assert_eq!(job.proxy_settings(), good, "a refusal changes nothing");
    job.set_proxy_settings(settings(ProxyUsage::NoProxy, "", ""))
        .unwrap();
    assert_eq!(job.proxy_settings().usage, ProxyUsage::NoProxy);
}

#[test]
fn settings_survive_a_record_as_version_4() {
    let queue = queue();
    let job = download(&queue);
    assert_ne!(last_record(&queue)[0], 4, "the default needs no version 4");
    let set = settings(ProxyUsage::Override, "127.0.0.1:3128", "<local>");
    job.set_proxy_settings(set.clone()).unwrap();
    let bytes = last_record(&queue);
    assert_eq!(bytes[0], 4);
    let other = read_back(job.id(), bytes.clone()).unwrap();
    assert_eq!(other.get_job(&job.id()).unwrap().proxy_settings(), set);

    // A version-4 record holding settings a call would refuse is unreadable.
    let mut forged = bytes;
    let at = forged.len() - "<local>".len();
    forged[at..].copy_from_slice(b"a@b:c/d");
    assert!(read_back(job.id(), forged).is_err());
}
