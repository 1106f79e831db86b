//! The matrix product of the [`dense`](super::dense) path: `c = a b` or `c += a b` on
//! ndarray views, through the `gemm` crate (sarah-ek's), which takes any strides, so
//! `x^T` and `W^T` are views, never copies.
//!
//! Why `gemm`: on this project's 2-core AVX2 machine it multiplied the shapes of
//! 784-256-256-10 at batch 100 (and of 784-512x4-10) faster than ndarray's
//! `general_mat_mul` over `matrixmultiply` with its `threading` feature, on one thread
//! and on two (`cargo bench --bench gemm` measures both in one run).
//!
//! Threads: a large product is cut into blocks by its shape alone ([`matmul`]), which
//! `threads > 1` runs side by side on the step's helper threads ([`pool`]),
//! the caller taking its share; each block is one call of the crate's one-thread kernel.
//! Allocation: the crate allocates a few buffers per call (the packed operands and a
//! flag per block of rows; see `tests/nn_alloc.rs`: 26 a step of lab 10-3's net, 0.8 MB),
//! reused by nothing; glibc serves them from its free lists.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::float::Float;
use super::pool;

/// A product is cut into blocks no narrower than this (rows or columns of `c`).
const BLOCK_MIN: usize = 128;
/// Halvings at most: up to 8 blocks, for up to 8 cores.
const MAX_LEVELS: u32 = 3;
/// Multiply-adds below which a product is not cut (a join costs a few microseconds).
const SPLIT_WORK: usize = 1 << 18;

/// `c = a b`, or `c += a b` when `accumulate`, on `threads` threads (1: the caller's
/// alone). `a` is `[m, k]`, `b` `[k, n]` and `c` `[m, n]`, each with any strides.
///
/// A large product is cut into blocks of `c` by halving its larger dimension (at most
/// 3 times, no block under 128 wide), each block one call of the
/// crate's one-thread kernel. The cut depends on the shape alone: with several threads
/// the blocks run side by side ([`pool::join_halves`], each half with half the threads), with
/// one in turn, and every element is
/// the same sum either way, so a run gives the same bits on any number of threads (in
/// a sweep's job, one; alone, every core).
///
/// # Panics
/// If the shapes do not fit together: the callers size every buffer from the network's
/// shape, so that is a bug, not an input.
#[inline]
pub fn matmul<F: Float>(
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    c: ArrayViewMut2<'_, F>,
    accumulate: bool,
    threads: usize,
) {
    let ((m, k), (k_b, n)) = (a.dim(), b.dim());
    assert!(
        k == k_b && c.dim() == (m, n),
        "matmul of {m}x{k} by {k_b}x{n} into {:?}",
        c.dim()
    );
    let levels = if m.saturating_mul(n).saturating_mul(k) < SPLIT_WORK {
        0
    } else {
        let mut wide = m.max(n);
        let mut levels = 0;
        while levels < MAX_LEVELS && wide / 2 >= BLOCK_MIN {
            wide /= 2;
            levels += 1;
        }
        levels
    };
    blocks(a, b, c, accumulate, levels, threads);
}

/// `c (+)= a b` cut `levels` times in halves of its larger dimension, the halves side by
/// side while there are `threads` to share.
fn blocks<F: Float>(
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    c: ArrayViewMut2<'_, F>,
    accumulate: bool,
    levels: u32,
    threads: usize,
) {
    let (m, n) = c.dim();
    if levels == 0 || m.max(n) < 2 {
        return kernel(a, b, c, accumulate);
    }
    let next = levels - 1;
    if n >= m {
        let (b1, b2) = b.split_at(ndarray::Axis(1), n / 2);
        let (c1, c2) = c.split_at(ndarray::Axis(1), n / 2);
        pool::join_halves(
            move |t| blocks(a, b1, c1, accumulate, next, t),
            move |t| blocks(a, b2, c2, accumulate, next, t),
            threads,
        );
    } else {
        let (a1, a2) = a.split_at(ndarray::Axis(0), m / 2);
        let (c1, c2) = c.split_at(ndarray::Axis(0), m / 2);
        pool::join_halves(
            move |t| blocks(a1, b, c1, accumulate, next, t),
            move |t| blocks(a2, b, c2, accumulate, next, t),
            threads,
        );
    }
}

/// One call of the crate's kernel on the caller's thread.
fn kernel<F: Float>(
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    mut c: ArrayViewMut2<'_, F>,
    accumulate: bool,
) {
    let ((m, k), n) = (a.dim(), b.ncols());
    debug_assert!(b.nrows() == k && c.dim() == (m, n));
    let parallelism = ::gemm::Parallelism::None;
    let (sa, sb, sc) = (a.strides(), b.strides(), c.strides());
    let (a_rs, a_cs, b_rs, b_cs) = (sa[0], sa[1], sb[0], sb[1]);
    let (c_rs, c_cs) = (sc[0], sc[1]);
    // SAFETY: every pointer and stride comes from a live ndarray view whose shape was
    // checked by `matmul` to be [m, k], [k, n] and [m, n] (a block's views are halves of
    // those, cut along the same axis of `c` and its operand), so each index `gemm` forms stays
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
    use ndarray::{array, Array2, Axis};

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

    /// (m, k, n, a transposed, b transposed, accumulate): the products of a
    /// 784-256-256-10 step at batch 100 (`x W + b`, `x^T dz`, `dz W^T`), a 1,000-row
    /// evaluation chunk and 784-512x4-10's hidden product.
    const WIDE: [(usize, usize, usize, bool, bool, bool); 5] = [
        (100, 784, 256, false, false, true),
        (784, 100, 256, true, false, false),
        (100, 256, 256, false, true, false),
        (1000, 784, 256, false, false, true),
        (100, 512, 512, false, true, false),
    ];

    /// One product of that shape, with values whose sums round.
    struct Product {
        a: Array2<f32>,
        b: Array2<f32>,
        ta: bool,
        tb: bool,
        /// `c` before the product (added to when accumulating).
        start: Array2<f32>,
    }

    impl Product {
        fn new((m, k, n, ta, tb, _): (usize, usize, usize, bool, bool, bool)) -> Product {
            let value = |i: usize, j: usize| ((i * 131 + j * 71) % 997) as f32 / 997.0 - 0.5;
            Product {
                a: Array2::from_shape_fn(if ta { (k, m) } else { (m, k) }, |(i, j)| value(i, j)),
                b: Array2::from_shape_fn(if tb { (n, k) } else { (k, n) }, |(i, j)| {
                    value(j, i + 3)
                }),
                ta,
                tb,
                start: Array2::from_shape_fn((m, n), |(i, j)| value(i + 7, j)),
            }
        }

        fn a(&self) -> ArrayView2<'_, f32> {
            if self.ta {
                self.a.t()
            } else {
                self.a.view()
            }
        }

        fn b(&self) -> ArrayView2<'_, f32> {
            if self.tb {
                self.b.t()
            } else {
                self.b.view()
            }
        }
    }

    fn same_bits(x: &Array2<f32>, y: &Array2<f32>) -> bool {
        x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
    }

    #[test]
    fn a_product_does_not_depend_on_the_thread_count() {
        // One thread and two give the same bits, so a run is the same in a sweep (one
        // thread a run) as alone (every core).
        let narrow = (100, 256, 10, false, false, true);
        for shape in WIDE.into_iter().chain([narrow]) {
            let (m, k, n, _, _, acc) = shape;
            let p = Product::new(shape);
            let (a, b) = (p.a(), p.b());
            let (mut one, mut two, mut four) = (p.start.clone(), p.start.clone(), p.start.clone());
            matmul(a, b, one.view_mut(), acc, 1);
            matmul(a, b, two.view_mut(), acc, 2);
            matmul(a, b, four.view_mut(), acc, 4);
            assert!(
                same_bits(&one, &two) && same_bits(&one, &four),
                "{m}x{k}x{n}"
            );
        }
    }

    #[test]
    fn a_product_cut_anywhere_gives_the_same_bits() {
        // Two kernel calls on the two sides of any cut of the wider dimension of `c`
        // (any multiple of 8) give the bits of one call on the whole: the crate's
        // blocking along `k` depends on `k` alone.
        for shape in WIDE {
            let (m, k, n, _, _, acc) = shape;
            let p = Product::new(shape);
            let (a, b) = (p.a(), p.b());
            let mut whole = p.start.clone();
            kernel(a, b, whole.view_mut(), acc);
            for cut in (8..m.max(n)).step_by(8) {
                let mut parts = p.start.clone();
                let c = parts.view_mut();
                if n >= m {
                    let (b1, b2) = b.split_at(Axis(1), cut);
                    let (c1, c2) = c.split_at(Axis(1), cut);
                    kernel(a, b1, c1, acc);
                    kernel(a, b2, c2, acc);
                } else {
                    let (a1, a2) = a.split_at(Axis(0), cut);
                    let (c1, c2) = c.split_at(Axis(0), cut);
                    kernel(a1, b, c1, acc);
                    kernel(a2, b, c2, acc);
                }
                assert!(same_bits(&whole, &parts), "{m}x{k}x{n} cut at {cut}");
            }
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
