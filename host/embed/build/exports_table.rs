//! Generates the host's table of the contract's exported functions from
//! `wit/`: one `contract!` entry per function of every interface the world
//! exports, with its interface, its WIT name, and its parameter and result
//! types spelled as the `bindgen!` types of `crate::bindings`. The host's
//! `exports.rs` turns the table into located, type-checked-once calls, so a
//! WIT change reaches the host through this file alone: a changed signature
//! fails to compile at its call site, and a new function (whose generated
//! call is `#[deny(dead_code)]`) fails to compile until the host calls it.
//!
//! Each function is `required` or `optional` as export_need.rs decides
//! from its gates against the contract's first release: a function added
//! since is optional, and a component built before it still loads (the
//! host says, when it is called, that the component lacks it).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner,
    WorldItem,
};

use crate::export_need::need_of;

/// Where a type is passed: parameters borrow strings and lists, results own
/// them.
#[derive(Clone, Copy, PartialEq)]
enum Position {
    Param,
    Result,
}

/// The `contract!` entries for `world` in the WIT package at `wit_dir`.
pub fn generate(wit_dir: &Path, world: &str) -> String {
    let mut resolve = Resolve::new();
    let (package, _) = resolve
        .push_dir(wit_dir)
        .unwrap_or_else(|e| panic!("cannot read the WIT in {}: {e:#}", wit_dir.display()));
    let world = resolve
        .select_world(&[package], Some(world))
        .unwrap_or_else(|e| panic!("no world `{world}` in the WIT: {e:#}"));
    let exported: HashSet<InterfaceId> = resolve.worlds[world]
        .exports
        .values()
        .filter_map(|item| match item {
            WorldItem::Interface { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let generator = Generator {
        resolve: &resolve,
        exported: &exported,
    };

    let mut out = String::from("contract! {\n");
    let mut fields = HashSet::new();
    for (key, item) in &resolve.worlds[world].exports {
        let WorldItem::Interface { id, .. } = item else {
            panic!(
                "the world exports `{}`, which is not an interface; the host calls only interfaces",
                resolve.name_world_key(key)
            );
        };
        let interface = resolve.name_world_key(key);
        for function in resolve.interfaces[*id].functions.values() {
            let need = need_of(&resolve, item, function)
                .unwrap_or_else(|e| panic!("in the WIT's `{interface}`: {e}"))
                .keyword();
            let field = generator.field_name(function);
            assert!(
                fields.insert(field.clone()),
                "two exported functions would both be called `{field}` in the host; \
                 rename one in the WIT or teach build/exports_table.rs to tell them apart"
            );
            let params = function
                .params
                .iter()
                .map(|param| {
                    format!(
                        "{}: {}",
                        snake(&param.name),
                        generator.rust_type(&param.ty, Position::Param)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let result = function.result.as_ref().map_or("()".to_string(), |ty| {
                generator.rust_type(ty, Position::Result)
            });
            // The typed function's results: none for a function without a
            // result, else a 1-tuple.
            let results = match function.result {
                Some(_) => format!("({result},)"),
                None => "()".to_string(),
            };
            writeln!(
                out,
                "    {field} = {need} {interface:?}.{:?}({params}) -> {result} as {results};",
                function.name
            )
            .expect("writing to a String");
        }
    }
    out.push_str("}\n");
    out
}

struct Generator<'a> {
    resolve: &'a Resolve,
    exported: &'a HashSet<InterfaceId>,
}

impl Generator<'_> {
    /// The host's name for a function: its own name in snake case; a
    /// constructor is `new_<resource>`, a static function
    /// `<resource>_<name>`.
    fn field_name(&self, function: &Function) -> String {
        match function.kind {
            FunctionKind::Constructor(resource) => {
                format!("new_{}", snake(self.type_name(resource)))
            }
            FunctionKind::Static(resource) | FunctionKind::AsyncStatic(resource) => {
                format!(
                    "{}_{}",
                    snake(self.type_name(resource)),
                    snake(function.item_name())
                )
            }
            _ => snake(function.item_name()),
        }
    }

    fn type_name(&self, id: TypeId) -> &str {
        self.resolve.types[id]
            .name
            .as_deref()
            .expect("a resource has a name")
    }

    /// `ty` as the Rust type `bindgen!`'s typed functions take or give.
    fn rust_type(&self, ty: &Type, position: Position) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => match position {
                Position::Param => "&str".into(),
                Position::Result => "String".into(),
            },
            Type::ErrorContext => panic!("the host does not take error-context values"),
            Type::Id(id) => self.rust_type_id(*id, position),
        }
    }

    fn rust_type_id(&self, id: TypeId, position: Position) -> String {
        let def = &self.resolve.types[id];
        match &def.kind {
            // Handles and resources are `ResourceAny`: the host wraps them in
            // typed handles of its own.
            TypeDefKind::Handle(Handle::Own(_) | Handle::Borrow(_)) | TypeDefKind::Resource => {
                "ResourceAny".into()
            }
            // A `use`d name: the type it names.
            TypeDefKind::Type(inner) if def.name.is_some() => match inner {
                Type::Id(target) => self.rust_type_id(*target, position),
                other => self.rust_type(other, position),
            },
            TypeDefKind::Type(inner) => self.rust_type(inner, position),
            TypeDefKind::Record(_)
            | TypeDefKind::Variant(_)
            | TypeDefKind::Enum(_)
            | TypeDefKind::Flags(_) => self.named_path(id),
            TypeDefKind::Option(inner) => {
                format!("Option<{}>", self.rust_type(inner, Position::Result))
            }
            TypeDefKind::Result(result) => {
                let side = |ty: &Option<Type>| {
                    ty.as_ref()
                        .map_or("()".to_string(), |ty| self.rust_type(ty, Position::Result))
                };
                format!("Result<{}, {}>", side(&result.ok), side(&result.err))
            }
            TypeDefKind::Tuple(tuple) => {
                let types: Vec<String> = tuple
                    .types
                    .iter()
                    .map(|ty| self.rust_type(ty, Position::Result))
                    .collect();
                format!("({},)", types.join(", "))
            }
            TypeDefKind::List(element) => {
                let element = self.rust_type(element, Position::Result);
                match position {
                    Position::Param => format!("&[{element}]"),
                    Position::Result => format!("Vec<{element}>"),
                }
            }
            other => panic!("the host does not handle WIT {other:?} yet"),
        }
    }

    /// The path of a named type in `crate::bindings`, where `bindgen!` puts
    /// it: `exports::<ns>::<pkg>::<interface>::<Name>` for an interface the
    /// world exports, `<ns>::<pkg>::<interface>::<Name>` for one it imports.
    fn named_path(&self, id: TypeId) -> String {
        let def = &self.resolve.types[id];
        let TypeOwner::Interface(interface) = def.owner else {
            panic!("the host handles only types defined in interfaces");
        };
        let iface = &self.resolve.interfaces[interface];
        let package = &self.resolve.packages[iface.package.expect("a named package")].name;
        let prefix = if self.exported.contains(&interface) {
            "exports::"
        } else {
            ""
        };
        format!(
            "crate::bindings::{prefix}{}::{}::{}::{}",
            snake(&package.namespace),
            snake(&package.name),
            snake(iface.name.as_deref().expect("a named interface")),
            upper_camel(def.name.as_deref().expect("a named type"))
        )
    }
}

/// `get-display-name` → `get_display_name` (`self` → `this`).
fn snake(name: &str) -> String {
    let name = name.replace('-', "_");
    if name == "self" { "this".into() } else { name }
}

/// `queue-limits` → `QueueLimits`.
fn upper_camel(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}
