//! Maxout (Goodfellow et al. 2013): a unit computes `pieces` affine pre-activations and
//! outputs the largest; the backward pass sends the unit's gradient to that piece alone
//! (the first one, on a tie) and 0 to the others.

use crate::nn::float::Float;
use crate::nn::layer::Lanes;

// Maxout: unit `j`'s pieces are rows `j * pieces .. (j + 1) * pieces` of `z`, so each
// unit is a block of `pieces * chunks` lane vectors of `z` and `chunks` of `a`.

/// `a = max over the unit's pieces of z`, example by example (the first piece on a tie).
pub(super) fn maxout_forward<F: Float>(
    z: &[Lanes<F>],
    a: &mut [Lanes<F>],
    pieces: usize,
    chunks: usize,
) {
    for (a, z) in a
        .chunks_exact_mut(chunks)
        .zip(z.chunks_exact(pieces * chunks))
    {
        let (first, others) = z.split_at(chunks);
        a.copy_from_slice(first);
        for piece in others.chunks_exact(chunks) {
            for (a, z) in a.iter_mut().zip(piece) {
                *a = std::array::from_fn(|l| if z[l] > a[l] { z[l] } else { a[l] });
            }
        }
    }
}

/// `dz = da` for the piece that won the forward pass's max (the first piece equal to
/// `a`), 0 for the others.
pub(super) fn maxout_backward<F: Float>(
    z: &[Lanes<F>],
    a: &[Lanes<F>],
    da: &[Lanes<F>],
    dz: &mut [Lanes<F>],
    pieces: usize,
    chunks: usize,
) {
    let block = pieces * chunks;
    let units = a.chunks_exact(chunks).zip(da.chunks_exact(chunks));
    for ((a, da), (z, dz)) in units.zip(z.chunks_exact(block).zip(dz.chunks_exact_mut(block))) {
        for c in 0..chunks {
            for l in 0..a[c].len() {
                let winner = (0..pieces).find(|p| z[p * chunks + c][l] == a[c][l]);
                for p in 0..pieces {
                    dz[p * chunks + c][l] = if winner == Some(p) { da[c][l] } else { F::ZERO };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
        act.forward_layer(&z, &mut a, 2);
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
        act.backward_layer(&z, &a, &da, &mut dz, 2);
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
