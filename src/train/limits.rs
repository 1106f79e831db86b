//! How big a run may be: a network, its gradients, the optimizer's state and one batch's
//! buffers must fit in [`MAX_WORKING_FLOATS`] numbers.
//!
//! Without this check `--width 1000000000` does not fail: the first layer's 2 x 10^9
//! weights are allocated and drawn (minutes, gigabytes), and a later layer's size
//! overflows or aborts the process on a failed allocation. Checked before any file is
//! created ([`super::TrainConfig::validate`]), it is one line instead.

/// Most `f32` numbers a run may hold in memory: 2^28, that is 1 GiB.
pub const MAX_WORKING_FLOATS: u64 = 1 << 28;

/// Copies of the parameters a run holds: the weights, their gradients, and up to two
/// optimizer moments (Adam).
const PARAMETER_COPIES: u128 = 4;
/// Per-unit buffers of one batch in the workspace: pre-activations, activations,
/// back-propagated errors and the dropout mask.
const UNIT_BUFFERS: u128 = 4;

/// Rows evaluated at once: the training and test sets are evaluated in chunks of this
/// many rows (or fewer, for a smaller set).
pub const EVAL_BATCH: usize = 1000;

/// The shape of a run, as far as memory is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunShape {
    /// Input features.
    pub inputs: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Weight layers.
    pub depth: usize,
    /// Affine pieces per hidden unit (1 but for maxout).
    pub pieces: usize,
    /// Units of the output layer (1 for two classes, else one per class).
    pub outputs: usize,
    /// Rows per training step.
    pub batch: usize,
    /// Rows of the data, training and test sets together (held in memory, and
    /// evaluated in chunks of [`EVAL_BATCH`]).
    pub rows: usize,
}

/// The numbers a run holds in memory: an estimate of every allocation that grows with
/// the input, computed in `u128` with saturating arithmetic (so it cannot overflow):
/// the parameters with their gradients and optimizer moments, the step's buffers for a
/// batch, the same buffers for an evaluation chunk and for the decision-boundary
/// lattice, and the data itself (counted as floats, though images are held as bytes).
pub fn working_floats(shape: &RunShape) -> u128 {
    let c = |n: usize| n as u128;
    let (add, mul) = (u128::saturating_add, u128::saturating_mul);
    let (inputs, width, depth) = (c(shape.inputs), c(shape.width), c(shape.depth));
    // A hidden layer computes `pieces` pre-activations per unit.
    let columns = mul(width, c(shape.pieces.max(1)));
    let outputs = c(shape.outputs.max(1));
    // Each layer holds fan_in x columns weights and columns biases; the output layer
    // has `outputs` units.
    let parameters = if depth <= 1 {
        mul(add(inputs, 1), outputs)
    } else {
        let first = mul(add(inputs, 1), columns);
        let hidden = mul(mul(depth - 2, add(width, 1)), columns);
        add(add(first, hidden), mul(add(width, 1), outputs))
    };
    // Per row of a batch: every layer's pre-activations, activations, errors and mask.
    let per_row = add(
        mul(
            UNIT_BUFFERS,
            add(mul(columns, depth.saturating_sub(1)), outputs),
        ),
        inputs,
    );
    let lattice_rows = c(super::boundary::GRID * super::boundary::GRID);
    let eval_rows = c(shape.rows.min(EVAL_BATCH));
    let rows_with_buffers = add(add(c(shape.batch), eval_rows), lattice_rows);
    add(
        add(
            mul(PARAMETER_COPIES, parameters),
            mul(per_row, rows_with_buffers),
        ),
        mul(c(shape.rows), add(inputs, 1)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(inputs: usize, width: usize, depth: usize, batch: usize) -> RunShape {
        RunShape {
            inputs,
            width,
            depth,
            pieces: 1,
            outputs: 1,
            batch,
            rows: batch,
        }
    }

    #[test]
    fn the_lesson_is_small() {
        // XOR: 2 inputs, width 5, depth 11, batch 4 = the 4 rows, the 48x48 lattice.
        // Parameters: 3*5 + 9*6*5 + 5 + 1 = 291; per row 4 * (5*10 + 1) + 2 = 206.
        let n = working_floats(&shape(2, 5, 11, 4));
        assert_eq!(n, 4 * 291 + 206 * (4 + 4 + 2304) + 4 * 3);
        assert!(n < 500_000);
    }

    #[test]
    fn lab_10s_nets_on_fashion_mnist_fit() {
        // 784-256-256-10, batch 100, 70,000 images: parameters 269,322; per row
        // 4 * (2*256 + 10) + 784 = 2,872 over 100 + 1,000 + 2,304 rows; the data.
        let n = working_floats(&RunShape {
            outputs: 10,
            rows: 70_000,
            ..shape(784, 256, 3, 100)
        });
        assert_eq!(n, 4 * 269_322 + 2_872 * 3_404 + 70_000 * 785);
        assert!(n < u128::from(MAX_WORKING_FLOATS) / 4, "{n}");
    }

    #[test]
    fn maxout_pieces_multiply_the_hidden_columns() {
        let one = working_floats(&shape(2, 5, 3, 4));
        let two = working_floats(&RunShape {
            pieces: 2,
            ..shape(2, 5, 3, 4)
        });
        assert!(two > one);
    }

    #[test]
    fn what_grows_with_the_input_is_counted() {
        // A deep narrow net: every layer's buffers for the lattice count.
        let deep = working_floats(&shape(2, 1, 100_000, 1));
        assert!(deep > u128::from(MAX_WORKING_FLOATS), "{deep}");
        // A long dataset: its rows count.
        let long = RunShape {
            rows: 100_000_000,
            ..shape(2, 5, 11, 4)
        };
        assert!(working_floats(&long) > u128::from(MAX_WORKING_FLOATS));
        // Evaluation goes in chunks: 4,000,000 rows cost their data, not 4,000,000 rows
        // of every layer's buffers.
        let four_million = RunShape {
            rows: 4_000_000,
            ..shape(2, 5, 11, 4)
        };
        assert!(working_floats(&four_million) < u128::from(MAX_WORKING_FLOATS) / 10);
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        let n = usize::MAX;
        let huge = RunShape {
            inputs: n,
            width: n,
            depth: n,
            pieces: n,
            outputs: n,
            batch: n,
            rows: n,
        };
        assert_eq!(working_floats(&huge), u128::MAX);
    }
}
