//! The live edits of the methods that carry nothing from one step to the next but what `explain`
//! shows (projected and proximal gradient, the subgradient method, zeroth-order descent, MGDA,
//! PCGrad): six methods wrote the same lines.

/// Written inside `impl Optimizer for …` of a method without state: [`config_edits!`]'s
/// `set_config` and `set_lr`, and a `reset` that only forgets the latest step's explanation by
/// zeroing its step counter (`stateless_edits!(explained.steps)`), since every buffer is
/// overwritten before it is read.
///
/// [`config_edits!`]: crate::optim::config_edits
macro_rules! stateless_edits {
    ($($counter:ident).+) => {
        $crate::optim::config_edits!();

        fn reset(&mut self) {
            self.$($counter).+ = 0;
        }
    };
}
pub(crate) use stateless_edits;
