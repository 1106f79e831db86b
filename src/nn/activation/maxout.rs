//! Maxout (Goodfellow et al. 2013): a unit computes `pieces` affine pre-activations and
//! outputs the largest; the backward pass sends the unit's gradient to that piece alone
//! (the first one, on a tie) and 0 to the others.

use crate::nn::float::Float;

// One example at a time: unit `j`'s piece `p` is column `j * pieces + p` of `z`, at
// `z_start + (j * pieces + p) * step`, and the unit's output is at `a_start + j * step`
// (`step` is 1 in the rows layout, the padded batch in the lanes layout).

/// `a = max over the unit's pieces of z` for one example (the first piece on a tie).
#[inline]
pub(super) fn maxout_forward<F: Float>(
    z: &[F],
    a: &mut [F],
    (z_start, a_start, step): (usize, usize, usize),
    units: usize,
    pieces: usize,
) {
    for j in 0..units {
        let piece = |p: usize| z[z_start + (j * pieces + p) * step];
        let mut best = piece(0);
        for p in 1..pieces {
            let v = piece(p);
            if v > best {
                best = v;
            }
        }
        a[a_start + j * step] = best;
    }
}

/// `dz = da` for the piece that won the forward pass's max (the first piece equal to
/// `a`), 0 for the others, for one example.
#[inline]
pub(super) fn maxout_backward<F: Float>(
    z: &[F],
    a: &[F],
    da: &[F],
    dz: &mut [F],
    (z_start, a_start, step): (usize, usize, usize),
    units: usize,
    pieces: usize,
) {
    for j in 0..units {
        let (out, grad) = (a[a_start + j * step], da[a_start + j * step]);
        let mut won = false;
        for p in 0..pieces {
            let at = z_start + (j * pieces + p) * step;
            let wins = !won && z[at] == out;
            won |= wins;
            dz[at] = if wins { grad } else { F::ZERO };
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::nn::activation::layers::Layout;
    use crate::nn::Activation;

    #[test]
    fn maxout_takes_the_largest_piece_and_routes_the_gradient_to_it() {
        // Two units of three pieces, two chunks each: rows are (unit, piece), unit-major.
        let z = [
            // unit 0, pieces 0..3, chunk 0 then chunk 1
            [1.0, -1.0, 0.0, 5.0],
            [0.5, 0.5, 0.5, 0.5],
            [2.0, -3.0, 0.0, 1.0],
            [0.0, 0.0, 0.0, 0.0],
            [1.5, -2.0, 0.0, 5.0],
            [-1.0, -1.0, -1.0, -1.0],
            // unit 1
            [0.0; 4],
            [1.0; 4],
            [0.0; 4],
            [0.0; 4],
            [-1.0; 4],
            [2.0; 4],
        ];
        let mut a = [[0.0f32; 4]; 4];
        let act = Activation::Maxout { pieces: 3 };
        let layout = Layout::Lanes { padded: 8 };
        act.forward_layer(z.as_flattened(), a.as_flattened_mut(), layout, 2);
        assert_eq!(
            a,
            [
                [2.0, -1.0, 0.0, 5.0],
                [0.5, 0.5, 0.5, 0.5],
                [0.0, 0.0, 0.0, 0.0],
                [2.0, 2.0, 2.0, 2.0],
            ]
        );
        let da = [[10.0f32, 20.0, 30.0, 40.0]; 4];
        let mut dz = [[7.0f32; 4]; 12];
        let (z, a, da) = (z.as_flattened(), a.as_flattened(), da.as_flattened());
        act.backward_layer(z, a, da, dz.as_flattened_mut(), layout, 2);
        // Ties go to the first piece: unit 0's chunk 0 ties in lanes 2 (all three at 0)
        // and 3 (pieces 0 and 2 at 5); unit 1's chunk 0 ties everywhere at 0.
        let (all, none) = ([10.0f32, 20.0, 30.0, 40.0], [0.0f32; 4]);
        assert_eq!(
            dz,
            [
                [0.0, 20.0, 30.0, 40.0],
                all,
                [10.0, 0.0, 0.0, 0.0],
                none,
                none,
                none,
                all,
                none,
                none,
                none,
                none,
                all,
            ]
        );
    }
}
