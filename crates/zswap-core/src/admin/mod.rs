//! Administration of zswap: what this kernel offers ([`KernelCaps`]), a configuration
//! turned into a validated, ordered [`Plan`], carrying it out with read-back and rollback
//! ([`apply_plan`]) under the writers' lock ([`ParamsLock`]), boot-time persistence and diagnosis. No printing: the binary renders
//! every result. See `Documentation/admin-guide/mm/zswap.rst`.

pub mod apply;
pub mod caps;
pub mod check;
pub mod config;
pub mod lock;
pub mod persist;
pub mod plan;

pub use apply::{
    ApplyError, ApplyReport, ReadBack, RollbackStep, Verifier, WriteFailure, apply_plan,
};
pub use caps::{
    CompressorState, KernelCaps, ModuleResolver, ModulesAliasResolver, NoModules, compressor_hint,
};
pub use check::{
    CounterSnapshot, Finding, Severity, check_cmdline, check_config, check_sample, check_zram,
    counter_snapshot,
};
pub use config::{ConfigError, parse_config, render_config};
pub use lock::{
    LOCK_HELD_LONG, LockError, LockHolder, PARAMS_LOCK, ParamsLock, check_lock, lock_holder,
    lock_path, now_ms,
};
pub use plan::{
    DesiredConfig, ParamChange, Plan, PlanError, PlanRefusal, absent_param, desired_one,
};
