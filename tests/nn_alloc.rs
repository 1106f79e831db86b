//! Proves that a training step allocates nothing: a counting global allocator (this test
//! binary's own) counts the allocations made by the current thread during many steps.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ndarray::{array, Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tbtrain::nn::{Activation, Init, Mlp, MlpConfig, Optimizer, OptimizerKind, Workspace};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Allocations made by `steps` training steps (after everything was built).
fn count_step_allocations(
    width: usize,
    hidden: Activation,
    kind: OptimizerKind,
    x: &Array2<f32>,
    y: &Array1<f32>,
) -> u64 {
    // He weights send a depth-11 maxout net to infinity; Glorot's keep it finite.
    let init = match hidden {
        Activation::Maxout { .. } => Init::Xavier,
        _ => Init::He,
    };
    let config = MlpConfig {
        inputs: x.ncols(),
        width,
        depth: 11,
        hidden,
        init,
    };
    let mut mlp = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
    let mut opt = Optimizer::new(kind, &mlp);
    let mut ws = Workspace::new(&mlp, x.nrows()).unwrap();
    let before = allocations();
    let mut sum = 0.0;
    for _ in 0..100 {
        sum += ws
            .step(&mut mlp, &mut opt, x.view(), y.view(), 0.01)
            .unwrap();
        sum += ws.forward(&mlp, x.view(), y.view()).unwrap();
        // The logging accessors borrow; they must not allocate either.
        sum += ws.grad_norm(0).unwrap() + ws.output()[0] + ws.accuracy();
        sum += ws.activations(3).unwrap()[[0, 0]] + ws.weight_grads(2).unwrap()[[0, 0]];
        sum += ws.pre_activations(3).unwrap()[[0, 0]] + ws.bias_grads(2).unwrap()[0];
    }
    let made = allocations() - before;
    assert!(sum.is_finite());
    made
}

#[test]
fn a_training_step_allocates_nothing() {
    let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let y = array![0.0f32, 1.0, 1.0, 0.0];
    // A batch that needs padding (7 -> 8 columns), and a wide layer.
    let x7 = Array2::from_shape_fn((7, 3), |(i, j)| (i * 3 + j) as f32 * 0.1);
    let y7 = array![0.0f32, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
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
                let made = count_step_allocations(width, hidden, kind, &x, &y);
                assert_eq!(made, 0, "{hidden} {kind} width {width}");
                let made = count_step_allocations(width, hidden, kind, &x7, &y7);
                assert_eq!(made, 0, "{hidden} {kind} width {width} batch 7");
            }
        }
    }
    // The counter works: building a workspace does allocate.
    let before = allocations();
    let config = MlpConfig {
        inputs: 2,
        width: 5,
        depth: 2,
        hidden: Activation::Relu,
        init: Init::Uniform,
    };
    let mlp = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    let _ws = Workspace::new(&mlp, 4).unwrap();
    assert!(allocations() > before);
}
