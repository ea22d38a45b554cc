//! wasmtime's own floor, with none of the host's work: a `Store<()>`, the
//! component's imports (`wasi:random`, `wasi:clocks/wall-clock`) stubbed,
//! and `hresult` and `get-id` called through typed functions. What the host adds (its store data, the
//! call gate, handles) is measured against this, and against the sandboxed
//! floor: the same with the store set-up any sandboxing embedder must do.

use wasmtime::component::{Component, ComponentExportIndex, Instance, ResourceAny};
use wasmtime::component::{ComponentType, InstancePre, Lift, Linker, Lower, TypedFunc};
use wasmtime::{Engine, ResourceLimiter, Store};

use crate::load::host_like_engine;
use bits_queue_host::EMBEDDED_COMPONENT;

/// `error-code` as the WIT spells it, for the typed functions.
#[derive(ComponentType, Lower, Lift, Clone, Copy)]
#[component(enum)]
#[repr(u8)]
#[allow(dead_code)] // Only `NotFound` is passed; the type must list all cases.
pub enum ErrorCode {
    #[component(name = "not-found")]
    NotFound,
    #[component(name = "invalid-state")]
    InvalidState,
    #[component(name = "empty")]
    Empty,
    #[component(name = "invalid-argument")]
    InvalidArgument,
    #[component(name = "string-too-long")]
    StringTooLong,
    #[component(name = "too-many-files")]
    TooManyFiles,
    #[component(name = "too-many-files-in-job")]
    TooManyFilesInJob,
    #[component(name = "too-many-jobs")]
    TooManyJobs,
}

/// `job-type` as the WIT spells it.
#[derive(ComponentType, Lower, Clone, Copy)]
#[component(enum)]
#[repr(u8)]
#[allow(dead_code)] // Only `Download` is passed; the type must list all cases.
pub enum JobType {
    #[component(name = "download")]
    Download,
    #[component(name = "upload")]
    Upload,
    #[component(name = "upload-reply")]
    UploadReply,
}

/// `guid` as the WIT spells it (lifted, never read: only its cost counts).
#[derive(ComponentType, Lift, Clone, Copy)]
#[allow(dead_code)]
#[component(record)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: (u8, u8, u8, u8, u8, u8, u8, u8),
}

/// `bindgen!`'s bindings for the contract, as host/embed/src/bindings.rs makes
/// them: their `QueuePre::instantiate` looks up and type-checks every export
/// of each new instance. The host no longer instantiates through them (it
/// checks the types once per `Runtime`, host/embed/src/exports.rs); this shows
/// what that saves.
mod generated {
    wasmtime::component::bindgen!({
        world: "queue",
        path: "../../wit",
    });
}

/// `wasi:clocks/wall-clock`'s `datetime`, as `bindgen!` spells it.
use generated::wasi::clocks::wall_clock::Datetime;

/// The exported interface holding the queue.
const MANAGER: &str = "bits:queue/manager@0.1.0";

pub type Hresult = TypedFunc<(ErrorCode,), (u32,)>;
pub type GetId = TypedFunc<(ResourceAny,), (Guid,)>;
type NewManager = TypedFunc<(), (ResourceAny,)>;
type CreateJob = TypedFunc<(ResourceAny, &'static str, JobType), (Result<ResourceAny, ErrorCode>,)>;

/// The component, compiled, linked against stub randomness and a stub
/// clock, and pre-instantiated, on an engine like the host's.
pub struct Floor {
    pub engine: Engine,
    pub pre: InstancePre<()>,
    /// The same, for stores holding a memory limiter ([`Sandboxed`]).
    sandboxed: InstancePre<Sandboxed>,
    typed: generated::QueuePre<()>,
    /// Every exported function, located once.
    functions: Vec<ComponentExportIndex>,
}

impl Floor {
    pub fn new() -> Floor {
        let engine = host_like_engine();
        let component = Component::new(&engine, EMBEDDED_COMPONENT).expect("compiles");
        let pre = stubbed(&engine, &component);
        let sandboxed = stubbed(&engine, &component);
        let typed = generated::QueuePre::new(pre.clone()).expect("the contract's exports");
        let functions = exported_functions(&engine, &component);
        Floor {
            engine,
            pre,
            sandboxed,
            typed,
            functions,
        }
    }

    /// A new instance in its own store: the cheapest wasmtime allows.
    pub fn instantiate(&self) -> (Store<()>, wasmtime::component::Instance) {
        let mut store = Store::new(&self.engine, ());
        // The engine interrupts on epochs; give the instance all of them.
        store.set_epoch_deadline(u64::MAX);
        let instance = self.pre.instantiate(&mut store).expect("instantiates");
        (store, instance)
    }

    /// A new instance in a store set up as any sandboxing embedder must
    /// (what the host's `new_store` does, with nothing of its own): a
    /// memory limiter, a bound on what one call may make the host copy
    /// (hostcall fuel), and an epoch deadline that traps. The floor every
    /// embedder has, against which the host's instantiation is judged with
    /// the bare floor.
    pub fn instantiate_sandboxed(&self) -> (Store<Sandboxed>, wasmtime::component::Instance) {
        let mut store = Store::new(
            &self.engine,
            Sandboxed {
                memory_limit: MEMORY_LIMIT,
            },
        );
        store.limiter(|data| data);
        store.set_hostcall_fuel(MEMORY_LIMIT);
        store.epoch_deadline_trap();
        // The host's default: one second of 10 ms ticks, and one more.
        store.set_epoch_deadline(101);
        let instance = self
            .sandboxed
            .instantiate(&mut store)
            .expect("instantiates");
        (store, instance)
    }

    /// A new instance with its exports looked up and type-checked, as
    /// `bindgen!`'s `QueuePre::instantiate` does for every instance.
    pub fn instantiate_typed(&self) -> (Store<()>, generated::Queue) {
        let mut store = Store::new(&self.engine, ());
        store.set_epoch_deadline(u64::MAX);
        let exports = self.typed.instantiate(&mut store).expect("instantiates");
        (store, exports)
    }

    /// A new instance with every exported function looked up but not
    /// type-checked, as if the types were checked once per component; the
    /// host does less still, finding a function only when it is called.
    pub fn instantiate_looked_up(&self) -> (Store<()>, Vec<wasmtime::component::Func>) {
        let (mut store, instance) = self.instantiate();
        let funcs = self
            .functions
            .iter()
            .map(|idx| instance.get_func(&mut store, idx).expect("a function"))
            .collect();
        (store, funcs)
    }

    /// A fresh instance through `bindgen!`'s `QueuePre` with one job, for
    /// `get-id` called as `bindgen!` calls it: through the `Func` its
    /// bindings looked up and type-checked when the instance was made.
    pub fn get_id_bindgen(&self) -> (Store<()>, generated::Queue, ResourceAny) {
        use generated::exports::bits::queue::types::JobType;
        let (mut store, queue) = self.instantiate_typed();
        let manager = queue.bits_queue_manager();
        let jobs = manager
            .job_manager()
            .call_constructor(&mut store)
            .expect("a job manager");
        let job = manager
            .job_manager()
            .call_create_job(&mut store, jobs, "bench job", JobType::Download)
            .expect("create-job returns")
            .unwrap_or_else(|_| panic!("create-job refused"));
        (store, queue, job)
    }

    /// A fresh instance with one job, for `get-id` called as the host's
    /// checked-once table calls it: the function found by its export index
    /// on every call, then called unchecked (its type was checked once).
    pub fn get_id_table(&self) -> (Store<()>, Instance, ComponentExportIndex, ResourceAny) {
        let (mut store, instance, job) = self.with_job();
        let interface = instance
            .get_export_index(&mut store, None, MANAGER)
            .expect("exports manager");
        let index = instance
            .get_export_index(&mut store, Some(&interface), "[method]job.get-id")
            .expect("exports get-id");
        (store, instance, index, job)
    }

    /// The component's `hresult` export of a fresh instance.
    pub fn hresult(&self) -> (Store<()>, Hresult) {
        let (mut store, instance) = self.instantiate();
        let func = export(&mut store, &instance, "bits:queue/types@0.1.0", "hresult");
        (store, func)
    }

    /// A fresh instance with one job, and the `get-id` method to call on it.
    pub fn get_id(&self) -> (Store<()>, GetId, ResourceAny) {
        let (mut store, instance, job) = self.with_job();
        let get_id = export(&mut store, &instance, MANAGER, "[method]job.get-id");
        (store, get_id, job)
    }

    /// A fresh instance holding one job, and that job's handle.
    fn with_job(&self) -> (Store<()>, Instance, ResourceAny) {
        let (mut store, instance) = self.instantiate();
        let new_manager: NewManager =
            export(&mut store, &instance, MANAGER, "[constructor]job-manager");
        let create_job: CreateJob = export(
            &mut store,
            &instance,
            MANAGER,
            "[method]job-manager.create-job",
        );
        let (manager,) = new_manager.call(&mut store, ()).expect("a job manager");
        let (job,) = create_job
            .call(&mut store, (manager, "bench job", JobType::Download))
            .expect("create-job returns");
        let job = job.unwrap_or_else(|_| panic!("create-job refused"));
        (store, instance, job)
    }
}

/// `component` linked against stub randomness and a stub clock, and
/// pre-instantiated, for stores holding `T`.
fn stubbed<T: 'static>(engine: &Engine, component: &Component) -> InstancePre<T> {
    let mut linker = Linker::<T>::new(engine);
    for (name, _) in component.component_type().imports(engine) {
        let mut import = linker.instance(name).expect("a fresh name");
        if name.starts_with("wasi:random/random@") {
            import
                .func_wrap("get-random-u64", |_, (): ()| Ok((0x5EED_u64,)))
                .expect("linked");
            import
                .func_wrap("get-random-bytes", |_, (len,): (u64,)| {
                    Ok((vec![0x5E_u8; usize::try_from(len).unwrap_or(0)],))
                })
                .expect("linked");
        } else if name.starts_with("wasi:clocks/wall-clock@") {
            // A fixed time: the floor measures calls, not the clock.
            let at = || Datetime {
                seconds: 1_700_000_000,
                nanoseconds: 0,
            };
            import
                .func_wrap("now", move |_, (): ()| Ok((at(),)))
                .expect("linked");
            import
                .func_wrap("resolution", |_, (): ()| {
                    Ok((Datetime {
                        seconds: 0,
                        nanoseconds: 1,
                    },))
                })
                .expect("linked");
        } else {
            panic!(
                "the floor stubs wasi:random and wasi:clocks/wall-clock; the component also imports {name}"
            );
        }
    }
    linker.instantiate_pre(component).expect("links")
}

/// The store data of the sandboxed floor: a memory limiter, as any
/// embedder that bounds a guest's memory must give each store.
pub struct Sandboxed {
    memory_limit: usize,
}

/// The host's default memory limit (`Config::default`), 64 MiB.
const MEMORY_LIMIT: usize = 64 << 20;

impl ResourceLimiter for Sandboxed {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.memory_limit)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The export index of every function of every exported interface.
fn exported_functions(engine: &Engine, component: &Component) -> Vec<ComponentExportIndex> {
    use wasmtime::component::types::ComponentItem;
    let mut functions = Vec::new();
    for (name, item) in component.component_type().exports(engine) {
        let ComponentItem::ComponentInstance(interface) = item.ty else {
            continue;
        };
        let (_, interface_index) = component
            .get_export(None, name)
            .expect("an exported interface");
        for (func, item) in interface.exports(engine) {
            if let ComponentItem::ComponentFunc(_) = item.ty {
                let (_, index) = component
                    .get_export(Some(&interface_index), func)
                    .expect("an exported function");
                functions.push(index);
            }
        }
    }
    functions
}

/// The typed function `name` of the exported interface `interface`.
fn export<P, R>(
    store: &mut Store<()>,
    instance: &Instance,
    interface: &str,
    name: &str,
) -> TypedFunc<P, R>
where
    P: wasmtime::component::ComponentNamedList + Lower + Send + Sync + 'static,
    R: wasmtime::component::ComponentNamedList + Lift + Send + Sync + 'static,
{
    let interface: ComponentExportIndex = instance
        .get_export_index(&mut *store, None, interface)
        .unwrap_or_else(|| panic!("exports {interface}"));
    let func = instance
        .get_export_index(&mut *store, Some(&interface), name)
        .unwrap_or_else(|| panic!("exports {name}"));
    instance
        .get_typed_func(&mut *store, func)
        .unwrap_or_else(|e| panic!("{name} has the contract's type: {e}"))
}
