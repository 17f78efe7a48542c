//! The recent paths of a run's simulated workers (LocalSgd, Decentralized…), for drawing them
//! fanning out between averagings and snapping back together.
//!
//! Each worker keeps its last [`TRAIL_LENGTH`] positions in a ring. The rings are allocated when
//! the number of workers changes, never per step, and cleared on a restart. A worker method
//! restarts its workers at the run's iterate after a reset, so a trail begins there too.

/// Positions kept per worker: enough to show a few rounds of local steps.
pub const TRAIL_LENGTH: usize = 256;

/// Ring buffers of the workers' last positions (2D problems only).
#[derive(Clone, Debug, Default)]
pub struct WorkerTrails {
    /// One ring per worker, `TRAIL_LENGTH` long once full.
    rings: Vec<Vec<[f64; 2]>>,
    /// Where the next position goes in every ring once the rings are full.
    next: usize,
}

impl WorkerTrails {
    /// Appends every worker's current position (`points`, one per worker, in a fixed order).
    /// A change in the number of workers starts the trails over.
    pub fn record(&mut self, points: impl ExactSizeIterator<Item = [f64; 2]>) {
        if points.len() != self.rings.len() {
            self.rings = (0..points.len())
                .map(|_| Vec::with_capacity(TRAIL_LENGTH))
                .collect();
            self.next = 0;
        }
        let full = self
            .rings
            .first()
            .is_some_and(|ring| ring.len() == TRAIL_LENGTH);
        for (ring, point) in self.rings.iter_mut().zip(points) {
            if full {
                ring[self.next] = point;
            } else {
                ring.push(point);
            }
        }
        if full {
            self.next = (self.next + 1) % TRAIL_LENGTH;
        }
    }

    /// Forgets every position (a restart).
    pub fn clear(&mut self) {
        for ring in &mut self.rings {
            ring.clear();
        }
        self.next = 0;
    }

    /// Every worker's trail, oldest position first and its current position last.
    pub fn trails(&self) -> Vec<Vec<[f64; 2]>> {
        self.rings
            .iter()
            .map(|ring| {
                if ring.len() < TRAIL_LENGTH {
                    ring.clone()
                } else {
                    let (newest, oldest) = ring.split_at(self.next);
                    oldest.iter().chain(newest).copied().collect()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trails_keep_the_latest_positions_in_order() {
        let mut trails = WorkerTrails::default();
        for step in 0..(TRAIL_LENGTH + 10) {
            let s = step as f64;
            trails.record([[s, 0.0], [s, 1.0]].into_iter());
        }
        let kept = trails.trails();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].len(), TRAIL_LENGTH);
        assert_eq!(kept[0][0], [10.0, 0.0]);
        assert_eq!(kept[1][TRAIL_LENGTH - 1], [(TRAIL_LENGTH + 9) as f64, 1.0]);
        assert!(kept[0].windows(2).all(|w| w[1][0] == w[0][0] + 1.0));
        // A different number of workers starts over.
        trails.record([[7.0, 7.0]].into_iter());
        assert_eq!(trails.trails(), vec![vec![[7.0, 7.0]]]);
        trails.clear();
        assert_eq!(trails.trails(), vec![Vec::<[f64; 2]>::new()]);
    }
}
