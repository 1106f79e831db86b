//! The matrix product of the [`dense`](super::dense) path: `c = a b` or `c += a b` on
//! ndarray views, through the `gemm` crate (sarah-ek's), which takes any strides, so
//! `x^T` and `W^T` are views, never copies.
//!
//! Why `gemm`: on this project's 2-core AVX2 machine it multiplied the shapes of
//! 784-256-256-10 at batch 100 (and of 784-512x4-10) faster than ndarray's
//! `general_mat_mul` over `matrixmultiply` with its `threading` feature, on one thread
//! and on two (`cargo bench --bench gemm` measures both in one run).
//!
//! Threads: `threads > 1` splits a product over rayon's global pool (whose size is the
//! machine's cores), the caller waiting; the crate runs a product below 48 x 48 x 256
//! multiply-adds on one thread whatever it is asked. Allocation: the crate allocates a
//! few buffers per product (the packed operands and a flag per block of rows; see
//! `tests/nn_alloc.rs`), reused by nothing; glibc serves them from its free lists.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::float::Float;

/// Neither half of a split product is narrower than this.
const SPLIT_MIN: usize = 16;
/// Multiply-adds below which a product stays on one thread (a join costs a few
/// microseconds).
const SPLIT_WORK: usize = 1 << 18;

/// `c = a b`, or `c += a b` when `accumulate`, on `threads` threads (1: the caller's
/// alone). `a` is `[m, k]`, `b` `[k, n]` and `c` `[m, n]`, each with any strides.
///
/// # Panics
/// If the shapes do not fit together: the callers size every buffer from the network's
/// shape, so that is a bug, not an input.
#[inline]
pub fn matmul<F: Float>(
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    mut c: ArrayViewMut2<'_, F>,
    accumulate: bool,
    threads: usize,
) {
    let ((m, k), (k_b, n)) = (a.dim(), b.dim());
    assert!(
        k == k_b && c.dim() == (m, n),
        "matmul of {m}x{k} by {k_b}x{n} into {:?}",
        c.dim()
    );
    // Two or more threads: the product is cut in two along its larger output
    // dimension and the halves run side by side (rayon::join), each on one thread.
    if threads > 1 && m.max(n) >= 2 * SPLIT_MIN && m * n * k >= SPLIT_WORK {
        if n >= m {
            let half = n / 2;
            let (b1, b2) = b.split_at(ndarray::Axis(1), half);
            let (c1, c2) = c.split_at(ndarray::Axis(1), half);
            rayon::join(
                || matmul(a, b1, c1, accumulate, threads / 2),
                || matmul(a, b2, c2, accumulate, threads - threads / 2),
            );
        } else {
            let half = m / 2;
            let (a1, a2) = a.split_at(ndarray::Axis(0), half);
            let (c1, c2) = c.split_at(ndarray::Axis(0), half);
            rayon::join(
                || matmul(a1, b, c1, accumulate, threads / 2),
                || matmul(a2, b, c2, accumulate, threads - threads / 2),
            );
        }
        return;
    }
    let parallelism = ::gemm::Parallelism::None;
    let (sa, sb, sc) = (a.strides(), b.strides(), c.strides());
    let (a_rs, a_cs, b_rs, b_cs) = (sa[0], sa[1], sb[0], sb[1]);
    let (c_rs, c_cs) = (sc[0], sc[1]);
    // SAFETY: every pointer and stride comes from a live ndarray view whose shape was
    // checked above to be [m, k], [k, n] and [m, n], so each index `gemm` forms stays
    // inside its view; `c` is borrowed mutably, so it aliases neither `a` nor `b`; `F`
    // is f32 or f64, the types `gemm` dispatches to its kernels.
    unsafe {
        ::gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            accumulate,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            F::ONE,
            F::ONE,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn products_with_transposed_views_and_accumulation() {
        let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let b = array![[1.0f64, 0.5], [-1.0, 2.0], [0.0, 1.0]];
        let mut c = Array2::from_elem((2, 2), 9.0);
        matmul(a.view(), b.view(), c.view_mut(), false, 1);
        assert_eq!(c, array![[-1.0, 7.5], [-1.0, 18.0]]);
        matmul(a.view(), b.view(), c.view_mut(), true, 2);
        assert_eq!(c, array![[-2.0, 15.0], [-2.0, 36.0]]);
        // a^T b^T through strides: (b a)^T.
        let mut t = Array2::zeros((3, 3));
        matmul(a.t(), b.t(), t.view_mut(), false, 1);
        assert_eq!(t, a.t().dot(&b.t()));
        // Into a transposed destination.
        let mut ct = Array2::zeros((2, 2));
        matmul(a.view(), b.view(), ct.view_mut().reversed_axes(), false, 1);
        assert_eq!(ct.t(), a.dot(&b));
    }

    #[test]
    fn large_products_agree_on_one_and_two_threads() {
        let a = Array2::from_shape_fn((100, 300), |(i, j)| ((i * 7 + j * 3) % 13) as f32 - 6.0);
        let b = Array2::from_shape_fn((300, 200), |(i, j)| ((i + 5 * j) % 7) as f32 - 3.0);
        let mut one = Array2::zeros((100, 200));
        let mut two = Array2::zeros((100, 200));
        matmul(a.view(), b.view(), one.view_mut(), false, 1);
        matmul(a.view(), b.view(), two.view_mut(), false, 2);
        // Small integers: every sum is exact, whatever the order.
        assert_eq!(one, a.dot(&b));
        assert_eq!(two, one);
    }

    #[test]
    fn a_product_does_not_depend_on_the_thread_count() {
        // The shapes of a 784-256-256-10 step at batch 100, and an evaluation chunk,
        // with values whose sums round: one thread and two give the same bits, so a
        // run is the same in a sweep (one thread a run) as alone (every core).
        let value = |i: usize, j: usize| ((i * 131 + j * 71) % 997) as f32 / 997.0 - 0.5;
        for (m, k, n, ta) in [
            (100, 784, 256, false),
            (784, 100, 256, true),
            (100, 256, 784, false),
            (1000, 784, 256, false),
            (100, 256, 10, false),
        ] {
            let a = Array2::from_shape_fn(if ta { (k, m) } else { (m, k) }, |(i, j)| value(i, j));
            let a = if ta { a.t() } else { a.view() };
            let b = Array2::from_shape_fn((k, n), |(i, j)| value(j, i + 3));
            let mut one = Array2::zeros((m, n));
            let mut two = Array2::zeros((m, n));
            matmul(a, b.view(), one.view_mut(), false, 1);
            matmul(a, b.view(), two.view_mut(), false, 2);
            assert!(
                one.iter()
                    .zip(&two)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{m}x{k}x{n}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "matmul of 2x3 by 2x2")]
    fn mismatched_shapes_are_a_bug() {
        let a = Array2::<f32>::zeros((2, 3));
        let b = Array2::<f32>::zeros((2, 2));
        matmul(
            a.view(),
            b.view(),
            Array2::zeros((2, 2)).view_mut(),
            false,
            1,
        );
    }
}
