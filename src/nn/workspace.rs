//! The training step: the forward pass through every layer, the cost, the backward pass
//! through every layer in reverse, and the optimizer's update, in buffers made once so
//! that a step allocates nothing.
//!
//! A [`Workspace`] serves one network shape and one batch size, both fixed when it is
//! made. A step first checks that the network, optimizer and batch it is given are of
//! that shape (a comparison of a few numbers per layer) and returns an error if not;
//! past that check nothing is checked again. Each layer's buffers and the arithmetic on
//! them are in [`layer`](super::layer); the read-only accessors present them in the usual
//! `[batch, units]` shape as ndarray views, without the padding.

use ndarray::{s, ArrayView1, ArrayView2};

use super::float::Float;
use super::layer::{matrix, Buffers, Lanes, LANES};
use super::loss;
use super::mlp::Mlp;
use super::optim::{Grads, Optimizer};
use super::Error;

/// Every buffer of a training step for one network shape and batch size.
#[derive(Debug, Clone)]
pub struct Workspace<F = f32> {
    /// Examples per batch.
    batch: usize,
    /// Lane vectors per row: `batch` rounded up to a multiple of [`LANES`], divided by it.
    chunks: usize,
    /// The inputs, transposed: `inputs` rows of `chunks` lane vectors (zero padding).
    input: Vec<Lanes<F>>,
    /// The labels, `chunks * LANES` (zero in the padding).
    labels: Vec<F>,
    /// Each layer's buffers, input side first; as many as the network has layers (one
    /// or more).
    layers: Vec<Buffers<F>>,
    /// The cost of the last forward pass with labels.
    cost: Option<F>,
}

impl<F: Float> Workspace<F> {
    /// Buffers for training `mlp` (or networks of its shape) on batches of `batch`
    /// examples.
    pub fn new(mlp: &Mlp<F>, batch: usize) -> Result<Self, Error> {
        if batch == 0 {
            return Err(Error::EmptyBatch);
        }
        let chunks = batch.div_ceil(LANES);
        Ok(Workspace {
            batch,
            chunks,
            input: vec![[F::ZERO; LANES]; mlp.inputs() * chunks],
            labels: vec![F::ZERO; chunks * LANES],
            layers: mlp
                .layers()
                .iter()
                .map(|layer| Buffers::new(layer.shape(), chunks))
                .collect(),
            cost: None,
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
        self.check_inputs(mlp, x)?;
        if y.len() != self.batch {
            return Err(Error::LabelCount {
                found: y.len(),
                batch: self.batch,
            });
        }
        Ok(())
    }

    /// Checks that `mlp` has this workspace's shape and `x` is `[batch, inputs]`.
    fn check_inputs(&self, mlp: &Mlp<F>, x: ArrayView2<'_, F>) -> Result<(), Error> {
        let same_shape = self.layers.len() == mlp.depth()
            && self
                .layers
                .iter()
                .zip(mlp.layers())
                .all(|(buffers, layer)| buffers.shape == layer.shape());
        if !same_shape {
            return Err(Error::Mismatch { what: "workspace" });
        }
        if x.dim() != (self.batch, mlp.inputs()) {
            return Err(Error::InputShape {
                rows: x.nrows(),
                cols: x.ncols(),
                batch: self.batch,
                inputs: mlp.inputs(),
            });
        }
        Ok(())
    }

    /// One training step: forward, cost, backward, and `opt`'s update of `mlp` with
    /// learning rate `lr`. Returns the cost computed before the update (as TensorFlow's
    /// `sess.run([cost, train])`). Allocates nothing.
    ///
    /// An `mlp`, `opt`, `x` or `y` of another shape than this workspace's (see
    /// [`check`](Self::check)) is an error, and then nothing is updated.
    pub fn step(
        &mut self,
        mlp: &mut Mlp<F>,
        opt: &mut Optimizer<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
        lr: F,
    ) -> Result<F, Error> {
        self.check(mlp, x, y)?;
        opt.check(mlp)?;
        let cost = self.forward_pass(mlp, x, y);
        self.backward_pass(mlp);
        let grads = self.layers.iter().map(|buffers| Grads {
            weights: &buffers.dw,
            biases: &buffers.db,
        });
        opt.update(&mut mlp.layers, grads, lr);
        Ok(cost)
    }

    /// The forward pass and the mean binary cross-entropy, without any update: for
    /// evaluating. Fills [`output`](Self::output) and the activations.
    pub fn forward(
        &mut self,
        mlp: &Mlp<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
    ) -> Result<F, Error> {
        self.check(mlp, x, y)?;
        Ok(self.forward_pass(mlp, x, y))
    }

    /// The forward pass without labels, for [`Mlp::predict`]: fills the outputs only.
    pub(crate) fn predict(&mut self, mlp: &Mlp<F>, x: ArrayView2<'_, F>) -> Result<(), Error> {
        self.check_inputs(mlp, x)?;
        self.load_inputs(x);
        self.forward_layers(mlp);
        Ok(())
    }

    /// Copies `x` (`[batch, inputs]`) into the input rows, example `b` into lane
    /// `b % LANES` of chunk `b / LANES`.
    fn load_inputs(&mut self, x: ArrayView2<'_, F>) {
        let chunks = self.chunks;
        for (b, example) in x.rows().into_iter().enumerate() {
            let (c, lane) = (b / LANES, b % LANES);
            let column = self.input.iter_mut().skip(c).step_by(chunks);
            for (slot, &v) in column.zip(example) {
                slot[lane] = v;
            }
        }
    }

    /// [`forward`](Self::forward) after the shapes were checked.
    fn forward_pass(&mut self, mlp: &Mlp<F>, x: ArrayView2<'_, F>, y: ArrayView1<'_, F>) -> F {
        self.load_inputs(x);
        for (label, &y) in self.labels.iter_mut().zip(y) {
            *label = y;
        }
        self.forward_layers(mlp);
        let batch = self.batch;
        let logits = &self.output_buffers().z.as_flattened()[..batch];
        let cost = loss::mean_bce(logits, &self.labels[..batch]);
        self.cost = Some(cost);
        cost
    }

    /// Every layer's forward pass, input side first: each layer's `a` is the next one's
    /// `x`.
    fn forward_layers(&mut self, mlp: &Mlp<F>) {
        let mut x: &[Lanes<F>] = &self.input;
        for (layer, buffers) in mlp.layers().iter().zip(self.layers.iter_mut()) {
            buffers.forward(layer, x);
            x = &buffers.a;
        }
    }

    /// Every layer's backward pass, output side first, after a forward pass with the
    /// same `mlp`: fills every `dz`, `dW` and `db`. Each layer's `dx` is the `da` of the
    /// layer below; the first layer's `dx` is not needed.
    fn backward_pass(&mut self, mlp: &Mlp<F>) {
        let depth = self.layers.len();
        let batch = self.batch;
        for k in (0..depth).rev() {
            let (below, here) = self.layers.split_at_mut(k);
            let buffers = &mut here[0];
            let (x, dx) = match below.last_mut() {
                Some(below) => (&below.a[..], Some(&mut below.da[..])),
                None => (&self.input[..], None),
            };
            let layer = &mlp.layers()[k];
            if k + 1 == depth {
                // The output unit: sigmoid and cross-entropy together give dz = (p - y) / n.
                let p = &buffers.a.as_flattened()[..batch];
                let dz = &mut buffers.dz.as_flattened_mut()[..batch];
                loss::output_gradient(p, &self.labels[..batch], dz);
                buffers.backward_from_dz(layer, x, dx);
            } else {
                buffers.backward(layer, x, dx);
            }
        }
    }

    /// The output layer's buffers (a network has at least one layer).
    fn output_buffers(&self) -> &Buffers<F> {
        &self.layers[self.layers.len() - 1]
    }

    /// The cost of the last forward pass, or `None` before the first.
    pub fn cost(&self) -> Option<F> {
        self.cost
    }

    /// The sigmoid outputs of the last forward pass, `[batch]` (zeros before the first).
    pub fn output(&self) -> ArrayView1<'_, F> {
        ArrayView1::from(&self.output_buffers().a.as_flattened()[..self.batch])
    }

    /// Fraction of the last batch classified right (output > 0.5 iff label is 1).
    pub fn accuracy(&self) -> f32 {
        let outputs = &self.output_buffers().a.as_flattened()[..self.batch];
        loss::accuracy(outputs, &self.labels[..self.batch])
    }

    /// `rows` rows of `chunks` lane vectors, as `[batch, rows]` without the padding.
    fn batch_view<'a>(&self, buffer: &'a [Lanes<F>], rows: usize) -> ArrayView2<'a, F> {
        let padded = matrix(buffer.as_flattened(), rows, self.chunks * LANES);
        padded.slice_move(s![.., ..self.batch]).reversed_axes()
    }

    // Accessors by layer: `k` is 0-based; `None` means the network has no layer `k`.

    /// Activations of layer `k`, `[batch, fan_out]`.
    pub fn activations(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        let buffers = self.layers.get(k)?;
        Some(self.batch_view(&buffers.a, buffers.shape.units))
    }

    /// Pre-activations `matmul(L, W) + b` of layer `k`, `[batch, fan_out * pieces]`, in
    /// the order of the weight columns.
    pub fn pre_activations(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        let buffers = self.layers.get(k)?;
        Some(self.batch_view(&buffers.z, buffers.shape.columns()))
    }

    /// `dCost/dW` of layer `k` from the last step, `[fan_in, fan_out * pieces]`.
    pub fn weight_grads(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        let buffers = self.layers.get(k)?;
        let shape = buffers.shape;
        Some(matrix(&buffers.dw, shape.fan_in, shape.columns()))
    }

    /// `dCost/db` of layer `k` from the last step, `[fan_out * pieces]`.
    pub fn bias_grads(&self, k: usize) -> Option<ArrayView1<'_, F>> {
        Some(ArrayView1::from(&self.layers.get(k)?.db[..]))
    }

    /// The L2 norm of `dCost/dW` of layer `k`: how much the layer still learns.
    pub fn grad_norm(&self, k: usize) -> Option<F> {
        let dw = &self.layers.get(k)?.dw;
        Some(dw.iter().fold(F::ZERO, |sum, &g| sum + g * g).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::ALL_FOR_TESTS;
    use crate::nn::{Activation, Init, Layer, MlpConfig, OptimizerKind};
    use ndarray::{array, Array1, Array2};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn xor() -> (Array2<f32>, Array1<f32>) {
        (
            array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
            array![0.0, 1.0, 1.0, 0.0],
        )
    }

    fn xor_net(depth: usize, width: usize, hidden: Activation, seed: u64) -> Mlp {
        net(depth, width, hidden, Init::Uniform, seed)
    }

    fn net(depth: usize, width: usize, hidden: Activation, init: Init, seed: u64) -> Mlp {
        let cfg = MlpConfig {
            inputs: 2,
            width,
            depth,
            hidden,
            init,
        };
        Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
    }

    /// Maxout at depth 11 with the lesson's uniform(-1, 1) weights diverges for some
    /// seeds (the max of pieces grows layer by layer); Glorot's scale keeps it in range.
    const MAXOUT: (Activation, Init) = (Activation::Maxout { pieces: 2 }, Init::Xavier);

    /// Trains like the lesson (full-batch XOR, SGD, lr 0.1); returns every cost.
    fn train_xor(mlp: &mut Mlp, kind: OptimizerKind, steps: usize) -> Vec<f32> {
        let (x, y) = xor();
        let mut opt = Optimizer::new(kind, mlp);
        let mut ws = Workspace::new(mlp, 4).unwrap();
        (0..steps)
            .map(|_| ws.step(mlp, &mut opt, x.view(), y.view(), 0.1).unwrap())
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
        let mlp = Mlp::from_layers(vec![l1.unwrap(), l2.unwrap()]).unwrap();
        let x = array![[1.0, 2.0], [-1.0, 0.5]];
        let y = array![1.0, 0.0];
        let mut ws = Workspace::new(&mlp, 2).unwrap();
        assert_eq!(ws.cost(), None);
        let cost = ws.forward(&mlp, x.view(), y.view()).unwrap();
        ws.backward_pass(&mlp);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        close(cost, 0.603_937_164_854_637_4);
        assert_eq!(ws.cost(), Some(cost));
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
        let before = ws.forward(&mlp, x.view(), y.view()).unwrap();
        let untouched = mlp.clone();
        let returned = ws
            .step(&mut mlp, &mut opt, x.view(), y.view(), 0.1)
            .unwrap();
        assert_eq!(returned.to_bits(), before.to_bits());
        assert_ne!(mlp, untouched);
        // Plain SGD moved every weight by exactly -lr * gradient.
        let moved = &untouched.layers()[1].weights() - &mlp.layers()[1].weights();
        let want = ws.weight_grads(1).unwrap().mapv(|g| 0.1 * g);
        assert!(moved.iter().zip(&want).all(|(m, w)| (m - w).abs() < 1e-7));
        assert!(ws.forward(&mlp, x.view(), y.view()).unwrap() < before);
        assert_eq!(opt.steps(), 1);
    }

    #[test]
    fn f32_training_gradients_agree_with_f64() {
        for act in ALL_FOR_TESTS {
            let mlp = xor_net(6, 5, act, 3);
            let (x, y) = xor();
            let mut ws = Workspace::new(&mlp, 4).unwrap();
            ws.forward(&mlp, x.view(), y.view()).unwrap();
            ws.backward_pass(&mlp);
            let mlp64 = mlp.cast::<f64>();
            let mut ws64 = Workspace::new(&mlp64, 4).unwrap();
            let (x64, y64) = (x.mapv(f64::from), y.mapv(f64::from));
            ws64.forward(&mlp64, x64.view(), y64.view()).unwrap();
            ws64.backward_pass(&mlp64);
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
        // Bits, not values: momentum at lr 0.1 sends the deep maxout net to NaN, which
        // must happen the same way every time too.
        let bits = |mlp: &Mlp| -> Vec<u32> {
            let params = mlp
                .layers()
                .iter()
                .flat_map(|l| l.weights.iter().chain(&l.biases));
            params.map(|v| v.to_bits()).collect()
        };
        for kind in OptimizerKind::ALL {
            for (act, init) in [(Activation::Relu, Init::Uniform), MAXOUT] {
                let run = |seed| {
                    let mut mlp = net(11, 5, act, init, seed);
                    let costs: Vec<u32> = train_xor(&mut mlp, kind, 500)
                        .iter()
                        .map(|c| c.to_bits())
                        .collect();
                    (costs, bits(&mlp))
                };
                let (a, params_a) = run(1);
                let (b, params_b) = run(1);
                assert_eq!(a, b, "{kind} {act}");
                assert_eq!(params_a, params_b, "{kind} {act}");
                assert_ne!(a, run(2).0, "{kind} {act}");
            }
        }
    }

    #[test]
    fn two_layer_sigmoid_net_learns_xor() {
        // The lesson's 2 -> 2 -> 1 network, uniform(-1, 1) weights, lr 0.1, 10,001 steps.
        let mut mlp = xor_net(2, 2, Activation::Sigmoid, 2);
        let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        let cost = ws.forward(&mlp, x.view(), y.view()).unwrap();
        assert_eq!(ws.accuracy(), 1.0);
        assert!(cost < 0.03, "final cost {cost}");
        assert!(costs[0] > 0.69, "first cost {}", costs[0]);
        assert_eq!(mlp.predict(x.view()).unwrap(), ws.output());
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
        ws.forward(&mlp, x.view(), y.view()).unwrap();
        assert!(
            ws.output().iter().all(|p| (p - 0.5).abs() < 0.02),
            "{}",
            ws.output()
        );
        // Why: at the start, the first layer's gradient is orders of magnitude below the
        // last one's.
        let fresh = xor_net(11, 5, Activation::Sigmoid, 0);
        ws.forward(&fresh, x.view(), y.view()).unwrap();
        ws.backward_pass(&fresh);
        let (first, top) = (ws.grad_norm(0).unwrap(), ws.grad_norm(10).unwrap());
        assert!(first < top * 1e-3, "{first} vs {top}");
    }

    #[test]
    fn eleven_layer_relu_and_maxout_nets_learn_xor() {
        // The lesson's fix: ReLU hidden layers (this seed keeps enough units alive); and
        // maxout, which has no dead units.
        for (act, init) in [(Activation::Relu, Init::Uniform), MAXOUT] {
            let mut mlp = net(11, 5, act, init, 1);
            let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
            assert!(
                costs[costs.len() - 1] < 0.01,
                "{act}: {}",
                costs[costs.len() - 1]
            );
            let (x, y) = xor();
            let mut ws = Workspace::new(&mlp, 4).unwrap();
            ws.forward(&mlp, x.view(), y.view()).unwrap();
            assert_eq!(ws.accuracy(), 1.0, "{act}");
        }
    }

    #[test]
    fn every_optimizer_trains_a_maxout_net() {
        for kind in OptimizerKind::ALL {
            let mut mlp = xor_net(3, 4, Activation::Maxout { pieces: 3 }, 5);
            let lr_costs = train_xor(&mut mlp, kind, 2_000);
            let last = lr_costs[lr_costs.len() - 1];
            assert!(last < 0.1, "{kind}: {} -> {last}", lr_costs[0]);
        }
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
        // Same layer sizes, but maxout holds twice the weights.
        let maxout = xor_net(3, 5, Activation::Maxout { pieces: 2 }, 0);
        let input_shape = Error::InputShape {
            rows: 4,
            cols: 3,
            batch: 4,
            inputs: 2,
        };
        assert_eq!(
            ws.check(&mlp, x3.view(), y.view()),
            Err(input_shape.clone())
        );
        assert_eq!(
            input_shape.to_string(),
            "inputs are 4x3 but the workspace expects 4x2"
        );
        let labels = Error::LabelCount { found: 3, batch: 4 };
        assert_eq!(ws.check(&mlp, x.view(), y3.view()), Err(labels.clone()));
        assert_eq!(labels.to_string(), "3 labels for a batch of 4");
        let workspace = Error::Mismatch { what: "workspace" };
        for net in [&other, &maxout] {
            assert_eq!(ws.check(net, x.view(), y.view()), Err(workspace.clone()));
        }
        assert_eq!(
            workspace.to_string(),
            "the workspace was made for a network of another shape"
        );
        assert_eq!(Workspace::new(&mlp, 0).unwrap_err(), Error::EmptyBatch);
        let before = mlp.clone();
        let step =
            |ws: &mut Workspace,
             mlp: &mut Mlp,
             opt: &mut Optimizer,
             x: &Array2<f32>,
             y: &Array1<f32>| { ws.step(mlp, opt, x.view(), y.view(), 0.1) };
        assert_eq!(step(&mut ws, &mut mlp, &mut opt, &x3, &y), Err(input_shape));
        assert_eq!(step(&mut ws, &mut mlp, &mut opt, &x, &y3), Err(labels));
        let mut other_opt = Optimizer::new(OptimizerKind::Adam, &other);
        assert_eq!(
            step(&mut ws, &mut mlp, &mut other_opt, &x, &y),
            Err(Error::Mismatch { what: "optimizer" })
        );
        assert_eq!(ws.forward(&other, x.view(), y.view()), Err(workspace));
        assert_eq!(ws.cost(), None);
        assert_eq!(mlp, before);
        assert_eq!(opt.steps(), 0);
        assert!(step(&mut ws, &mut mlp, &mut opt, &x, &y)
            .unwrap()
            .is_finite());
    }

    #[test]
    fn accessors_have_the_usual_shapes_and_padding_stays_out() {
        // Batch 7 pads to 8 columns; outputs must still equal predict's.
        let mlp = xor_net(4, 3, Activation::Gelu, 4);
        let x = Array2::from_shape_fn((7, 2), |(i, j)| (i as f32 - 3.0) * 0.4 + j as f32);
        let y = array![0.0f32, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
        let mut ws = Workspace::new(&mlp, 7).unwrap();
        assert_eq!(ws.batch(), 7);
        ws.forward(&mlp, x.view(), y.view()).unwrap();
        ws.backward_pass(&mlp);
        assert_eq!(ws.output().len(), 7);
        assert_eq!(ws.output(), mlp.predict(x.view()).unwrap());
        assert_eq!(ws.activations(0).unwrap().dim(), (7, 3));
        assert_eq!(ws.activations(3).unwrap().dim(), (7, 1));
        assert_eq!(ws.activations(3).unwrap().column(0), ws.output());
        assert_eq!(ws.pre_activations(2).unwrap().dim(), (7, 3));
        assert_eq!(ws.weight_grads(0).unwrap().dim(), (2, 3));
        assert_eq!(ws.bias_grads(3).unwrap().dim(), 1);
        assert!(ws.activations(4).is_none() && ws.weight_grads(4).is_none());
        assert!(ws.pre_activations(4).is_none());
        assert!(ws.bias_grads(4).is_none() && ws.grad_norm(4).is_none());
        let sum_sq: f32 = ws.weight_grads(2).unwrap().iter().map(|g| g * g).sum();
        assert!((ws.grad_norm(2).unwrap() - sum_sq.sqrt()).abs() < 1e-7);
        // The padding column holds no label, so its dz is zero, and so is every dz below.
        for buffers in &ws.layers {
            for row in buffers.dz.chunks_exact(2) {
                assert_eq!(row[1][3], 0.0);
            }
        }
    }

    #[test]
    fn maxout_accessors_cover_every_piece() {
        let mlp = xor_net(3, 4, Activation::Maxout { pieces: 3 }, 2);
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        ws.forward(&mlp, x.view(), y.view()).unwrap();
        ws.backward_pass(&mlp);
        let z = ws.pre_activations(0).unwrap();
        let a = ws.activations(0).unwrap();
        assert_eq!((z.dim(), a.dim()), ((4, 12), (4, 4)));
        // Column j * pieces + p is piece p of unit j; a unit is its largest piece.
        for (z, a) in z.rows().into_iter().zip(a.rows()) {
            for (unit, &a) in a.iter().enumerate() {
                let pieces = z.slice(s![unit * 3..unit * 3 + 3]);
                assert_eq!(a, pieces.fold(f32::NEG_INFINITY, |m, &v| m.max(v)));
            }
        }
        assert_eq!(ws.weight_grads(1).unwrap().dim(), (4, 12));
        assert_eq!(ws.bias_grads(1).unwrap().dim(), 12);
        assert_eq!(ws.weight_grads(2).unwrap().dim(), (4, 1));
        assert_eq!(mlp.layer(0).unwrap().weights().dim(), (2, 12));
        assert_eq!(mlp.layer(0).unwrap().pieces(), 3);
    }
}
