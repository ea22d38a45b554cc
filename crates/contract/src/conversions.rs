//! `From` both ways between the contract's types and the ones a bindings
//! generator makes from the WIT (wit-bindgen in the component, `bindgen!`
//! in the host): `bits_queue_contract::wit_conversions!(path::to::types)`
//! in the glue crate, naming the module that holds the generated `types`
//! interface. Every `match` is exhaustive both ways and every record is
//! built field by field, so a case or field that differs between the WIT
//! and this crate fails to compile there.

/// Implements the conversions for the generated types in the module `$wit`.
#[macro_export]
macro_rules! wit_conversions {
    ($wit:path) => {
        $crate::with_wit_enums!([$crate::__wit_enum_conversions][$wit]);
        $crate::with_wit_records!([$crate::__wit_record_conversions][$wit]);
        const _: () = {
            use $wit as wit;

            impl From<$crate::Guid> for wit::Guid {
                fn from(id: $crate::Guid) -> wit::Guid {
                    let [a, b, c, d, e, f, g, h] = id.data4;
                    wit::Guid {
                        data1: id.data1,
                        data2: id.data2,
                        data3: id.data3,
                        data4: (a, b, c, d, e, f, g, h),
                    }
                }
            }

            impl From<wit::Guid> for $crate::Guid {
                fn from(id: wit::Guid) -> $crate::Guid {
                    let (a, b, c, d, e, f, g, h) = id.data4;
                    $crate::Guid {
                        data1: id.data1,
                        data2: id.data2,
                        data3: id.data3,
                        data4: [a, b, c, d, e, f, g, h],
                    }
                }
            }
        };
    };
}

/// [`wit_conversions`]'s enums, case by case.
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_enum_conversions {
    ([$wit:path] $($(#[$meta:meta])* $name:ident { $($(#[$cmeta:meta])* $case:ident => $wit_name:literal,)+ })+) => {
        const _: () = {
            use $wit as wit;
            $(
                impl From<$crate::$name> for wit::$name {
                    fn from(value: $crate::$name) -> wit::$name {
                        match value { $($crate::$name::$case => wit::$name::$case,)+ }
                    }
                }
                impl From<wit::$name> for $crate::$name {
                    fn from(value: wit::$name) -> $crate::$name {
                        match value { $(wit::$name::$case => $crate::$name::$case,)+ }
                    }
                }
            )+
        };
    };
}

/// [`wit_conversions`]'s records, field by field.
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_record_conversions {
    ([$wit:path] $($name:ident { $($field:ident),+ })+) => {
        const _: () = {
            use $wit as wit;
            $(
                impl From<$crate::$name> for wit::$name {
                    fn from(value: $crate::$name) -> wit::$name {
                        wit::$name { $($field: value.$field,)+ }
                    }
                }
                impl From<wit::$name> for $crate::$name {
                    fn from(value: wit::$name) -> $crate::$name {
                        $crate::$name { $($field: value.$field,)+ }
                    }
                }
            )+
        };
    };
}
