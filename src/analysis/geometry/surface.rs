//! The landscape as a 3D surface: a height field, an orbiting camera, and triangles in drawing
//! order with their shading — the geometry the app's 3D view paints, kept free of any GUI.
//!
//! The plane's window maps to a rectangle within [−1, 1]² (u along x, v along y; the longer side
//! spans [−1, 1], so the surface keeps the window's proportions) and the height to
//! w = H·t with t ∈ [0, 1] the value's position on the contour colour scale (linear or logarithmic,
//! as [`ContourField::position`] chooses), so the surface and the 2D map share one colouring and a
//! logarithmic scale keeps a Rosenbrock valley visible next to walls thousands of times higher.
//!
//! The camera turns the scene by the yaw ψ about the vertical axis, then tilts it by the pitch φ
//! (0 = looking straight down, the 2D map; 90° = looking from the side):
//!
//! ```text
//! u′ = u·cos ψ − v·sin ψ,   v′ = u·sin ψ + v·cos ψ,   w′ = w − H/2
//! screen x = u′,   screen y = v′·cos φ + w′·sin φ,   depth = −v′·sin φ + w′·cos φ  (toward the viewer)
//! ```
//!
//! An orthographic view has no perspective, so depth only orders the triangles: they are drawn
//! back to front (the painter's algorithm; a GUI painter has no depth buffer), each shaded by
//! Lambert's law, ambient + diffuse·max(0, n·l), with the light fixed relative to the camera.

use crate::analysis::geometry::contour::ContourField;
use crate::landscape::{Point, ViewWindow};

/// Height of the box the surface fills, relative to its half-width.
pub const HEIGHT: f64 = 0.9;
/// Share of the light that reaches every face whatever its slope.
const AMBIENT: f64 = 0.35;
/// The light's direction in view coordinates (x right, y up, z toward the viewer), from the
/// upper left in front.
const LIGHT: [f64; 3] = [-0.42, 0.56, 0.71];

/// The direction the surface is seen from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    /// ψ: rotation about the vertical axis, in degrees.
    pub yaw_deg: f64,
    /// φ: tilt away from looking straight down, in degrees, within [0, 90].
    pub pitch_deg: f64,
}

impl Default for Camera {
    fn default() -> Self {
        Self {
            yaw_deg: -30.0,
            pitch_deg: 55.0,
        }
    }
}

impl Camera {
    /// The camera turned by `d_yaw` and tilted by `d_pitch` degrees (pitch kept in [0, 90]).
    pub fn orbit(self, d_yaw: f64, d_pitch: f64) -> Self {
        Self {
            yaw_deg: (self.yaw_deg + d_yaw).rem_euclid(360.0),
            pitch_deg: (self.pitch_deg + d_pitch).clamp(0.0, 90.0),
        }
    }

    /// (screen x, screen y up, depth toward the viewer) of a point in box coordinates.
    pub fn view(&self, [u, v, w]: [f64; 3]) -> [f64; 3] {
        let (sin_yaw, cos_yaw) = self.yaw_deg.to_radians().sin_cos();
        let (sin_pitch, cos_pitch) = self.pitch_deg.to_radians().sin_cos();
        let u_turned = u * cos_yaw - v * sin_yaw;
        let v_turned = u * sin_yaw + v * cos_yaw;
        let w_centred = w - 0.5 * HEIGHT;
        [
            u_turned,
            v_turned * cos_pitch + w_centred * sin_pitch,
            -v_turned * sin_pitch + w_centred * cos_pitch,
        ]
    }
}

/// A landscape sampled on a grid, as vertices in box coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Surface {
    /// Vertices along x.
    pub columns: usize,
    /// Vertices along y.
    pub rows: usize,
    window: ViewWindow,
    /// (u, v, w) per vertex, row-major with row 0 at y_max (as the field).
    pub vertices: Vec<[f64; 3]>,
    /// t ∈ [0, 1] per vertex: the colour-scale position (`None` where f is not finite, drawn at
    /// the top).
    pub heights: Vec<Option<f64>>,
}

impl Surface {
    /// The field's cell centres as vertices. `None` for fewer than 2×2 samples.
    pub fn from_field(field: &ContourField) -> Option<Self> {
        let (columns, rows) = (field.width(), field.height());
        if columns < 2 || rows < 2 {
            return None;
        }
        let window = field.window();
        let mut surface = Self {
            columns,
            rows,
            window,
            vertices: Vec::with_capacity(columns * rows),
            heights: Vec::with_capacity(columns * rows),
        };
        for row in 0..rows {
            for column in 0..columns {
                let point = field.cell_centre(column, row);
                let height = field
                    .value_at(column, row)
                    .and_then(|value| field.position(value));
                surface
                    .vertices
                    .push(surface.lift(point, height.unwrap_or(1.0)));
                surface.heights.push(height);
            }
        }
        Some(surface)
    }

    /// Box coordinates of the point `p` of the plane at colour-scale position `height` (clamped to
    /// [0, 1], so a path leaving the window's value range stays on the box).
    pub fn lift(&self, p: Point, height: f64) -> [f64; 3] {
        let half = self.half_extent();
        let centre = self.window.centre();
        [
            (p[0] - centre[0]) / half,
            (p[1] - centre[1]) / half,
            HEIGHT
                * if height.is_finite() {
                    height.clamp(0.0, 1.0)
                } else {
                    1.0
                },
        ]
    }

    /// The radius of the sphere about the box's centre that holds the whole surface, whatever
    /// the camera: the view scales by it, so turning the surface never changes its size.
    pub fn bounding_radius(&self) -> f64 {
        let half = self.half_extent();
        let a = 0.5 * self.window.width() / half;
        let b = 0.5 * self.window.height() / half;
        (a * a + b * b + 0.25 * HEIGHT * HEIGHT).sqrt()
    }

    /// Half the window's longer side: the plane's unit in box coordinates, so the box keeps the
    /// window's aspect.
    fn half_extent(&self) -> f64 {
        0.5 * self.window.width().max(self.window.height())
    }

    /// Two triangles per grid square, as vertex indices.
    pub fn triangles(&self) -> impl Iterator<Item = [usize; 3]> + '_ {
        let columns = self.columns;
        (0..self.rows - 1).flat_map(move |row| {
            (0..columns - 1).flat_map(move |column| {
                let a = row * columns + column;
                let (b, c, d) = (a + 1, a + columns, a + columns + 1);
                [[a, c, b], [b, c, d]]
            })
        })
    }
}

/// A triangle ready to paint: its vertices, its brightness factor and its mean colour position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShadedTriangle {
    /// Vertex indices into the surface.
    pub vertices: [usize; 3],
    /// Lambert brightness in [AMBIENT, 1].
    pub shade: f64,
    /// Mean depth toward the viewer (drawing order).
    pub depth: f64,
}

/// Every triangle of `surface` as `camera` sees it, farthest first, with its shading. `viewed`
/// receives the view coordinates of every vertex (reused between frames to avoid allocating).
pub fn back_to_front(
    surface: &Surface,
    camera: &Camera,
    viewed: &mut Vec<[f64; 3]>,
) -> Vec<ShadedTriangle> {
    viewed.clear();
    viewed.extend(surface.vertices.iter().map(|&q| camera.view(q)));
    let mut triangles: Vec<ShadedTriangle> = surface
        .triangles()
        .map(|vertices| {
            let [a, b, c] = vertices.map(|i| viewed[i]);
            ShadedTriangle {
                vertices,
                shade: lambert(a, b, c),
                depth: (a[2] + b[2] + c[2]) / 3.0,
            }
        })
        .collect();
    triangles.sort_by(|p, q| p.depth.total_cmp(&q.depth));
    triangles
}

/// Ambient plus diffuse light on the face through `a`, `b`, `c` (view coordinates), lit from
/// [`LIGHT`] on whichever side faces the viewer.
fn lambert(a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> f64 {
    let e1 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let e2 = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    let mut normal = [
        e1[1] * e2[2] - e1[2] * e2[1],
        e1[2] * e2[0] - e1[0] * e2[2],
        e1[0] * e2[1] - e1[1] * e2[0],
    ];
    let length = (normal[0].powi(2) + normal[1].powi(2) + normal[2].powi(2)).sqrt();
    if !(length > 0.0 && length.is_finite()) {
        return AMBIENT;
    }
    if normal[2] < 0.0 {
        normal = normal.map(|n| -n);
    }
    let light_length = (LIGHT[0].powi(2) + LIGHT[1].powi(2) + LIGHT[2].powi(2)).sqrt();
    let cosine = (normal[0] * LIGHT[0] + normal[1] * LIGHT[1] + normal[2] * LIGHT[2])
        / (length * light_length);
    AMBIENT + (1.0 - AMBIENT) * cosine.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::geometry::contour::{ContourRequest, compute_field};
    use crate::landscape::{Landscape, Quadratic, Rosenbrock};

    fn surface_of(landscape: &dyn Landscape, side: usize) -> Surface {
        let field = compute_field(
            landscape,
            &ContourRequest {
                window: landscape.view(),
                width: side,
                height: side,
                levels: 0,
            },
        );
        Surface::from_field(&field).expect("a grid")
    }

    #[test]
    fn looking_straight_down_is_the_map() {
        let camera = Camera {
            yaw_deg: 0.0,
            pitch_deg: 0.0,
        };
        let [x, y, depth] = camera.view([0.5, -0.25, HEIGHT]);
        assert!((x - 0.5).abs() < 1e-15 && (y + 0.25).abs() < 1e-15);
        // Higher is nearer when looking down.
        assert!(depth > camera.view([0.5, -0.25, 0.0])[2]);
    }

    #[test]
    fn from_the_side_height_is_up_and_the_near_edge_is_near() {
        let camera = Camera {
            yaw_deg: 0.0,
            pitch_deg: 90.0,
        };
        let low = camera.view([0.0, 0.0, 0.0]);
        let high = camera.view([0.0, 0.0, HEIGHT]);
        assert!(high[1] > low[1]);
        assert!(camera.view([0.0, -1.0, 0.0])[2] > camera.view([0.0, 1.0, 0.0])[2]);
    }

    #[test]
    fn the_minimum_of_a_bowl_is_the_lowest_vertex() {
        let surface = surface_of(&Quadratic::default(), 33);
        let lowest = (0..surface.vertices.len())
            .min_by(|&a, &b| surface.vertices[a][2].total_cmp(&surface.vertices[b][2]))
            .expect("vertices");
        // The centre cell of a 33×33 grid over a window centred on the minimum.
        assert_eq!(lowest, 16 * 33 + 16);
        assert!(
            surface
                .vertices
                .iter()
                .all(|v| (0.0..=HEIGHT).contains(&v[2]))
        );
        assert!(
            surface
                .vertices
                .iter()
                .all(|v| v[0].abs() <= 1.0 && v[1].abs() <= 1.0)
        );
    }

    #[test]
    fn a_wide_window_keeps_its_proportions() {
        let surface = surface_of(&Rosenbrock::default(), 8);
        let view = Rosenbrock::default().view();
        let (width, height) = (view.x_max - view.x_min, view.y_max - view.y_min);
        let corner = surface.lift([view.x_max, view.y_max], 0.0);
        let longer = width.max(height);
        assert!((corner[0] - width / longer).abs() < 1e-12);
        assert!((corner[1] - height / longer).abs() < 1e-12);
    }

    #[test]
    fn the_bounding_sphere_holds_the_surface_from_every_side() {
        let surface = surface_of(&Rosenbrock::default(), 12);
        let radius = surface.bounding_radius();
        for yaw in [0.0, 37.0, 90.0, 200.0] {
            for pitch in [0.0, 45.0, 90.0] {
                let camera = Camera {
                    yaw_deg: yaw,
                    pitch_deg: pitch,
                };
                for &vertex in &surface.vertices {
                    let [x, y, depth] = camera.view(vertex);
                    assert!((x * x + y * y + depth * depth).sqrt() <= radius + 1e-12);
                }
            }
        }
    }

    #[test]
    fn triangles_cover_the_grid_and_come_farthest_first() {
        let surface = surface_of(&Rosenbrock::default(), 16);
        let mut viewed = Vec::new();
        let triangles = back_to_front(&surface, &Camera::default(), &mut viewed);
        assert_eq!(triangles.len(), 2 * 15 * 15);
        assert!(triangles.windows(2).all(|w| w[0].depth <= w[1].depth));
        assert!(triangles.iter().all(|t| (AMBIENT..=1.0).contains(&t.shade)));
        assert_eq!(viewed.len(), 16 * 16);
    }

    #[test]
    fn a_face_toward_the_light_is_brightest() {
        let towards = LIGHT;
        // A face whose normal is the light direction: two edges perpendicular to it.
        let e1 = [towards[1], -towards[0], 0.0];
        let e2 = [
            towards[1] * e1[2] - towards[2] * e1[1],
            towards[2] * e1[0] - towards[0] * e1[2],
            towards[0] * e1[1] - towards[1] * e1[0],
        ];
        let shade = lambert([0.0; 3], e1, e2);
        assert!((shade - 1.0).abs() < 1e-12, "{shade}");
        // Edge-on to the light: ambient only.
        let flat = lambert([0.0; 3], [0.0, 0.0, 1.0], [LIGHT[1], -LIGHT[0], 0.0]);
        assert!(flat < 1.0);
    }

    #[test]
    fn orbiting_wraps_the_yaw_and_clamps_the_pitch() {
        let camera = Camera {
            yaw_deg: 350.0,
            pitch_deg: 80.0,
        }
        .orbit(20.0, 30.0);
        assert!((camera.yaw_deg - 10.0).abs() < 1e-12);
        assert_eq!(camera.pitch_deg, 90.0);
    }
}
