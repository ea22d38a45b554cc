//! Reading `--component PATH`: bounded (`/dev/zero` must not fill memory),
//! and a file that is not a component is named in one line, not shown as
//! a dump of its first bytes.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::input::thousands;

/// The largest component file read. The queue's own component is a few
/// hundred KiB; a build with debug information a few MiB.
pub const MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// The bytes of the component at `path`, or a one-line reason.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| format!("cannot load the component {shown}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_COMPONENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot load the component {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_COMPONENT_BYTES {
        return Err(format!(
            "cannot load the component {shown}: it is larger than {} bytes, far more \
             than a bits:queue component (a few hundred KiB)",
            thousands(MAX_COMPONENT_BYTES)
        ));
    }
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', 0x0d, 0x00, 0x01, 0x00]) => Ok(bytes),
        Some([0, b'a', b's', b'm', 0x01, 0x00, 0x00, 0x00]) => Err(format!(
            "cannot load the component {shown}: it is a core WebAssembly module, not a \
             component (build it for wasm32-wasip2, or wrap it with `wasm-tools component new`)"
        )),
        _ if bytes.starts_with(b"\0asm") => Err(format!(
            "cannot load the component {shown}: a WebAssembly binary of a version or \
             layer this host does not read"
        )),
        _ => Err(format!(
            "cannot load the component {shown}: not a WebAssembly component (it does not \
             start with the bytes \\0asm)"
        )),
    }
}

/// A load error of the component at `path`, on one line; for an import
/// the host does not grant, with the flag that grants all of WASI.
pub fn load_error(path: &Path, error: &bits_queue_host::Error) -> String {
    let text = error.to_string();
    let mut one_line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let ungranted = error
        .sandbox()
        .and_then(bits_queue_host::SandboxError::ungranted_import);
    if ungranted.is_some() {
        one_line.push("--full-wasi links all of WASI, granting nothing");
    }
    format!("{} (from {})", one_line.join("; "), path.display())
}
