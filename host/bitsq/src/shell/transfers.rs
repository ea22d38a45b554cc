//! The transfer service the shell runs while it is open. A sandbox
//! failure ends a service (its loop cannot tell a rebuilt queue from a
//! dead one); the shell survives such failures, so it starts its service
//! again once the queue has been reloaded, and transfers go on.

use std::cell::RefCell;
use std::sync::Arc;

use bits_queue_host::Error;
use bits_queue_service::{ServiceConfig, ServiceError, TransferService};
use bits_queue_store::PersistentQueue;

use crate::output::tell;

type Service = TransferService<Arc<PersistentQueue>>;

/// The shell's transfers: none (`--no-transfer`, a one-shot verb), or a
/// service and how to start it again.
pub struct Transfers {
    backend: Arc<PersistentQueue>,
    config: Option<ServiceConfig>,
    running: RefCell<Option<Service>>,
}

impl Transfers {
    /// No transfers.
    pub fn none(backend: &Arc<PersistentQueue>) -> Self {
        Transfers {
            backend: backend.clone(),
            config: None,
            running: RefCell::new(None),
        }
    }

    /// Starts a service with `config`. A service that cannot start for a
    /// reason of its own leaves transfers off (said once); a queue that
    /// fails is the caller's error.
    pub fn start(backend: &Arc<PersistentQueue>, config: ServiceConfig) -> Result<Self, Error> {
        let running = match TransferService::start(backend.clone(), config.clone()) {
            Ok(service) => Some(service),
            Err(ServiceError::Queue(e)) => return Err(e),
            Err(e) => {
                tell!("bitsq: transfers are off: {e}");
                None
            }
        };
        Ok(Transfers {
            backend: backend.clone(),
            config: Some(config),
            running: RefCell::new(running),
        })
    }

    /// Tells the service the queue changed.
    pub fn wake(&self) {
        if let Some(service) = self.running.borrow().as_ref() {
            service.wake();
        }
    }

    /// Starts the service again if a failure ended it.
    pub fn revive(&self) {
        let Some(config) = &self.config else {
            return;
        };
        let mut running = self.running.borrow_mut();
        let failure = match running.as_ref().map(Service::check) {
            Some(Err(e)) => e,
            _ => return,
        };
        if let Some(service) = running.take() {
            let _ = service.stop();
        }
        match TransferService::start(self.backend.clone(), config.clone()) {
            Ok(service) => {
                tell!("bitsq: the transfer service stopped ({failure}); it runs again");
                *running = Some(service);
            }
            Err(e) => {
                tell!("bitsq: the transfer service stopped ({failure}); transfers are off: {e}")
            }
        }
    }

    /// Stops the service, saying how it ended if it failed.
    pub fn stop(self) {
        if let Some(service) = self.running.into_inner()
            && let Err(e) = service.stop()
        {
            tell!("bitsq: the transfer service failed: {e}");
        }
    }
}
