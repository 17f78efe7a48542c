//! Studies that drive the optimizers and the engine many times over: basin-of-attraction maps and
//! hyperparameter sweeps. They sit above the engine.

pub mod basin;
pub mod sweep;
