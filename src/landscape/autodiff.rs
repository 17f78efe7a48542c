//! Exact derivatives of 2D formulas through hyper-dual numbers (num-dual).
//!
//! A landscape written once, generically over the number type, gets its gradient and Hessian to
//! machine precision with no hand-derived formulas to get wrong: a hyper-dual number
//! a + b·ε₁ + c·ε₂ + d·ε₁ε₂ with ε₁² = ε₂² = 0 carries ∂f/∂u, ∂f/∂v and ∂²f/∂u∂v through every
//! operation (Fike & Alonso 2011, "The development of hyper-dual numbers for exact second-derivative
//! calculations"). Seeding (ε₁, ε₂) on (x, y) gives f, fₓ, f_y and fₓᵧ; seeding both on x gives fₓₓ,
//! both on y gives f_yy.

use num_dual::{DualNum, HyperDual64};

use super::{Matrix2, Point};

/// A landscape formula written in Rust, generic over the number type so that it can be
/// differentiated exactly (formulas typed by the user are [`super::Formula`]).
pub trait DualFormula {
    /// f(x, y).
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D;
}

fn seeded(value: f64, along_first: bool, along_second: bool) -> HyperDual64 {
    HyperDual64::new(
        value,
        if along_first { 1.0 } else { 0.0 },
        if along_second { 1.0 } else { 0.0 },
        0.0,
    )
}

/// f(p) and ∇f(p), exact.
pub fn value_and_gradient<F: DualFormula + ?Sized>(formula: &F, p: Point) -> (f64, Point) {
    let r = formula.eval(seeded(p[0], true, false), seeded(p[1], false, true));
    (r.re, [r.eps1, r.eps2])
}

/// ∇²f(p), exact (three hyper-dual evaluations).
pub fn hessian<F: DualFormula + ?Sized>(formula: &F, p: Point) -> Matrix2 {
    let mixed = formula.eval(seeded(p[0], true, false), seeded(p[1], false, true));
    let xx = formula.eval(seeded(p[0], true, true), seeded(p[1], false, false));
    let yy = formula.eval(seeded(p[0], false, false), seeded(p[1], true, true));
    [[xx.eps1eps2, mixed.eps1eps2], [mixed.eps1eps2, yy.eps1eps2]]
}

/// The [`Landscape`](super::Landscape) methods value, value_and_gradient and hessian of a
/// [`DualFormula`], exact through hyper-dual numbers: written inside `impl Landscape for …`.
macro_rules! dual_formula_derivatives {
    () => {
        fn value(&self, p: $crate::landscape::Point) -> f64 {
            $crate::landscape::autodiff::DualFormula::eval(self, p[0], p[1])
        }

        fn value_and_gradient(
            &self,
            p: $crate::landscape::Point,
        ) -> (f64, $crate::landscape::Point) {
            $crate::landscape::autodiff::value_and_gradient(self, p)
        }

        fn hessian(&self, p: $crate::landscape::Point) -> $crate::landscape::Matrix2 {
            $crate::landscape::autodiff::hessian(self, p)
        }
    };
}
pub(crate) use dual_formula_derivatives;

#[cfg(test)]
mod tests {
    use super::*;

    struct Product;
    impl DualFormula for Product {
        fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
            x * x * y + y.sin()
        }
    }

    #[test]
    fn derivatives_of_a_known_function() {
        let (value, gradient) = value_and_gradient(&Product, [2.0, 0.5]);
        assert!((value - (2.0 + 0.5f64.sin())).abs() < 1e-15);
        assert!((gradient[0] - 2.0).abs() < 1e-15);
        assert!((gradient[1] - (4.0 + 0.5f64.cos())).abs() < 1e-15);
        let h = hessian(&Product, [2.0, 0.5]);
        assert!((h[0][0] - 1.0).abs() < 1e-15);
        assert!((h[0][1] - 4.0).abs() < 1e-15 && (h[1][0] - 4.0).abs() < 1e-15);
        assert!((h[1][1] + 0.5f64.sin()).abs() < 1e-15);
    }
}
