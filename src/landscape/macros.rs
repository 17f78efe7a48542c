//! The boilerplate of the landscapes' impls, written once: each macro writes trait items that
//! several landscapes share word for word, so a landscape's file keeps only what is its own.

/// The [`LandscapeSpec`](super::LandscapeSpec) of a landscape that needs nothing beyond its one-line description (the
/// table's own row checks, built as it is): `landscape_spec! { Rosenbrock: "(a − x)² + …" }`.
macro_rules! landscape_spec {
    ($landscape:ty: $description:expr) => {
        impl $crate::landscape::LandscapeSpec for $landscape {
            const DESCRIPTION: &'static str = $description;
        }
    };
}
pub(crate) use landscape_spec;

/// `Landscape::view` and `Landscape::default_start` of a landscape whose window is centred on the
/// origin, written inside `impl Landscape for …`: `centred_view!(2.0, 2.0, start [1.5, 1.0]);`
/// shows [−2, 2] × [−2, 2] and starts runs at (1.5, 1).
macro_rules! centred_view {
    ($half_width:expr, $half_height:expr, start $start:expr) => {
        fn view(&self) -> ViewWindow {
            ViewWindow::centred($half_width, $half_height)
        }

        fn default_start(&self) -> Point {
            $start
        }
    };
}
pub(crate) use centred_view;

/// The critical points of a landscape that is unbounded below with one saddle, at the origin,
/// written inside `impl Landscape for …`: no minimizer, and the saddle to mark.
macro_rules! saddle_at_origin {
    () => {
        fn minimizers(&self) -> Minimizers {
            Minimizers::Unbounded
        }

        fn saddles_and_maxima(&self) -> Vec<StationaryPoint> {
            vec![StationaryPoint::saddle([0.0, 0.0])]
        }
    };
}
pub(crate) use saddle_at_origin;

/// What the two-player games whose equilibrium is the origin share, written inside
/// `impl Landscape for …`: the distance to that equilibrium stands in for the distance to a
/// minimizer (f may have none), the view is centred on it and runs start at (1, 1).
macro_rules! game_at_origin {
    () => {
        fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
            Some(p[0].hypot(p[1]))
        }

        $crate::landscape::centred_view!(2.0, 2.0, start [1.0, 1.0]);
    };
}
pub(crate) use game_at_origin;

/// `Landscape::value_and_gradient_batch` and `Landscape::descend` of a landscape with a SIMD
/// [`PointKernel`](super::batch::PointKernel), written inside `impl Landscape for …`: both hand
/// the same kernel to the `batch` module, so only how the kernel is built is the landscape's own.
/// `simd_point_kernel!(|landscape| QuadraticKernel { a: landscape.matrix() });` (`landscape` is
/// `self`).
macro_rules! simd_point_kernel {
    (|$landscape:ident| $kernel:expr) => {
        fn value_and_gradient_batch(
            &self,
            xs: &[f64],
            ys: &[f64],
            values: &mut [f64],
            gradient_x: &mut [f64],
            gradient_y: &mut [f64],
        ) {
            let $landscape = self;
            $crate::landscape::batch::run($kernel, xs, ys, values, gradient_x, gradient_y);
        }

        fn descend(&self, descent: &mut $crate::landscape::batch::Descent<'_>) -> Option<bool> {
            let $landscape = self;
            Some($crate::landscape::batch::descend($kernel, descent))
        }
    };
}
pub(crate) use simd_point_kernel;
