//! What the test servers share: a listener on 127.0.0.1 and a free port,
//! one thread per connection, stopped when its handle is dropped.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

/// A running listener; dropping it stops accepting connections.
pub struct Listener {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Listener {
    /// Listens on 127.0.0.1 and a free port, serving each connection with
    /// `serve` on a thread of its own.
    pub fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("an address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let serve = Arc::new(serve);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::Acquire) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let serve = serve.clone();
                thread::spawn(move || serve(stream));
            }
        });
        Listener { port, stop }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
