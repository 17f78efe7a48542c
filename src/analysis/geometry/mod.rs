//! Drawing geometry: what the views and the renderer draw, computed without the engine. Contour
//! fields and iso-lines, the colormaps that colour them, the landscape as a 3D surface, the plane
//! of a training trajectory's principal directions, the vector field an iterate follows, and how a
//! window is framed on a canvas.

pub mod colormap;
pub mod contour;
pub mod field;
pub mod framing;
pub mod projection;
pub mod surface;
pub mod trajectory_plane;
