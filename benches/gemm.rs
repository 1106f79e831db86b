//! Which matrix product the dense path uses: ndarray's `general_mat_mul` (over
//! `matrixmultiply`, with its `threading` feature) against the `gemm` crate, on the
//! products of one training step of lab 10-3's 784-256-256-10 net and lab 10-4's
//! 784-512x4-10 at batch 100, and on a 2000x2000 square, one and two threads, in one
//! run.
//!
//! Run with `cargo bench --bench gemm`. `matrixmultiply` reads its thread count from
//! `MATMUL_NUM_THREADS` once per process, so the bench runs itself twice more as child
//! processes (one thread, two threads) for its column. Each figure is GFLOP/s
//! (`2 m n k` per product), the best of five rounds of about 0.2 s, and the "step" line
//! is the products of one step in sequence.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use ndarray::linalg::general_mat_mul;
use ndarray::Array2;
use tbtrain::nn::matmul::matmul;

/// A product `[m, k] x [k, n]`; `ta` / `tb`: that operand is a transposed view.
#[derive(Clone, Copy)]
struct Shape {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
}

const fn p(name: &'static str, m: usize, k: usize, n: usize, ta: bool, tb: bool) -> Shape {
    Shape {
        name,
        m,
        k,
        n,
        ta,
        tb,
    }
}

/// One step of 784-256-256-10 at batch 100: forward `x W`, then `x^T dz` and `dz W^T`.
const STEP_256: [Shape; 8] = [
    p("x W    100x784x256", 100, 784, 256, false, false),
    p("x W    100x256x256", 100, 256, 256, false, false),
    p("x W    100x256x10", 100, 256, 10, false, false),
    p("x^T dz 256x100x10", 256, 100, 10, true, false),
    p("dz W^T 100x10x256", 100, 10, 256, false, true),
    p("x^T dz 256x100x256", 256, 100, 256, true, false),
    p("dz W^T 100x256x256", 100, 256, 256, false, true),
    p("x^T dz 784x100x256", 784, 100, 256, true, false),
];

/// The wide products of 784-512x4-10.
const WIDE_512: [Shape; 4] = [
    p("x W    100x784x512", 100, 784, 512, false, false),
    p("x W    100x512x512", 100, 512, 512, false, false),
    p("x^T dz 512x100x512", 512, 100, 512, true, false),
    p("dz W^T 100x512x512", 100, 512, 512, false, true),
];

const SQUARE: Shape = p("square 2000x2000x2000", 2000, 2000, 2000, false, false);

struct Operands {
    a: Array2<f32>,
    b: Array2<f32>,
    c: Array2<f32>,
    shape: Shape,
}

impl Operands {
    fn new(shape: Shape) -> Self {
        let fill = |r: usize, c: usize| {
            Array2::from_shape_fn((r, c), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.1 - 0.6)
        };
        let a = if shape.ta {
            fill(shape.k, shape.m)
        } else {
            fill(shape.m, shape.k)
        };
        let b = if shape.tb {
            fill(shape.n, shape.k)
        } else {
            fill(shape.k, shape.n)
        };
        Operands {
            a,
            b,
            c: Array2::zeros((shape.m, shape.n)),
            shape,
        }
    }

    fn flops(&self) -> f64 {
        2.0 * (self.shape.m * self.shape.k * self.shape.n) as f64
    }
}

/// GFLOP/s of `run` over `ops` (all of them in sequence per repetition): the best of five
/// rounds of about `seconds / 5`.
fn rate(ops: &mut [Operands], seconds: f64, run: &dyn Fn(&mut Operands)) -> f64 {
    let flops: f64 = ops.iter().map(Operands::flops).sum();
    for o in ops.iter_mut() {
        run(o);
    }
    let mut best = 0.0f64;
    for _ in 0..5 {
        let start = Instant::now();
        let mut reps = 0u64;
        while start.elapsed().as_secs_f64() < seconds / 5.0 {
            for o in ops.iter_mut() {
                run(o);
            }
            reps += 1;
        }
        best = best.max(flops * reps as f64 / start.elapsed().as_secs_f64() / 1e9);
    }
    for o in ops.iter() {
        black_box(&o.c);
    }
    best
}

/// `c = a b` through ndarray on the (possibly transposed) views, as the dense path would.
fn views_product(o: &mut Operands) {
    let Operands { a, b, c, shape } = o;
    let a = if shape.ta { a.t() } else { a.view() };
    let b = if shape.tb { b.t() } else { b.view() };
    general_mat_mul(1.0, &a, &b, 0.0, c);
}

fn gemm_product(threads: usize) -> impl Fn(&mut Operands) {
    move |o: &mut Operands| {
        let Operands { a, b, c, shape } = o;
        let a = if shape.ta { a.t() } else { a.view() };
        let b = if shape.tb { b.t() } else { b.view() };
        matmul(a, b, c.view_mut(), false, threads);
    }
}

/// The shapes, each alone, then the step's products in sequence.
fn groups() -> Vec<(String, Vec<Shape>)> {
    let mut groups: Vec<(String, Vec<Shape>)> = STEP_256
        .iter()
        .chain(&WIDE_512)
        .chain([&SQUARE])
        .map(|s| (s.name.to_string(), vec![*s]))
        .collect();
    groups.push(("step of 784-256-256-10".to_string(), STEP_256.to_vec()));
    groups
}

fn seconds(shapes: &[Shape]) -> f64 {
    if shapes.iter().any(|s| s.m == 2000) {
        3.0
    } else {
        1.0
    }
}

fn main() {
    // A child: matrixmultiply's column at the thread count its parent set.
    if std::env::args().any(|a| a == "--matrixmultiply-child") {
        for (name, shapes) in groups() {
            let mut ops: Vec<Operands> = shapes.iter().map(|s| Operands::new(*s)).collect();
            let r = rate(&mut ops, seconds(&shapes), &views_product);
            println!("{name}\t{r:.1}");
        }
        return;
    }
    let exe = std::env::current_exe().expect("the bench's own path");
    let child = |threads: &str| -> Vec<(String, f64)> {
        let out = Command::new(&exe)
            .arg("--matrixmultiply-child")
            .env("MATMUL_NUM_THREADS", threads)
            .output()
            .expect("the bench runs itself");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (name, r) = l.split_once('\t')?;
                Some((name.to_string(), r.parse().ok()?))
            })
            .collect()
    };
    let mm1 = child("1");
    let mm2 = child("2");
    println!("GFLOP/s, best of 5 rounds; f32, row-major, transposes as views");
    println!(
        "{:<26} {:>8} {:>8} {:>8} {:>8}",
        "product", "mm 1t", "mm 2t", "gemm 1t", "gemm 2t"
    );
    for (name, shapes) in groups() {
        let mut ops: Vec<Operands> = shapes.iter().map(|s| Operands::new(*s)).collect();
        let g1 = rate(&mut ops, seconds(&shapes), &gemm_product(1));
        let g2 = rate(&mut ops, seconds(&shapes), &gemm_product(2));
        let find =
            |v: &[(String, f64)]| v.iter().find(|(n, _)| *n == name).map_or(f64::NAN, |x| x.1);
        println!(
            "{name:<26} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            find(&mm1),
            find(&mm2),
            g1,
            g2
        );
    }
}
