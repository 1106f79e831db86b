//! The training step: forward pass, cross-entropy, backward pass and optimizer update, in
//! buffers made once so that a step allocates nothing.
//!
//! Inside, every per-example buffer is stored feature-major, `[units][chunks]` of
//! `[F; LANES]` lane vectors, with the batch along the lanes, padded to a multiple of
//! [`LANES`] (the padding columns carry zero inputs and zero deltas, so they never touch a
//! gradient). The loops over them are in the private `kernels` module; on 4x5 matrices
//! ndarray's general `dot` costs more per call than the arithmetic itself. The read-only
//! accessors present the usual `[batch, units]` shape as ndarray views. A workspace
//! serves one network shape and one batch size.

use ndarray::{s, ArrayView1, ArrayView2};

use super::float::Float;
use super::kernels::{backward_layer, forward_layer, Below, Lanes, Params, Shape};
use super::loss;
use super::mlp::Mlp;
use super::optim::{Optimizer, OptimizerKind};
use super::Error;

pub use super::kernels::LANES;

/// Every buffer of a training step for one network shape and batch size.
#[derive(Debug, Clone)]
pub struct Workspace<F = f32> {
    batch: usize,
    /// Chunks of [`LANES`] columns per unit: `batch` rounded up, divided by `LANES`.
    chunks: usize,
    /// `(fan_in, fan_out)` of every layer, to check the network passed to a step.
    shapes: Vec<(usize, usize)>,
    /// The inputs, transposed: `[inputs][chunks]`.
    input: Vec<Lanes<F>>,
    /// The labels, `[chunks * LANES]` (zero in the padding).
    labels: Vec<F>,
    /// Pre-activations `z = matmul(L, W) + b` per layer, `[fan_out][chunks]`.
    z: Vec<Vec<Lanes<F>>>,
    /// Activations per layer, `[fan_out][chunks]`.
    a: Vec<Vec<Lanes<F>>>,
    /// `dCost/dz` per layer, `[fan_out][chunks]`.
    delta: Vec<Vec<Lanes<F>>>,
    /// `dCost/dW` per layer, `[fan_in, fan_out]` row-major.
    dw: Vec<Vec<F>>,
    /// `dCost/db` per layer, `[fan_out]`.
    db: Vec<Vec<F>>,
    /// The cost of the last forward pass.
    cost: F,
}

impl<F: Float> Workspace<F> {
    /// Buffers for training `mlp` on batches of `batch` examples.
    pub fn new(mlp: &Mlp<F>, batch: usize) -> Result<Self, Error> {
        if batch == 0 {
            return Err(Error::EmptyBatch);
        }
        let chunks = batch.div_ceil(LANES);
        let shapes: Vec<_> = mlp
            .layers()
            .iter()
            .map(|l| (l.fan_in(), l.fan_out()))
            .collect();
        let per_unit = || -> Vec<Vec<Lanes<F>>> {
            shapes
                .iter()
                .map(|&(_, fan_out)| vec![[F::ZERO; LANES]; fan_out * chunks])
                .collect()
        };
        Ok(Workspace {
            batch,
            chunks,
            input: vec![[F::ZERO; LANES]; mlp.inputs() * chunks],
            labels: vec![F::ZERO; chunks * LANES],
            z: per_unit(),
            a: per_unit(),
            delta: per_unit(),
            dw: shapes
                .iter()
                .map(|&(fan_in, fan_out)| vec![F::ZERO; fan_in * fan_out])
                .collect(),
            db: shapes
                .iter()
                .map(|&(_, fan_out)| vec![F::ZERO; fan_out])
                .collect(),
            shapes,
            cost: F::NAN,
        })
    }

    /// Examples per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Checks that `mlp`, `x` (`[batch, inputs]`) and `y` (`[batch]`) fit this workspace.
    pub fn check(
        &self,
        mlp: &Mlp<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
    ) -> Result<(), Error> {
        let fits = self.shapes.len() == mlp.depth()
            && self
                .shapes
                .iter()
                .zip(mlp.layers())
                .all(|(&shape, l)| shape == (l.fan_in(), l.fan_out()));
        if !fits {
            return Err(Error::Mismatch { what: "workspace" });
        }
        let inputs = mlp.inputs();
        if x.dim() != (self.batch, inputs) {
            return Err(Error::InputShape {
                rows: x.nrows(),
                cols: x.ncols(),
                batch: self.batch,
                inputs,
            });
        }
        if y.len() != self.batch {
            return Err(Error::LabelCount {
                found: y.len(),
                batch: self.batch,
            });
        }
        Ok(())
    }

    /// One training step: forward, cost, backward, and `opt`'s update of `mlp` with
    /// learning rate `lr`. Returns the cost computed before the update (as TensorFlow's
    /// `sess.run([cost, train])`). Allocates nothing.
    ///
    /// If the shapes do not fit (see [`check`](Self::check)), or `opt` was made for
    /// another network, nothing is updated and NaN is returned.
    pub fn step(
        &mut self,
        mlp: &mut Mlp<F>,
        opt: &mut Optimizer<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
        lr: F,
    ) -> F {
        if !opt.fits(mlp) || self.check(mlp, x, y).is_err() {
            self.cost = F::NAN;
            return F::NAN;
        }
        let cost = self.run_forward(mlp, x, y);
        self.backward(mlp, Some((opt, lr)));
        cost
    }

    /// The forward pass and the mean binary cross-entropy, without any update: for
    /// evaluating. Fills [`output`](Self::output) and the activations. NaN if the shapes
    /// do not fit.
    pub fn forward(&mut self, mlp: &Mlp<F>, x: ArrayView2<'_, F>, y: ArrayView1<'_, F>) -> F {
        if self.check(mlp, x, y).is_err() {
            self.cost = F::NAN;
            return F::NAN;
        }
        self.run_forward(mlp, x, y)
    }

    /// [`forward`](Self::forward) after the shapes were checked.
    fn run_forward(&mut self, mlp: &Mlp<F>, x: ArrayView2<'_, F>, y: ArrayView1<'_, F>) -> F {
        let chunks = self.chunks;
        for (b, row) in x.rows().into_iter().enumerate() {
            let (c, lane) = (b / LANES, b % LANES);
            let mut slots = self.input.iter_mut().skip(c).step_by(chunks);
            for (slot, &v) in slots.by_ref().zip(row) {
                slot[lane] = v;
            }
        }
        for (label, &y) in self.labels.iter_mut().zip(y) {
            *label = y;
        }
        let mut input: &[Lanes<F>] = &self.input;
        let mut outputs = self.z.iter_mut().zip(self.a.iter_mut());
        for layer in mlp.layers() {
            let Some((z, a)) = outputs.next() else {
                break;
            };
            let shape = Shape {
                fan_in: layer.fan_in,
                fan_out: layer.fan_out,
                chunks,
            };
            let (w, b) = (&layer.weights, &layer.biases);
            forward_layer(w, b, input, z, a, layer.activation, shape);
            input = a;
        }
        // The output layer has one unit, so its chunks are the batch in order.
        let logits = self.z.last().map_or(&[][..], Vec::as_slice);
        self.cost = loss::mean_bce_chunks(logits, &self.labels, self.batch);
        self.cost
    }

    /// The backward pass after [`forward`](Self::forward) with the same `mlp`: fills the
    /// deltas and the weight and bias gradients. With an optimizer, also updates each
    /// layer right after its gradients and the delta below it (which needs the old
    /// weights) are computed: the same arithmetic as a separate pass, while the buffers
    /// are in registers and cache. Plain gradient descent runs inside the kernels.
    fn backward(&mut self, mlp: &mut Mlp<F>, mut update: Option<(&mut Optimizer<F>, F)>) {
        let chunks = self.chunks;
        let n = F::from_f64(self.batch as f64);
        // Sigmoid output with cross-entropy: dCost/dz = (sigmoid(z) - y) / n. The output
        // layer has one unit, so its flattened buffer is in batch order.
        if let (Some(out), Some(delta)) = (self.a.last(), self.delta.last_mut()) {
            let real = out.as_flattened().iter().zip(&self.labels).take(self.batch);
            let delta = delta.as_flattened_mut();
            let (real_delta, padding) = delta.split_at_mut(self.batch.min(delta.len()));
            for (d, (&p, &y)) in real_delta.iter_mut().zip(real) {
                *d = (p - y) / n;
            }
            padding.fill(F::ZERO);
        }
        // Plain gradient descent is applied inside the kernels; other rules after them.
        let mut sgd_rate = None;
        if let Some((opt, lr)) = update.as_mut() {
            opt.begin_update();
            if opt.kind() == OptimizerKind::Sgd {
                sgd_rate = Some(*lr);
            }
        }
        for k in (0..mlp.layers.len()).rev() {
            let below_activation = k
                .checked_sub(1)
                .and_then(|j| mlp.layers.get(j))
                .map(|l| l.activation);
            let input = match k.checked_sub(1).and_then(|j| self.a.get(j)) {
                Some(previous) => previous,
                None => &self.input,
            };
            let (before, rest) = self.delta.split_at_mut(k);
            let (Some(layer), Some(delta), Some(dw), Some(db)) = (
                mlp.layers.get_mut(k),
                rest.first(),
                self.dw.get_mut(k),
                self.db.get_mut(k),
            ) else {
                break;
            };
            let shape = Shape {
                fan_in: layer.fan_in,
                fan_out: layer.fan_out,
                chunks,
            };
            let below = k.checked_sub(1).and_then(|j| {
                Some(Below {
                    delta: before.last_mut()?,
                    z: self.z.get(j)?,
                    a: self.a.get(j)?,
                    activation: below_activation?,
                })
            });
            let params = Params {
                w: &mut layer.weights,
                b: &mut layer.biases,
                sgd_rate,
            };
            backward_layer(params, input, delta, dw, db, below, shape);
            if let (Some((opt, lr)), None) = (update.as_mut(), sgd_rate) {
                opt.update_layer(k, &mut layer.weights, &mut layer.biases, dw, db, *lr);
            }
        }
    }

    /// The cost of the last forward pass (NaN before the first).
    pub fn cost(&self) -> F {
        self.cost
    }

    /// The sigmoid outputs of the last forward pass, `[batch]`.
    pub fn output(&self) -> ArrayView1<'_, F> {
        let out = self.a.last().map_or(&[][..], |a| a.as_flattened());
        ArrayView1::from(out.get(..self.batch).unwrap_or(&[]))
    }

    /// Fraction of the last batch classified right (output > 0.5 iff label is 1).
    pub fn accuracy(&self) -> f32 {
        let out = self.a.last().map_or(&[][..], |a| a.as_flattened());
        let output = out.get(..self.batch).unwrap_or(&[]);
        let labels = self.labels.get(..self.batch).unwrap_or(&[]);
        loss::accuracy(output, labels)
    }

    /// A per-unit buffer of layer `k` as `[batch, fan_out]`.
    fn batch_view<'a>(&self, buffers: &'a [Vec<Lanes<F>>], k: usize) -> Option<ArrayView2<'a, F>> {
        let (_, fan_out) = *self.shapes.get(k)?;
        let flat = buffers.get(k)?.as_flattened();
        let units = ArrayView2::from_shape((fan_out, self.chunks * LANES), flat).ok()?;
        Some(units.slice_move(s![.., ..self.batch]).reversed_axes())
    }

    /// Activations of layer `k` (0-based), `[batch, fan_out]`.
    pub fn activations(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        self.batch_view(&self.a, k)
    }

    /// Pre-activations `matmul(L, W) + b` of layer `k`, `[batch, fan_out]`.
    pub fn pre_activations(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        self.batch_view(&self.z, k)
    }

    /// `dCost/dW` of layer `k` from the last step, `[fan_in, fan_out]`.
    pub fn weight_grads(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        let &(fan_in, fan_out) = self.shapes.get(k)?;
        ArrayView2::from_shape((fan_in, fan_out), self.dw.get(k)?).ok()
    }

    /// `dCost/db` of layer `k` from the last step, `[fan_out]`.
    pub fn bias_grads(&self, k: usize) -> Option<ArrayView1<'_, F>> {
        self.db.get(k).map(|g| ArrayView1::from(&g[..]))
    }

    /// The L2 norm of `dCost/dW` of layer `k`: how much the layer still learns.
    pub fn grad_norm(&self, k: usize) -> Option<F> {
        let dw = self.dw.get(k)?;
        Some(dw.iter().fold(F::ZERO, |sum, &g| sum + g * g).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init, Layer, MlpConfig, OptimizerKind};
    use ndarray::{array, Array1, Array2};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const ACTIVATIONS: [Activation; 8] = crate::nn::activation::ALL_FOR_TESTS;

    fn xor() -> (Array2<f32>, Array1<f32>) {
        (
            array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
            array![0.0, 1.0, 1.0, 0.0],
        )
    }

    /// A random f64 network with random biases (so no ReLU sits on its kink) and a random
    /// batch of 5 examples (not a multiple of LANES, to exercise the padding).
    fn random_case(
        act: Activation,
        depth: usize,
        width: usize,
        batch: usize,
        seed: u64,
    ) -> (Mlp<f64>, Array2<f64>, Array1<f64>) {
        let cfg = MlpConfig {
            inputs: 3,
            width,
            depth,
            hidden: act,
            init: Init::Xavier,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut mlp = Mlp::new(&cfg, &mut rng).unwrap().cast::<f64>();
        for layer in &mut mlp.layers {
            for b in &mut layer.biases {
                *b = rng.random_range(-0.5..0.5);
            }
        }
        let x = Array2::from_shape_simple_fn((batch, 3), || rng.random_range(-1.5..1.5));
        let y = Array1::from_shape_fn(batch, |b| [0.0, 1.0, 1.0, 0.0, 1.0][b % 5]);
        (mlp, x, y)
    }

    fn param(mlp: &mut Mlp<f64>, k: usize, p: usize) -> &mut f64 {
        let layer = &mut mlp.layers[k];
        let n_weights = layer.weights.len();
        if p < n_weights {
            &mut layer.weights[p]
        } else {
            &mut layer.biases[p - n_weights]
        }
    }

    /// Sign pattern of every pre-activation: a change means a kink was crossed.
    fn signs(ws: &Workspace<f64>) -> Vec<bool> {
        ws.z.iter()
            .flat_map(|z| z.as_flattened().iter().map(|&v| v > 0.0))
            .collect()
    }

    /// Compares back-propagated gradients with central finite differences (five-point
    /// stencil, truncation error O(h^4)) in f64: they must agree within a relative error
    /// of 1e-6 plus the difference's rounding noise (the cost is only known to ~1e-16),
    /// which matters only for the vanished gradients of deep sigmoid nets.
    /// Returns (worst relative error where the relative term dominates, how many
    /// gradients that was, gradients in all).
    fn gradient_check(
        act: Activation,
        depth: usize,
        width: usize,
        batch: usize,
        seed: u64,
    ) -> (f64, usize, usize) {
        let (mut mlp, x, y) = random_case(act, depth, width, batch, seed);
        let mut ws = Workspace::new(&mlp, batch).unwrap();
        assert!(ws.forward(&mlp, x.view(), y.view()).is_finite());
        ws.backward(&mut mlp, None);
        let base_signs = signs(&ws);
        let (mut worst, mut relative, mut total) = (0.0f64, 0, 0);
        for k in 0..depth {
            let analytic: Vec<f64> = ws.dw[k].iter().chain(ws.db[k].iter()).copied().collect();
            for (p, &a) in analytic.iter().enumerate() {
                let mut cost_at = |delta: f64| -> (f64, bool) {
                    let saved = *param(&mut mlp, k, p);
                    *param(&mut mlp, k, p) = saved + delta;
                    let c = ws.forward(&mlp, x.view(), y.view());
                    *param(&mut mlp, k, p) = saved;
                    (c, signs(&ws) == base_signs)
                };
                // If a perturbation moves a pre-activation across 0 (a kink of the
                // ReLU family), the difference is meaningless there: shrink h.
                let found = [1e-3, 1e-4, 1e-5].into_iter().find_map(|h| {
                    let points: Vec<(f64, bool)> = [-2.0, -1.0, 1.0, 2.0]
                        .iter()
                        .map(|m| cost_at(m * h))
                        .collect();
                    let smooth = points.iter().all(|&(_, same)| same);
                    let c: Vec<f64> = points.iter().map(|&(c, _)| c).collect();
                    smooth.then(|| ((c[0] - 8.0 * c[1] + 8.0 * c[2] - c[3]) / (12.0 * h), h))
                });
                let Some((numeric, h)) = found else {
                    panic!("{act} depth {depth}: layer {k} parameter {p} sits on a kink");
                };
                // Rounding noise of the difference: ~1e-16 * 11 / (12 h); allow 10 times.
                let noise = 1e-15 / h;
                let scale = a.abs().max(numeric.abs());
                let error = (a - numeric).abs();
                assert!(
                    error <= 1e-6 * scale + noise,
                    "{act} depth {depth}: layer {k} parameter {p}: {a:e} vs {numeric:e}"
                );
                if a == 0.0 {
                    continue; // a genuinely zero gradient (a dead ReLU unit)
                }
                total += 1;
                if 1e-6 * scale > noise {
                    relative += 1;
                    worst = worst.max(error / scale);
                }
            }
        }
        (worst, relative, total)
    }

    #[test]
    fn gradients_match_finite_differences_for_every_activation_and_depth() {
        for act in ACTIVATIONS {
            for depth in 1..=12 {
                let (worst, relative, total) = gradient_check(act, depth, 4, 5, 100 + depth as u64);
                eprintln!("{act} depth {depth}: worst {worst:.2e} over {relative}/{total}");
                // Most gradients are well above the noise, even at depth 12.
                assert!(
                    relative * 2 > total,
                    "{act} depth {depth}: {relative}/{total}"
                );
            }
        }
    }

    #[test]
    fn gradients_match_for_wide_layers_and_long_batches() {
        // Width 19 takes unit blocks of 8, 8 and 3; a batch of 9 takes three chunks.
        for act in [Activation::Sigmoid, Activation::Relu, Activation::Tanh] {
            for depth in [1, 2, 4] {
                let (worst, relative, total) = gradient_check(act, depth, 19, 9, 7);
                assert!(
                    relative * 2 > total,
                    "{act} depth {depth}: {relative}/{total}"
                );
                assert!(worst < 1e-6, "{act} depth {depth}: {worst:e}");
            }
        }
    }

    fn xor_net(depth: usize, width: usize, hidden: Activation, seed: u64) -> Mlp {
        let cfg = MlpConfig {
            inputs: 2,
            width,
            depth,
            hidden,
            init: Init::Uniform,
        };
        Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
    }

    /// Trains like the lesson (full-batch XOR, SGD, lr 0.1); returns every cost.
    fn train_xor(mlp: &mut Mlp, kind: OptimizerKind, steps: usize) -> Vec<f32> {
        let (x, y) = xor();
        let mut opt = Optimizer::new(kind, mlp);
        let mut ws = Workspace::new(mlp, 4).unwrap();
        (0..steps)
            .map(|_| ws.step(mlp, &mut opt, x.view(), y.view(), 0.1))
            .collect()
    }

    #[test]
    fn forward_and_backward_by_hand() {
        // 2 -> 2 (sigmoid) -> 1, two examples; expected values computed in f64 from the
        // formulas (cost from the logit, dCost/dz = (sigmoid(z) - y) / n).
        let l1 = Layer::new(
            array![[0.5, -1.0], [0.25, 0.75]],
            array![0.1, -0.2],
            Activation::Sigmoid,
        );
        let l2 = Layer::new(array![[1.5], [-0.5]], array![0.05], Activation::Sigmoid);
        let mut mlp = Mlp::from_layers(vec![l1.unwrap(), l2.unwrap()]).unwrap();
        let x = array![[1.0, 2.0], [-1.0, 0.5]];
        let y = array![1.0, 0.0];
        let mut ws = Workspace::new(&mlp, 2).unwrap();
        let cost = ws.forward(&mlp, x.view(), y.view());
        ws.backward(&mut mlp, None);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        close(cost, 0.603_937_164_854_637_4);
        close(ws.cost(), cost);
        close(ws.output()[0], 0.708_512_153_316_410_7);
        close(ws.output()[1], 0.578_226_257_228_286_7);
        let z1 = ws.pre_activations(0).unwrap();
        for (&got, want) in z1.iter().zip([1.1, 0.3, -0.275, 1.175]) {
            close(got, want);
        }
        let dw1 = ws.weight_grads(0).unwrap();
        close(dw1[[0, 0]], -0.147_355_249_878_449_45);
        close(dw1[[0, 1]], 0.043_874_650_067_194_02);
        close(dw1[[1, 0]], -0.028_727_455_165_782_02);
        close(dw1[[1, 1]], 0.022_598_066_765_553_752);
        let db1 = ws.bias_grads(0).unwrap();
        close(db1[0], 0.065_431_185_794_444_04);
        close(db1[1], -0.008_246_336_627_873_413);
        let dw2 = ws.weight_grads(1).unwrap();
        close(dw2[[0, 0]], 0.015_458_508_820_547_195);
        close(dw2[[1, 0]], 0.137_174_685_853_106_3);
        close(ws.bias_grads(1).unwrap()[0], 0.143_369_205_272_348_7);
        let norm =
            (0.015_458_508_820_547_195f64.powi(2) + 0.137_174_685_853_106_3f64.powi(2)).sqrt();
        close(ws.grad_norm(1).unwrap(), norm);
        assert_eq!(ws.accuracy(), 0.5);
    }

    #[test]
    fn step_returns_the_cost_before_its_update() {
        let mut mlp = xor_net(3, 5, Activation::Tanh, 9);
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
        let before = ws.forward(&mlp, x.view(), y.view());
        let untouched = mlp.clone();
        let returned = ws.step(&mut mlp, &mut opt, x.view(), y.view(), 0.1);
        assert_eq!(returned.to_bits(), before.to_bits());
        assert_ne!(mlp, untouched);
        // Plain SGD moved every weight by exactly -lr * gradient.
        let moved = &untouched.layers()[1].weights() - &mlp.layers()[1].weights();
        let want = ws.weight_grads(1).unwrap().mapv(|g| 0.1 * g);
        assert!(moved.iter().zip(&want).all(|(m, w)| (m - w).abs() < 1e-7));
        assert!(ws.forward(&mlp, x.view(), y.view()) < before);
        assert_eq!(opt.steps(), 1);
    }

    #[test]
    fn f32_training_gradients_agree_with_f64() {
        for act in ACTIVATIONS {
            let mut mlp = xor_net(6, 5, act, 3);
            let (x, y) = xor();
            let mut ws = Workspace::new(&mlp, 4).unwrap();
            ws.forward(&mlp, x.view(), y.view());
            ws.backward(&mut mlp, None);
            let mut mlp64 = mlp.cast::<f64>();
            let mut ws64 = Workspace::new(&mlp64, 4).unwrap();
            ws64.forward(&mlp64, x.mapv(f64::from).view(), y.mapv(f64::from).view());
            ws64.backward(&mut mlp64, None);
            for k in 0..6 {
                let (g32, g64) = (ws.weight_grads(k).unwrap(), ws64.weight_grads(k).unwrap());
                let scale = g64.iter().fold(0.0f64, |m, g| m.max(g.abs()));
                for (&a, &b) in g32.iter().zip(g64) {
                    assert!((f64::from(a) - b).abs() <= 1e-4 * scale, "{act} layer {k}");
                }
            }
        }
    }

    #[test]
    fn same_seed_gives_bit_identical_costs() {
        for kind in [
            OptimizerKind::Sgd,
            OptimizerKind::Momentum,
            OptimizerKind::Adam,
        ] {
            let run = |seed| {
                let mut mlp = xor_net(11, 5, Activation::Relu, seed);
                let costs: Vec<u32> = train_xor(&mut mlp, kind, 500)
                    .iter()
                    .map(|c| c.to_bits())
                    .collect();
                (costs, mlp)
            };
            let (a, mlp_a) = run(1);
            let (b, mlp_b) = run(1);
            assert_eq!(a, b, "{kind}");
            assert_eq!(mlp_a, mlp_b, "{kind}");
            assert_ne!(a, run(2).0, "{kind}");
        }
    }

    #[test]
    fn two_layer_sigmoid_net_learns_xor() {
        // The lesson's 2 -> 2 -> 1 network, uniform(-1, 1) weights, lr 0.1, 10,001 steps.
        let mut mlp = xor_net(2, 2, Activation::Sigmoid, 2);
        let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        let cost = ws.forward(&mlp, x.view(), y.view());
        assert_eq!(ws.accuracy(), 1.0);
        assert!(cost < 0.03, "final cost {cost}");
        assert!(costs[0] > 0.69, "first cost {}", costs[0]);
        assert_eq!(mlp.predict(x.view()), ws.output());
    }

    #[test]
    fn eleven_layer_sigmoid_net_collapses_to_one_half() {
        // The lesson's 2 -> 5 x 10 -> 1 sigmoid net: the vanishing gradient.
        let mut mlp = xor_net(11, 5, Activation::Sigmoid, 0);
        let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
        let last = costs[costs.len() - 1];
        assert!(
            (last - std::f32::consts::LN_2).abs() < 0.01,
            "final cost {last}"
        );
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        ws.forward(&mlp, x.view(), y.view());
        assert!(
            ws.output().iter().all(|p| (p - 0.5).abs() < 0.02),
            "{}",
            ws.output()
        );
        // Why: at the start, the first layer's gradient is orders of magnitude below the
        // last one's.
        let mut fresh = xor_net(11, 5, Activation::Sigmoid, 0);
        ws.forward(&fresh, x.view(), y.view());
        ws.backward(&mut fresh, None);
        let (first, top) = (ws.grad_norm(0).unwrap(), ws.grad_norm(10).unwrap());
        assert!(first < top * 1e-3, "{first} vs {top}");
    }

    #[test]
    fn eleven_layer_relu_net_learns_xor() {
        // The lesson's fix: ReLU hidden layers (this seed keeps enough units alive).
        let mut mlp = xor_net(11, 5, Activation::Relu, 1);
        let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
        assert!(costs[costs.len() - 1] < 0.01);
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        ws.forward(&mlp, x.view(), y.view());
        assert_eq!(ws.accuracy(), 1.0);
    }

    #[test]
    fn mismatched_shapes_are_errors_and_steps_do_nothing() {
        let mut mlp = xor_net(3, 5, Activation::Relu, 0);
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        let mut opt = Optimizer::new(OptimizerKind::Adam, &mlp);
        let x3 = Array2::<f32>::zeros((4, 3));
        let y3 = Array1::<f32>::zeros(3);
        let other = xor_net(4, 5, Activation::Relu, 0);
        assert_eq!(
            ws.check(&mlp, x3.view(), y.view()).unwrap_err().to_string(),
            "inputs are 4x3 but the workspace expects 4x2"
        );
        assert_eq!(
            ws.check(&mlp, x.view(), y3.view()).unwrap_err().to_string(),
            "3 labels for a batch of 4"
        );
        assert_eq!(
            ws.check(&other, x.view(), y.view())
                .unwrap_err()
                .to_string(),
            "the workspace was made for a network of another shape"
        );
        assert_eq!(Workspace::new(&mlp, 0).unwrap_err(), Error::EmptyBatch);
        let before = mlp.clone();
        assert!(ws
            .step(&mut mlp, &mut opt, x3.view(), y.view(), 0.1)
            .is_nan());
        assert!(ws
            .step(&mut mlp, &mut opt, x.view(), y3.view(), 0.1)
            .is_nan());
        let mut other_opt = Optimizer::new(OptimizerKind::Adam, &other);
        assert!(ws
            .step(&mut mlp, &mut other_opt, x.view(), y.view(), 0.1)
            .is_nan());
        assert!(ws.forward(&other, x.view(), y.view()).is_nan());
        assert_eq!(mlp, before);
        assert_eq!(opt.steps(), 0);
        assert!(ws
            .step(&mut mlp, &mut opt, x.view(), y.view(), 0.1)
            .is_finite());
    }

    #[test]
    fn accessors_have_the_usual_shapes_and_padding_stays_out() {
        // Batch 7 pads to 8 columns; outputs must still equal predict's.
        let mut mlp = xor_net(4, 3, Activation::Gelu, 4);
        let x = Array2::from_shape_fn((7, 2), |(i, j)| (i as f32 - 3.0) * 0.4 + j as f32);
        let y = array![0.0f32, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
        let mut ws = Workspace::new(&mlp, 7).unwrap();
        assert_eq!(ws.batch(), 7);
        assert!(ws.cost().is_nan());
        ws.forward(&mlp, x.view(), y.view());
        ws.backward(&mut mlp, None);
        assert_eq!(ws.output().len(), 7);
        assert_eq!(ws.output(), mlp.predict(x.view()));
        assert_eq!(ws.activations(0).unwrap().dim(), (7, 3));
        assert_eq!(ws.activations(3).unwrap().dim(), (7, 1));
        assert_eq!(ws.activations(3).unwrap().column(0), ws.output());
        assert_eq!(ws.pre_activations(2).unwrap().dim(), (7, 3));
        assert_eq!(ws.weight_grads(0).unwrap().dim(), (2, 3));
        assert_eq!(ws.bias_grads(3).unwrap().dim(), 1);
        assert!(ws.activations(4).is_none() && ws.weight_grads(4).is_none());
        assert!(ws.bias_grads(4).is_none() && ws.grad_norm(4).is_none());
        let sum_sq: f32 = ws.weight_grads(2).unwrap().iter().map(|g| g * g).sum();
        assert!((ws.grad_norm(2).unwrap() - sum_sq.sqrt()).abs() < 1e-7);
        // The padding column holds no label, so its delta is zero.
        assert_eq!(ws.delta[3].as_flattened()[7], 0.0);
    }
}
