//! Parameter blocks: where a network's weight matrices lie in its flat parameter vector, for methods
//! that treat a matrix as a matrix (Muon orthogonalizes each matrix's update) rather than as a
//! list of numbers.
//!
//! A block is a rows × cols matrix W stored at `offset..offset + rows·cols`, in the order the
//! network stores it: `RowMajor` (W_ij at offset + i·cols + j: the MLP's layers, like torch's
//! `nn.Linear.weight`, and the factors U, V of a matrix factorization) or `ColumnMajor` (W_ij at
//! offset + i + j·rows: the deep linear network, like nalgebra). Rows and columns are the matrix's
//! own: for a layer y = W·x, rows is the output size and cols the input size, torch's
//! `weight.size(-2)` and `weight.size(-1)`, so a method's shape rule (Muon's max(1, rows/cols)^½)
//! reads as in torch. Every coordinate outside the blocks (biases) is a vector parameter.

use std::ops::Range;

/// How a [`ParameterBlock`]'s entries are laid out in the flat vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixLayout {
    /// Row after row: W_ij at offset + i·cols + j (torch, the MLP, the factorization's U and V).
    RowMajor,
    /// Column after column: W_ij at offset + i + j·rows (nalgebra, the deep linear network).
    ColumnMajor,
}

/// A rows × cols weight matrix inside the flat parameter vector (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParameterBlock {
    /// Where its first entry lies in the flat vector.
    pub offset: usize,
    /// Rows of the matrix (a layer's output size).
    pub rows: usize,
    /// Columns of the matrix (a layer's input size).
    pub cols: usize,
    /// The order of its entries.
    pub layout: MatrixLayout,
}

impl ParameterBlock {
    /// A rows × cols block at `offset` laid out as `layout`.
    pub fn new(offset: usize, rows: usize, cols: usize, layout: MatrixLayout) -> Self {
        Self {
            offset,
            rows,
            cols,
            layout,
        }
    }

    /// `count` rows × cols blocks one after another from offset 0 (a deep linear network's
    /// layers, a factorization's U and V).
    pub fn stacked(count: usize, rows: usize, cols: usize, layout: MatrixLayout) -> Vec<Self> {
        let size = rows * cols;
        (0..count)
            .map(|index| Self::new(index * size, rows, cols, layout))
            .collect()
    }

    /// The coordinates the block occupies.
    pub fn range(&self) -> Range<usize> {
        self.offset..self.offset + self.rows * self.cols
    }

    /// The flat index of entry (i, j), 0 ≤ i < rows, 0 ≤ j < cols.
    pub fn index(&self, i: usize, j: usize) -> usize {
        match self.layout {
            MatrixLayout::RowMajor => self.offset + i * self.cols + j,
            MatrixLayout::ColumnMajor => self.offset + i + j * self.rows,
        }
    }

    /// Whether every block lies inside 0..dim and no two overlap: what a problem's blocks must
    /// satisfy (checked by the networks' tests).
    pub fn fit(blocks: &[ParameterBlock], dim: usize) -> bool {
        let mut ranges: Vec<Range<usize>> = blocks.iter().map(ParameterBlock::range).collect();
        ranges.sort_by_key(|range| range.start);
        ranges.iter().all(|range| range.end <= dim)
            && ranges.windows(2).all(|pair| pair[0].end <= pair[1].start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_index_every_entry_of_their_range_once() {
        for layout in [MatrixLayout::RowMajor, MatrixLayout::ColumnMajor] {
            let block = ParameterBlock::new(7, 2, 3, layout);
            let mut seen: Vec<usize> = (0..2)
                .flat_map(|i| (0..3).map(move |j| block.index(i, j)))
                .collect();
            seen.sort_unstable();
            assert_eq!(seen, block.range().collect::<Vec<_>>(), "{layout:?}");
        }
        // W₀₁ is the second entry row-major, the third column-major (after the first column).
        assert_eq!(
            ParameterBlock::new(0, 2, 3, MatrixLayout::RowMajor).index(0, 1),
            1
        );
        assert_eq!(
            ParameterBlock::new(0, 2, 3, MatrixLayout::ColumnMajor).index(0, 1),
            2
        );
    }

    #[test]
    fn overlapping_or_outlying_blocks_do_not_fit() {
        let a = ParameterBlock::new(0, 2, 2, MatrixLayout::RowMajor);
        let b = ParameterBlock::new(4, 1, 3, MatrixLayout::ColumnMajor);
        assert!(ParameterBlock::fit(&[b, a], 7));
        assert!(!ParameterBlock::fit(&[a, b], 6));
        let overlapping = ParameterBlock::new(3, 1, 2, MatrixLayout::RowMajor);
        assert!(!ParameterBlock::fit(&[a, overlapping], 10));
    }
}
