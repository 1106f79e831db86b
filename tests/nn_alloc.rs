//! What a training step allocates, counted by this test binary's own global allocator
//! on the test's thread and on the step's helper threads (`tbtrain::nn::pool`; the test
//! harness's own thread is not counted: it may still be busy when the test starts).
//!
//! - The lanes path (the lesson's small nets): nothing, for every hidden activation,
//!   optimizer, two or ten classes, with and without dropout, and the logging accessors.
//! - The dense path (matrix products): nothing of tbtrain's own, but the `gemm` crate
//!   allocates inside each product: a vector of flags (one byte per block of rows it may
//!   pack), on each thread that takes part, and the packed operands when it packs them.
//!   Once per thread it also makes a slab the size of its L2 cache (thread-local, kept).
//!   Measured for lab 10-3's 784-256-256-10 net at batch 100 (8 products a step): 14
//!   allocations and 713 KB a step on one thread, 20 on two (`--nocapture` prints them);
//!   asserted below: the same every step on one thread, at most two per product per
//!   thread, and no growth.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{array, Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tbtrain::nn::{Activation, Init, Mlp, MlpConfig, Optimizer, OptimizerKind, Path, Workspace};

struct Counting;

/// Allocations (and reallocations) on the counted threads, and the bytes they asked for.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Whether this thread's allocations count: the test's and the helper threads.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count(bytes: usize) {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> (u64, u64) {
    (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    )
}

/// What a step is run with.
#[derive(Debug, Clone, Copy)]
struct Run {
    width: usize,
    depth: usize,
    hidden: Activation,
    kind: OptimizerKind,
    classes: usize,
    dropout: f32,
    threads: usize,
    /// The path, or `None` for the one [`Path::choose`] picks.
    path: Option<Path>,
}

/// Allocations (count, bytes) made by `steps` training steps, each followed (if
/// `evaluate`) by an evaluation and the logging accessors, after everything was built
/// and one step ran.
fn count_step_allocations(
    run: Run,
    x: &Array2<f32>,
    y: &Array1<f32>,
    steps: u64,
    evaluate: bool,
) -> (u64, u64, Path) {
    // He weights send a depth-11 maxout net to infinity; Glorot's keep it finite.
    let init = match run.hidden {
        Activation::Maxout { .. } => Init::Xavier,
        _ => Init::He,
    };
    let config = MlpConfig {
        inputs: x.ncols(),
        width: run.width,
        depth: run.depth,
        hidden: run.hidden,
        init,
        classes: run.classes,
    };
    let mut mlp = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
    let mut opt = Optimizer::new(run.kind, &mlp);
    let mut ws = match run.path {
        Some(path) => Workspace::with_path(&mlp, x.nrows(), path).unwrap(),
        None => Workspace::new(&mlp, x.nrows()).unwrap(),
    };
    ws.set_dropout(run.dropout, 5).unwrap();
    ws.set_threads(run.threads).unwrap();
    let mut sum = ws
        .step(&mut mlp, &mut opt, x.view(), y.view(), 0.01)
        .unwrap();
    let before = allocations();
    for _ in 0..steps {
        sum += ws
            .step(&mut mlp, &mut opt, x.view(), y.view(), 0.01)
            .unwrap();
        if !evaluate {
            continue;
        }
        sum += ws.forward(&mlp, x.view(), y.view()).unwrap();
        // The logging accessors borrow; they must not allocate either.
        sum += ws.grad_norm(0).unwrap() + ws.output()[0] + ws.accuracy();
        sum += ws.activations(1).unwrap()[[0, 0]] + ws.weight_grads(1).unwrap()[[0, 0]];
        sum += ws.pre_activations(1).unwrap()[[0, 0]] + ws.bias_grads(1).unwrap()[0];
        sum += ws.probabilities()[[0, 0]] + ws.predicted_classes()[0] as f32;
    }
    let after = allocations();
    assert!(sum.is_finite());
    (after.0 - before.0, after.1 - before.1, ws.path())
}

#[test]
fn what_a_training_step_allocates() {
    COUNTED.set(true);
    // Every helper has started (and made its own first allocations) before counting.
    tbtrain::nn::pool::on_every_helper(|| COUNTED.set(true));
    let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let y = array![0.0f32, 1.0, 1.0, 0.0];
    // A batch that needs padding (7 -> 8 columns), and a wide layer.
    let x7 = Array2::from_shape_fn((7, 3), |(i, j)| (i * 3 + j) as f32 * 0.1);
    let y7 = array![0.0f32, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let y10 = array![0.0f32, 9.0, 3.0, 4.0, 1.0, 0.0, 7.0];
    let hiddens = [
        Activation::Sigmoid,
        Activation::Relu,
        Activation::Gelu,
        Activation::Maxout { pieces: 2 },
        Activation::Maxout { pieces: 3 },
    ];
    for hidden in hiddens {
        for kind in [
            OptimizerKind::Sgd,
            OptimizerKind::Momentum,
            OptimizerKind::Adam,
        ] {
            for width in [5, 12] {
                let run = Run {
                    width,
                    depth: 11,
                    hidden,
                    kind,
                    classes: 2,
                    dropout: 0.0,
                    threads: 2,
                    // The rule picks lanes for width 5 and batch 4; wider or longer
                    // batches may go to the dense path, so lanes is asked for.
                    path: (width > 5).then_some(Path::Lanes),
                };
                for (x, y, classes, dropout) in [
                    (&x, &y, 2, 0.0),
                    (&x7, &y7, 2, 0.0),
                    (&x7, &y10, 10, 0.0),
                    (&x7, &y10, 10, 0.5),
                ] {
                    let run = Run {
                        classes,
                        dropout,
                        ..run
                    };
                    let (made, _, path) = count_step_allocations(run, x, y, 100, true);
                    assert_eq!(path, Path::Lanes, "{run:?}");
                    assert_eq!(made, 0, "{run:?} batch {}", x.nrows());
                }
            }
        }
    }

    // The dense path: lab 10-3's net at batch 100, Adam, on one and two threads.
    let x = Array2::from_shape_fn((100, 784), |(i, j)| ((i * 7 + j) % 255) as f32 / 255.0);
    let y = Array1::from_shape_fn(100, |i| (i % 10) as f32);
    // Forward x W for 3 layers, x^T dz for 3, dz W^T for the upper 2: 8 products, cut
    // by their shapes into 15 calls of the gemm kernel (matmul's blocks: 2 + 2 + 1
    // forward, 4 + 2 + 1 for dW, 2 + 1 for dx), whatever the threads.
    let calls = 15;
    for threads in [1, 2] {
        for dropout in [0.0, 0.3] {
            let run = Run {
                width: 256,
                depth: 3,
                hidden: Activation::Relu,
                kind: OptimizerKind::Adam,
                classes: 10,
                dropout,
                threads,
                path: None,
            };
            let (once, once_bytes, path) = count_step_allocations(run, &x, &y, 1, false);
            assert_eq!(path, Path::Dense);
            let (made, bytes, _) = count_step_allocations(run, &x, &y, 200, false);
            println!(
                "{threads} thread(s), dropout {dropout}: {:.2} allocations, {:.0} bytes per step",
                made as f64 / 200.0,
                bytes as f64 / 200.0
            );
            assert!(once > 0, "gemm allocates; if it stops, say so in the docs");
            if threads == 1 {
                assert_eq!((made, bytes), (200 * once, 200 * once_bytes), "{run:?}");
            }
            // At most two per kernel call; each thread's one-time slab aside.
            let bound = 200 * 2 * calls + threads as u64;
            assert!(made <= bound, "{run:?}: {made} allocations in 200 steps");
        }
    }

    // The counter works: building a workspace does allocate.
    let before = allocations().0;
    let config = MlpConfig {
        inputs: 2,
        width: 5,
        depth: 2,
        hidden: Activation::Relu,
        init: Init::Uniform,
        classes: 2,
    };
    let mlp = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    let _ws = Workspace::new(&mlp, 4).unwrap();
    assert!(allocations().0 > before);
}
