//! The result type of the crate's SVDs: leading singular triplets in flat column-major buffers.

/// The leading `rank` singular triplets of an `nrows × ncols` matrix: `values` descending,
/// `left` (`nrows × rank`) and `right` (`ncols × rank`) column-major with orthonormal columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SvdTriplets {
    /// Rows `m` of the decomposed matrix.
    pub nrows: usize,
    /// Columns `n` of the decomposed matrix.
    pub ncols: usize,
    /// Triplets held.
    pub rank: usize,
    /// `σ₁ ≥ σ₂ ≥ … ≥ σ_rank ≥ 0`.
    pub values: Vec<f64>,
    /// Left singular vectors `U` (`nrows × rank`, column-major, orthonormal columns).
    pub left: Vec<f64>,
    /// Right singular vectors `V` (`ncols × rank`, column-major, orthonormal columns).
    pub right: Vec<f64>,
}

impl SvdTriplets {
    pub(crate) fn reset(&mut self, nrows: usize, ncols: usize, rank: usize) {
        self.nrows = nrows;
        self.ncols = ncols;
        self.rank = rank;
        self.values.resize(rank, 0.0);
        self.left.resize(nrows * rank, 0.0);
        self.right.resize(ncols * rank, 0.0);
    }

    /// Keeps only the leading `rank` triplets (no-op if `rank ≥ self.rank`).
    pub fn truncate(&mut self, rank: usize) {
        if rank < self.rank {
            self.rank = rank;
            self.values.truncate(rank);
            self.left.truncate(self.nrows * rank);
            self.right.truncate(self.ncols * rank);
        }
    }

    /// The rank-`rank` matrix `U·Σ·Vᵀ`, densely (for tests and small problems).
    pub fn to_matrix(&self) -> faer::Mat<f64> {
        let (m, n, r) = (self.nrows, self.ncols, self.rank);
        faer::Mat::from_fn(m, n, |i, j| {
            (0..r)
                .map(|l| self.left[l * m + i] * self.values[l] * self.right[l * n + j])
                .sum()
        })
    }
}
