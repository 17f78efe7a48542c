//! The vector field an iterate follows, sampled on a grid for drawing as arrows.
//!
//! For minimization the continuous-time flow is ẋ = −∇f(x) (gradient flow; gradient descent is its
//! forward-Euler discretization). In a two-player zero-sum game min over x, max over y of f(x, y)
//! the players follow
//!
//! ```text
//! ẋ = −∂f/∂x,   ẏ = +∂f/∂y
//! ```
//!
//! which on f = x·y is a pure rotation (ẋ = −y, ẏ = x): the field circles the equilibrium, which is
//! why simultaneous gradient descent–ascent spirals outward. Reference: Mescheder, Nowozin &
//! Geiger, "The Numerics of GANs" (NeurIPS 2017), for the game's vector field and its rotation.

use crate::landscape::{Landscape, Point, ViewWindow};

/// Which field: the descent flow, or the descent–ascent field of a min-max game.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// (−∂f/∂x, −∂f/∂y).
    Descent,
    /// (−∂f/∂x, +∂f/∂y): x minimizes, y maximizes.
    DescentAscent,
}

/// The field at the centres of a `columns` × `rows` grid over `window`, as (point, direction)
/// pairs; points where the gradient is not finite are left out.
pub fn sample(
    landscape: &dyn Landscape,
    window: ViewWindow,
    columns: usize,
    rows: usize,
    kind: FieldKind,
) -> Vec<(Point, [f64; 2])> {
    let mut arrows = Vec::with_capacity(columns * rows);
    for row in 0..rows {
        for column in 0..columns {
            let point = [
                window.x_min
                    + (window.x_max - window.x_min) * (column as f64 + 0.5) / columns as f64,
                window.y_min + (window.y_max - window.y_min) * (row as f64 + 0.5) / rows as f64,
            ];
            let (_, [gx, gy]) = landscape.value_and_gradient(point);
            let direction = match kind {
                FieldKind::Descent => [-gx, -gy],
                FieldKind::DescentAscent => [-gx, gy],
            };
            if direction.iter().all(|v| v.is_finite()) {
                arrows.push((point, direction));
            }
        }
    }
    arrows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{Formula, Quadratic};

    #[test]
    fn descent_points_downhill_on_a_bowl() {
        let arrows = sample(
            &Quadratic::default(),
            ViewWindow::centred(1.0, 1.0),
            4,
            4,
            FieldKind::Descent,
        );
        assert_eq!(arrows.len(), 16);
        for (point, direction) in arrows {
            // Toward the minimum at the origin.
            assert!(point[0] * direction[0] + point[1] * direction[1] < 0.0);
        }
    }

    #[test]
    fn the_bilinear_game_field_circles_the_equilibrium() {
        let game = Formula {
            expr: "x*y".to_owned(),
            ..Formula::default()
        };
        let landscape = crate::landscape::LandscapeConfig::Formula(game).build();
        for (point, direction) in sample(
            landscape.as_ref(),
            ViewWindow::centred(2.0, 2.0),
            5,
            5,
            FieldKind::DescentAscent,
        ) {
            // (−y, x): perpendicular to the radius, counter-clockwise.
            assert!((direction[0] + point[1]).abs() < 1e-12);
            assert!((direction[1] - point[0]).abs() < 1e-12);
        }
    }
}
