use super::harness;
#[allow(unused_imports)]
use harness::*;
