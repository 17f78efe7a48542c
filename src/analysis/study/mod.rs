//! Studies that drive the optimizers and the engine many times over: basin-of-attraction maps,
//! hyperparameter sweeps, tuning at an equal budget, and the verification of a lesson's claims.
//! They sit above the engine.

pub mod basin;
pub mod sweep;
pub mod tune;
pub mod verify;
