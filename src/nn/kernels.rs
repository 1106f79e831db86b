//! The inner loops of the training step, on per-unit buffers of `[F; LANES]` chunks.
//!
//! A buffer holds `[units][chunks]` lane vectors: unit `j`'s batch columns
//! `c * LANES .. (c + 1) * LANES` are element `j * chunks + c`. Every kernel is
//! instantiated for unit counts 1 to [`BLOCK`] known at compile time, so loops over units
//! unroll and their accumulators live in SIMD registers; wider layers are cut into blocks.
//! Batches of at most [`LANES`] (one chunk, the lesson's XOR batch of 4) take the
//! simplest kernels, with no index arithmetic at all.

use super::activation::Activation;
use super::float::Float;

/// Batch columns processed together; batches are padded to a multiple of this.
pub const LANES: usize = 4;

/// One chunk of [`LANES`] batch columns of one unit.
pub(crate) type Lanes<F> = [F; LANES];

/// Sizes of one layer's product: `W` is `[fan_in, fan_out]`, per-unit buffers are
/// `[units][chunks]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) fan_in: usize,
    pub(crate) fan_out: usize,
    pub(crate) chunks: usize,
}

/// Units handled together by one kernel call, with their accumulators in registers.
const BLOCK: usize = 8;

/// Calls `$kernel::<F, N>(args)` with `N = $width` known at compile time (1..=BLOCK), so
/// loops over the block's units unroll and keep their accumulators in registers.
macro_rules! with_width {
    ($width:expr, $kernel:ident($($arg:expr),* $(,)?)) => {
        match $width {
            1 => $kernel::<F, 1>($($arg),*),
            2 => $kernel::<F, 2>($($arg),*),
            3 => $kernel::<F, 3>($($arg),*),
            4 => $kernel::<F, 4>($($arg),*),
            5 => $kernel::<F, 5>($($arg),*),
            6 => $kernel::<F, 6>($($arg),*),
            7 => $kernel::<F, 7>($($arg),*),
            8 => $kernel::<F, 8>($($arg),*),
            _ => {}
        }
    };
}

/// One layer's forward pass: `z[j][c] = b[j] + sum_i x[i][c] w[i, j]`, then
/// `a = activation(z)`.
#[inline(always)]
pub(crate) fn forward_layer<F: Float>(
    w: &[F],
    b: &[F],
    x: &[Lanes<F>],
    z: &mut [Lanes<F>],
    a: &mut [Lanes<F>],
    activation: Activation,
    shape: Shape,
) {
    if shape.chunks == 1 && shape.fan_out <= BLOCK {
        with_width!(shape.fan_out, affine_one(w, b, x, z));
    } else {
        affine_blocks(w, b, x, z, shape);
    }
    activation.forward_chunks(z, a);
}

/// The layer below a backward step: its delta buffer to fill, and its pre-activations,
/// activations and activation function for the derivative.
pub(crate) struct Below<'a, F> {
    pub(crate) delta: &'a mut [Lanes<F>],
    pub(crate) z: &'a [Lanes<F>],
    pub(crate) a: &'a [Lanes<F>],
    pub(crate) activation: Activation,
}

/// A layer's parameters, with the learning rate when plain gradient descent is to be
/// applied inside [`backward_layer`] (`w -= lr * dw` as each gradient is computed).
pub(crate) struct Params<'a, F> {
    pub(crate) w: &'a mut [F],
    pub(crate) b: &'a mut [F],
    pub(crate) sgd_rate: Option<F>,
}

/// One layer's backward pass: for the layer below,
/// `delta_below[i][c] = sum_j w[i, j] delta[j][c] * activation'(z_below[i][c])`; then
/// `dw[i, j] = sum_c x[i][c] delta[j][c]`, `db[j] = sum_c delta[j][c]`, and the
/// gradient-descent update if asked for (after the weights were used for the layer below).
#[inline(always)]
pub(crate) fn backward_layer<F: Float>(
    params: Params<'_, F>,
    x: &[Lanes<F>],
    delta: &[Lanes<F>],
    dw: &mut [F],
    db: &mut [F],
    below: Option<Below<'_, F>>,
    shape: Shape,
) {
    let one = shape.chunks == 1 && shape.fan_out <= BLOCK;
    let Params { w, b, sgd_rate } = params;
    if let Some(below) = below {
        if one {
            with_width!(shape.fan_out, back_affine_one(w, delta, below.delta));
        } else {
            back_affine_blocks(w, delta, below.delta, shape);
        }
        below
            .activation
            .scale_by_derivative(below.z, below.a, below.delta);
    }
    if one {
        with_width!(
            shape.fan_out,
            weight_grads_one(x, delta, dw, db, w, b, sgd_rate)
        );
    } else {
        weight_grads_blocks(x, delta, dw, db, shape);
        if let Some(lr) = sgd_rate {
            for (p, &g) in w
                .iter_mut()
                .zip(dw.iter())
                .chain(b.iter_mut().zip(db.iter()))
            {
                *p -= lr * g;
            }
        }
    }
}

/// `acc + w * x`, lane by lane.
#[inline(always)]
fn mul_add<F: Float>(acc: Lanes<F>, w: F, x: Lanes<F>) -> Lanes<F> {
    [
        acc[0] + w * x[0],
        acc[1] + w * x[1],
        acc[2] + w * x[2],
        acc[3] + w * x[3],
    ]
}

/// `a * b`, lane by lane.
#[inline(always)]
fn mul<F: Float>(a: Lanes<F>, b: Lanes<F>) -> Lanes<F> {
    [a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]]
}

#[inline(always)]
fn affine_one<F: Float, const N: usize>(w: &[F], b: &[F], x: &[Lanes<F>], z: &mut [Lanes<F>]) {
    let (Ok(b), Ok(z)) = (<&[F; N]>::try_from(b), <&mut [Lanes<F>; N]>::try_from(z)) else {
        return;
    };
    *z = std::array::from_fn(|j| [b[j]; LANES]);
    for (&xs, w_row) in x.iter().zip(w.chunks_exact(N)) {
        let Ok(w_row) = <&[F; N]>::try_from(w_row) else {
            break;
        };
        for j in 0..N {
            z[j] = mul_add(z[j], w_row[j], xs);
        }
    }
}

// In the loops below, each row reference passes through `black_box`, which keeps LLVM's
// loop vectoriser from vectorising across rows (it would transpose everything through
// shuffles and spill registers); each row's work is then vectorised across the batch
// lanes as intended. `black_box` costs nothing here: it only hides where the row is.

#[inline(always)]
fn back_affine_one<F: Float, const N: usize>(w: &[F], delta: &[Lanes<F>], out: &mut [Lanes<F>]) {
    let Ok(&d) = <&[Lanes<F>; N]>::try_from(delta) else {
        return;
    };
    let mut rows = w;
    for out in out.iter_mut() {
        let Some((w_row, rest)) = rows.split_first_chunk::<N>() else {
            break;
        };
        rows = rest;
        let w_row = std::hint::black_box(w_row);
        let mut acc = [F::ZERO; LANES];
        for j in 0..N {
            acc = mul_add(acc, w_row[j], d[j]);
        }
        *out = acc;
    }
}

#[inline(always)]
fn weight_grads_one<F: Float, const N: usize>(
    x: &[Lanes<F>],
    delta: &[Lanes<F>],
    dw: &mut [F],
    db: &mut [F],
    w: &mut [F],
    b: &mut [F],
    sgd_rate: Option<F>,
) {
    match sgd_rate {
        Some(lr) => weight_grads_one_then::<F, N, true>(x, delta, dw, db, w, b, lr),
        None => weight_grads_one_then::<F, N, false>(x, delta, dw, db, w, b, F::ZERO),
    }
}

/// [`weight_grads_one`], with `w -= lr * dw` and `b -= lr * db` when `SGD`.
#[inline(always)]
fn weight_grads_one_then<F: Float, const N: usize, const SGD: bool>(
    x: &[Lanes<F>],
    delta: &[Lanes<F>],
    dw: &mut [F],
    db: &mut [F],
    w: &mut [F],
    b: &mut [F],
    lr: F,
) {
    let (Ok(&d), Ok(db), Ok(b)) = (
        <&[Lanes<F>; N]>::try_from(delta),
        <&mut [F; N]>::try_from(db),
        <&mut [F; N]>::try_from(b),
    ) else {
        return;
    };
    for j in 0..N {
        db[j] = horizontal_sum(d[j]);
        if SGD {
            b[j] -= lr * db[j];
        }
    }
    let (mut grad_rows, mut weight_rows) = (dw, w);
    for xs in x {
        let (Some((g, g_rest)), Some((w, w_rest))) = (
            grad_rows.split_first_chunk_mut::<N>(),
            weight_rows.split_first_chunk_mut::<N>(),
        ) else {
            break;
        };
        (grad_rows, weight_rows) = (g_rest, w_rest);
        let xs = *std::hint::black_box(xs);
        let grads: [F; N] = std::array::from_fn(|j| horizontal_sum(mul(xs, d[j])));
        *g = grads;
        if SGD {
            for j in 0..N {
                w[j] -= lr * grads[j];
            }
        }
    }
}

/// Unit blocks `(first unit, width)` covering `0..units`.
#[inline]
fn blocks(units: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..units)
        .step_by(BLOCK)
        .map(move |j0| (j0, (units - j0).min(BLOCK)))
}

/// Units `j0..j0 + N` of row `i` of the row-major `[rows, fan_out]` matrix `w`.
#[inline(always)]
fn block_row<F: Float, const N: usize>(w: &[F], i: usize, fan_out: usize, j0: usize) -> [F; N] {
    let start = i * fan_out + j0;
    match w.get(start..start + N) {
        Some(row) => std::array::from_fn(|j| row[j]),
        None => [F::ZERO; N],
    }
}

/// `z[j][c] = b[j] + sum_i x[i][c] w[i, j]`: the layer's pre-activations.
#[inline(always)]
fn affine_blocks<F: Float>(w: &[F], b: &[F], x: &[Lanes<F>], z: &mut [Lanes<F>], shape: Shape) {
    if shape.fan_out <= BLOCK {
        let j0 = 0;
        with_width!(shape.fan_out, affine_block(w, b, x, z, shape, j0));
    } else {
        for (j0, width) in blocks(shape.fan_out) {
            with_width!(width, affine_block(w, b, x, z, shape, j0));
        }
    }
}

#[inline(always)]
fn affine_block<F: Float, const N: usize>(
    w: &[F],
    b: &[F],
    x: &[Lanes<F>],
    z: &mut [Lanes<F>],
    shape: Shape,
    j0: usize,
) {
    let bias: [F; N] = block_row(b, 0, 0, j0);
    for c in 0..shape.chunks {
        let mut acc: [Lanes<F>; N] = std::array::from_fn(|j| [bias[j]; LANES]);
        for i in 0..shape.fan_in {
            let Some(xs) = x.get(i * shape.chunks + c) else {
                break;
            };
            let w_row: [F; N] = block_row(w, i, shape.fan_out, j0);
            for (acc, &w) in acc.iter_mut().zip(&w_row) {
                for (acc, &x) in acc.iter_mut().zip(xs) {
                    *acc += w * x;
                }
            }
        }
        for (j, acc) in acc.into_iter().enumerate() {
            if let Some(out) = z.get_mut((j0 + j) * shape.chunks + c) {
                *out = acc;
            }
        }
    }
}

/// `out[i][c] = sum_j w[i, j] delta[j][c]`: the gradient flowing to the layer below.
#[inline(always)]
fn back_affine_blocks<F: Float>(w: &[F], delta: &[Lanes<F>], out: &mut [Lanes<F>], shape: Shape) {
    if shape.fan_out <= BLOCK {
        let j0 = 0;
        with_width!(shape.fan_out, back_affine_block(w, delta, out, shape, j0));
    } else {
        for (j0, width) in blocks(shape.fan_out) {
            with_width!(width, back_affine_block(w, delta, out, shape, j0));
        }
    }
}

#[inline(always)]
fn back_affine_block<F: Float, const N: usize>(
    w: &[F],
    delta: &[Lanes<F>],
    out: &mut [Lanes<F>],
    shape: Shape,
    j0: usize,
) {
    for c in 0..shape.chunks {
        let d: [Lanes<F>; N] = std::array::from_fn(|j| {
            delta
                .get((j0 + j) * shape.chunks + c)
                .copied()
                .unwrap_or([F::ZERO; LANES])
        });
        for i in 0..shape.fan_in {
            let w_row: [F; N] = block_row(w, i, shape.fan_out, j0);
            let mut acc = [F::ZERO; LANES];
            for (&w, d) in w_row.iter().zip(&d) {
                for (acc, &d) in acc.iter_mut().zip(d) {
                    *acc += w * d;
                }
            }
            if let Some(out) = out.get_mut(i * shape.chunks + c) {
                if j0 == 0 {
                    *out = acc;
                } else {
                    for (out, acc) in out.iter_mut().zip(acc) {
                        *out += acc;
                    }
                }
            }
        }
    }
}

/// `dw[i, j] = sum_c x[i][c] delta[j][c]` and `db[j] = sum_c delta[j][c]`.
#[inline(always)]
fn weight_grads_blocks<F: Float>(
    x: &[Lanes<F>],
    delta: &[Lanes<F>],
    dw: &mut [F],
    db: &mut [F],
    shape: Shape,
) {
    if shape.fan_out <= BLOCK {
        let j0 = 0;
        with_width!(
            shape.fan_out,
            weight_grads_block(x, delta, dw, db, shape, j0)
        );
    } else {
        for (j0, width) in blocks(shape.fan_out) {
            with_width!(width, weight_grads_block(x, delta, dw, db, shape, j0));
        }
    }
}

#[inline(always)]
fn weight_grads_block<F: Float, const N: usize>(
    x: &[Lanes<F>],
    delta: &[Lanes<F>],
    dw: &mut [F],
    db: &mut [F],
    shape: Shape,
    j0: usize,
) {
    let chunks = shape.chunks;
    // Units are taken four at a time: with the four deltas transposed (lane-major), a
    // row of four gradients is a sum of four broadcast products, with no horizontal
    // sums. The remaining `N % 4` units use horizontal sums, in the same order.
    let groups = N / LANES;
    for c in 0..chunks {
        let d: [Lanes<F>; N] = std::array::from_fn(|j| {
            delta
                .get((j0 + j) * chunks + c)
                .copied()
                .unwrap_or([F::ZERO; LANES])
        });
        let transposed = |g: usize| -> [Lanes<F>; LANES] {
            std::array::from_fn(|l| std::array::from_fn(|u| d[g * LANES + u][l]))
        };
        let first = c == 0;
        let accumulate = |target: &mut [F], sums: &[F]| {
            for (t, &s) in target.iter_mut().zip(sums) {
                *t = if first { s } else { *t + s };
            }
        };
        if let Some(db) = db.get_mut(j0..j0 + N) {
            for g in 0..groups {
                let dt = transposed(g);
                let sums: Lanes<F> =
                    std::array::from_fn(|u| ((dt[0][u] + dt[1][u]) + dt[2][u]) + dt[3][u]);
                accumulate(&mut db[g * LANES..], &sums);
            }
            for j in groups * LANES..N {
                accumulate(&mut db[j..], &[horizontal_sum(d[j])]);
            }
        }
        let rows = x.iter().skip(c).step_by(chunks).take(shape.fan_in);
        for (i, xs) in rows.enumerate() {
            let start = i * shape.fan_out + j0;
            let Some(row) = dw.get_mut(start..start + N) else {
                break;
            };
            for g in 0..groups {
                let dt = transposed(g);
                let sums: Lanes<F> = std::array::from_fn(|u| {
                    ((xs[0] * dt[0][u] + xs[1] * dt[1][u]) + xs[2] * dt[2][u]) + xs[3] * dt[3][u]
                });
                accumulate(&mut row[g * LANES..], &sums);
            }
            for j in groups * LANES..N {
                let s = horizontal_sum(std::array::from_fn(|l| xs[l] * d[j][l]));
                accumulate(&mut row[j..], &[s]);
            }
        }
    }
}

const _: () = assert!(LANES == 4, "horizontal_sum adds four lanes");

/// The sum of the lanes, added left to right.
#[inline(always)]
fn horizontal_sum<F: Float>(acc: Lanes<F>) -> F {
    ((acc[0] + acc[1]) + acc[2]) + acc[3]
}
