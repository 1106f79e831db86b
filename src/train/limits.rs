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
/// Per-unit buffers of one batch in the workspace: pre-activations, activations and
/// back-propagated errors.
const UNIT_BUFFERS: u128 = 3;

/// The numbers a network of `depth` layers of `width` units on `inputs` features, trained
/// on batches of `batch` rows, holds in memory: an estimate of the allocations that
/// matter, computed in `u128` with saturating arithmetic (so it cannot overflow).
pub fn working_floats(inputs: usize, width: usize, depth: usize, batch: usize) -> u128 {
    let (inputs, width, depth, batch) =
        (inputs as u128, width as u128, depth as u128, batch as u128);
    let mul = u128::saturating_mul;
    // Each layer holds fan_in x fan_out weights and fan_out biases.
    let parameters = if depth <= 1 {
        inputs.saturating_add(1)
    } else {
        let first = mul(inputs.saturating_add(1), width);
        let hidden = mul(mul(depth - 2, width.saturating_add(1)), width);
        first
            .saturating_add(hidden)
            .saturating_add(width)
            .saturating_add(1)
    };
    let units = mul(width, depth.saturating_sub(1)).saturating_add(1);
    mul(PARAMETER_COPIES, parameters)
        .saturating_add(mul(mul(UNIT_BUFFERS, batch), units))
        .saturating_add(mul(batch, inputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lesson_is_small() {
        // XOR: 2 inputs, width 5, depth 11, batch 4.
        // Parameters: 3*5 + 9*6*5 + 5 + 1 = 291; units: 5*10 + 1 = 51.
        assert_eq!(working_floats(2, 5, 11, 4), 4 * 291 + 3 * 4 * 51 + 4 * 2);
    }

    #[test]
    fn one_layer_is_inputs_plus_bias() {
        assert_eq!(working_floats(3, 100, 1, 2), 4 * 4 + 3 * 2 + 2 * 3);
    }

    #[test]
    fn huge_sizes_do_not_overflow_and_are_refused() {
        let n = usize::MAX;
        assert_eq!(working_floats(n, n, n, n), u128::MAX);
    }

    #[test]
    fn the_limit_is_inclusive() {
        // depth 1: 4 * (inputs + 1) + 3 * batch + batch * inputs with inputs 1 =
        // 8 + 4 * batch.
        let batch = ((MAX_WORKING_FLOATS - 8) / 4) as usize;
        assert_eq!(
            working_floats(1, 1, 1, batch),
            u128::from(MAX_WORKING_FLOATS)
        );
        assert!(working_floats(1, 1, 1, batch + 1) > u128::from(MAX_WORKING_FLOATS));
    }
}
