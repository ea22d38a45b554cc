//! Whether the host needs a component to export a function: `required` (a
//! component without it does not load) or `optional` (a component without
//! it loads; the host says, when the function is called, that it lacks it).
//!
//! The contract grows by additions only (docs/contract.md §8). Its first
//! release, [`FIRST_RELEASE`], carries no gates. Everything added since
//! carries `@since(version = V)` — on the function, on its interface, or on
//! the world's export of that interface — where V is the release that added
//! it. wit-parser refuses a gate above the package's own version, so the
//! additions made inside 0.1.0 say `@since(version = 0.1.0)`, the first
//! release's own version; later releases' additions will say theirs.
//! Hence, for a function:
//! - no gate anywhere: in the first release, so every component of the
//!   contract has it: required;
//! - `@since(version = V)` with V at or above the first release: added
//!   after it, so a component built before it lacks it: optional;
//! - `@since(version = V)` with V below the first release: the contract did
//!   not exist then, so the gate is a mistake: refused, naming it;
//! - `@unstable(feature = F)`: a component may be built without F: optional
//!   (wit-parser leaves such items out unless F is enabled, so this comes
//!   into play only when the build enables it).
//!
//! Included with `#[path]` by the build script (exports_table.rs) and by
//! tests/tests/all/required_exports.rs, which checks each case on small WIT
//! texts: a build script's own `#[cfg(test)]` module never runs.

use semver::Version;
use wit_parser::{Function, Resolve, Stability, WorldItem};

/// The contract's first release: `bits:queue@0.1.0` as first published
/// (contract §1–§7), without gates.
pub const FIRST_RELEASE: Version = Version::new(0, 1, 0);

/// What the host needs of an exported function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// In the first release: a component without it does not load.
    Required,
    /// Added since: a component without it loads.
    Optional,
}

impl Need {
    /// The word the `contract!` table uses.
    pub fn keyword(self) -> &'static str {
        match self {
            Need::Required => "required",
            Need::Optional => "optional",
        }
    }
}

/// What the host needs of `function`, exported by the world as `export`
/// (an interface): the gates on the world's export, on the interface and
/// on the function decide together; any one marking an addition makes it
/// optional. An error names a gate below the first release.
pub fn need_of(resolve: &Resolve, export: &WorldItem, function: &Function) -> Result<Need, String> {
    let mut gates = vec![("the function", &function.stability)];
    if let WorldItem::Interface { id, stability, .. } = export {
        gates.push(("the world's export of its interface", stability));
        gates.push(("its interface", &resolve.interfaces[*id].stability));
    }
    let mut need = Need::Required;
    for (what, gate) in gates {
        match gate {
            Stability::Unknown => {}
            Stability::Unstable { .. } => need = Need::Optional,
            Stability::Stable { since, .. } if *since >= FIRST_RELEASE => need = Need::Optional,
            Stability::Stable { since, .. } => {
                return Err(format!(
                    "`{}`: {what} says `@since(version = {since})`, before the contract's \
                     first release {FIRST_RELEASE}; an addition carries the version that \
                     added it, and the first release's items carry no gate",
                    function.name
                ));
            }
        }
    }
    Ok(need)
}
