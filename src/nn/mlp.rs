//! The multilayer perceptron: its shape, its parameters, and an allocating `predict`.
//!
//! Layer `k` computes `act(matmul(L, W) + b)` with `W` stored `[fan_in, fan_out]` row-major,
//! exactly TensorFlow's `matmul(L, W)`. Hidden layers share one activation; the last layer
//! has one sigmoid unit, the probability of class 1. Training lives in
//! [`Workspace`](super::Workspace), which never allocates.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::Rng;

use super::activation::Activation;
use super::float::Float;
use super::init::Init;
use super::Error;

/// The shape of a network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlpConfig {
    /// Features per example.
    pub inputs: usize,
    /// Units in every hidden layer.
    pub width: usize,
    /// Weight layers: 11 means 10 hidden layers of `width` units, then the output unit;
    /// 1 means inputs straight to the output.
    pub depth: usize,
    /// The hidden layers' activation (the output is always sigmoid).
    pub hidden: Activation,
    /// How weights are drawn.
    pub init: Init,
}

impl MlpConfig {
    /// Checks that every size is at least 1.
    pub fn validate(&self) -> Result<(), Error> {
        for (field, value) in [
            ("inputs", self.inputs),
            ("width", self.width),
            ("depth", self.depth),
        ] {
            if value == 0 {
                return Err(Error::ZeroSize { field });
            }
        }
        Ok(())
    }
}

/// One weight layer. Parameters are kept as flat row-major vectors, which the training
/// kernels read directly, and shown as ndarray views.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer<F = f32> {
    /// `[fan_in, fan_out]`, row-major.
    pub(crate) weights: Vec<F>,
    /// `[fan_out]`.
    pub(crate) biases: Vec<F>,
    pub(crate) fan_in: usize,
    pub(crate) fan_out: usize,
    pub(crate) activation: Activation,
}

impl<F: Float> Layer<F> {
    /// A layer from its parameters: `weights` `[fan_in, fan_out]`, `biases` `[fan_out]`.
    pub fn new(
        weights: Array2<F>,
        biases: Array1<F>,
        activation: Activation,
    ) -> Result<Self, Error> {
        let (fan_in, fan_out) = weights.dim();
        if fan_in == 0 || fan_out == 0 {
            return Err(Error::EmptyLayer { fan_in, fan_out });
        }
        if biases.len() != fan_out {
            return Err(Error::BiasLength {
                fan_out,
                found: biases.len(),
            });
        }
        Ok(Layer {
            weights: weights.iter().copied().collect(),
            biases: biases.to_vec(),
            fan_in,
            fan_out,
            activation,
        })
    }

    /// Weights, `[fan_in, fan_out]`.
    pub fn weights(&self) -> ArrayView2<'_, F> {
        match ArrayView2::from_shape((self.fan_in, self.fan_out), &self.weights) {
            Ok(view) => view,
            Err(_) => ndarray::aview2::<F, 0>(&[]),
        }
    }

    /// Biases, `[fan_out]`.
    pub fn biases(&self) -> ArrayView1<'_, F> {
        ArrayView1::from(&self.biases[..])
    }

    /// The activation applied after `matmul(L, W) + b`.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Inputs to this layer.
    pub fn fan_in(&self) -> usize {
        self.fan_in
    }

    /// Units of this layer.
    pub fn fan_out(&self) -> usize {
        self.fan_out
    }

    fn cast<G: Float>(&self) -> Layer<G> {
        let cast = |v: &[F]| v.iter().map(|&v| G::from_f64(v.to_f64())).collect();
        Layer {
            weights: cast(&self.weights),
            biases: cast(&self.biases),
            fan_in: self.fan_in,
            fan_out: self.fan_out,
            activation: self.activation,
        }
    }
}

/// A multilayer perceptron ending in one sigmoid unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp<F = f32> {
    pub(crate) layers: Vec<Layer<F>>,
}

impl Mlp<f32> {
    /// A freshly initialised network; draws every weight from `rng`, layer by layer.
    pub fn new(config: &MlpConfig, rng: &mut impl Rng) -> Result<Self, Error> {
        config.validate()?;
        let mut layers = Vec::with_capacity(config.depth);
        let mut fan_in = config.inputs;
        for k in 0..config.depth {
            let last = k + 1 == config.depth;
            let fan_out = if last { 1 } else { config.width };
            let activation = if last {
                Activation::Sigmoid
            } else {
                config.hidden
            };
            let (weights, biases) = config.init.layer(fan_in, fan_out, rng);
            layers.push(Layer {
                weights: weights.iter().copied().collect(),
                biases: biases.to_vec(),
                fan_in,
                fan_out,
                activation,
            });
            fan_in = fan_out;
        }
        Ok(Mlp { layers })
    }
}

impl<F: Float> Mlp<F> {
    /// A network from explicit layers; each layer's `fan_in` must be the previous one's
    /// `fan_out`, and the last layer must have one sigmoid unit.
    pub fn from_layers(layers: Vec<Layer<F>>) -> Result<Self, Error> {
        let Some(last) = layers.last() else {
            return Err(Error::ZeroSize { field: "depth" });
        };
        if last.fan_out() != 1 || last.activation != Activation::Sigmoid {
            return Err(Error::OutputLayer {
                fan_out: last.fan_out(),
                activation: last.activation.name(),
            });
        }
        for (k, pair) in layers.windows(2).enumerate() {
            if let [before, after] = pair {
                if after.fan_in() != before.fan_out() {
                    return Err(Error::LayerChain {
                        layer: k + 2,
                        fan_in: after.fan_in(),
                        previous_fan_out: before.fan_out(),
                    });
                }
            }
        }
        Ok(Mlp { layers })
    }

    /// The same network in another float type (e.g. `f64` for gradient checks).
    pub fn cast<G: Float>(&self) -> Mlp<G> {
        Mlp {
            layers: self.layers.iter().map(Layer::cast).collect(),
        }
    }

    /// Number of weight layers.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// Features per example.
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, Layer::fan_in)
    }

    /// All layers, input side first (index 0 is the lesson's `layer1`).
    pub fn layers(&self) -> &[Layer<F>] {
        &self.layers
    }

    /// Layer `k` (0-based), if there is one.
    pub fn layer(&self, k: usize) -> Option<&Layer<F>> {
        self.layers.get(k)
    }

    /// Total number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.len() + l.biases.len())
            .sum()
    }

    /// The sigmoid output for each row of `x` (`[n, inputs]`); allocates, for plots and
    /// final printouts. A wrong column count gives NaN for every row.
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Array1<F> {
        if x.ncols() != self.inputs() {
            return Array1::from_elem(x.nrows(), F::NAN);
        }
        let mut out = Array1::from_elem(x.nrows(), F::NAN);
        let widest = self.layers.iter().map(Layer::fan_out).max().unwrap_or(0);
        let mut current = Vec::with_capacity(widest.max(self.inputs()));
        let mut next = Vec::with_capacity(widest);
        for (row, out) in x.rows().into_iter().zip(out.iter_mut()) {
            current.clear();
            current.extend(row.iter().copied());
            for layer in &self.layers {
                next.clear();
                next.extend(layer.biases.iter().copied());
                for (&input, weights) in current.iter().zip(layer.weights.chunks(layer.fan_out)) {
                    for (acc, &w) in next.iter_mut().zip(weights) {
                        *acc += input * w;
                    }
                }
                for v in next.iter_mut() {
                    *v = layer.activation.forward(*v);
                }
                std::mem::swap(&mut current, &mut next);
            }
            if let Some(&p) = current.first() {
                *out = p;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn config(depth: usize) -> MlpConfig {
        MlpConfig {
            inputs: 2,
            width: 5,
            depth,
            hidden: Activation::Sigmoid,
            init: Init::Uniform,
        }
    }

    #[test]
    fn shapes_of_the_lessons_eleven_layer_net() {
        let mlp = Mlp::new(&config(11), &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        assert_eq!(mlp.depth(), 11);
        assert_eq!(mlp.inputs(), 2);
        let shapes: Vec<_> = mlp
            .layers()
            .iter()
            .map(|l| (l.fan_in(), l.fan_out(), l.biases().len()))
            .collect();
        let mut want = vec![(2, 5, 5)];
        want.extend(std::iter::repeat_n((5, 5, 5), 9));
        want.push((5, 1, 1));
        assert_eq!(shapes, want);
        assert_eq!(mlp.parameter_count(), 15 + 9 * 30 + 6);
        assert!(mlp.layers()[..10]
            .iter()
            .all(|l| l.activation() == Activation::Sigmoid));
        assert_eq!(mlp.layer(10).unwrap().activation(), Activation::Sigmoid);
        assert!(mlp.layer(11).is_none());
    }

    #[test]
    fn depth_one_goes_straight_to_the_output() {
        let mut cfg = config(1);
        cfg.hidden = Activation::Relu;
        let mlp = Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        assert_eq!(mlp.layers()[0].weights().dim(), (2, 1));
        assert_eq!(mlp.layers()[0].activation(), Activation::Sigmoid);
    }

    #[test]
    fn invalid_configs_are_rejected() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        for (cfg, message) in [
            (
                MlpConfig {
                    depth: 0,
                    ..config(1)
                },
                "network depth must be at least 1",
            ),
            (
                MlpConfig {
                    width: 0,
                    ..config(1)
                },
                "network width must be at least 1",
            ),
            (
                MlpConfig {
                    inputs: 0,
                    ..config(1)
                },
                "network inputs must be at least 1",
            ),
        ] {
            assert_eq!(Mlp::new(&cfg, &mut rng).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn from_layers_checks_the_chain() {
        let l1 = Layer::new(array![[1.0f64, 2.0]], array![0.0, 0.0], Activation::Relu).unwrap();
        let l2 = Layer::new(array![[1.0f64], [1.0]], array![0.5], Activation::Sigmoid).unwrap();
        let bad = Layer::new(
            array![[1.0f64], [1.0], [1.0]],
            array![0.0],
            Activation::Sigmoid,
        )
        .unwrap();
        assert!(Mlp::from_layers(vec![l1.clone(), l2.clone()]).is_ok());
        assert_eq!(
            Mlp::from_layers(vec![l1.clone(), bad])
                .unwrap_err()
                .to_string(),
            "layer 2 takes 3 inputs but layer 1 has 2 units"
        );
        assert_eq!(
            Mlp::from_layers(vec![l1.clone()]).unwrap_err().to_string(),
            "the last layer must be one sigmoid unit, found 2 relu units"
        );
        assert_eq!(
            Layer::new(array![[1.0f64, 2.0]], array![0.0], Activation::Relu)
                .unwrap_err()
                .to_string(),
            "layer has 2 units but 1 biases"
        );
    }

    #[test]
    fn predict_by_hand() {
        // relu(x W1 + b1) then sigmoid(h W2 + b2).
        let l1 = Layer::new(
            array![[1.0f64, -1.0], [2.0, 0.5]],
            array![0.0, 0.25],
            Activation::Relu,
        )
        .unwrap();
        let l2 = Layer::new(array![[1.0f64], [-2.0]], array![0.5], Activation::Sigmoid).unwrap();
        let mlp = Mlp::from_layers(vec![l1, l2]).unwrap();
        let p = mlp.predict(array![[1.0, 1.0], [0.0, -1.0]].view());
        // Row 1: h = relu([3, -0.25]) = [3, 0]; z = 3.5. Row 2: h = relu([-2, -0.25]) = 0; z = 0.5.
        let sig = |z: f64| 1.0 / (1.0 + (-z).exp());
        assert!((p[0] - sig(3.5)).abs() < 1e-15);
        assert!((p[1] - sig(0.5)).abs() < 1e-15);
        assert!(mlp.predict(array![[1.0, 2.0, 3.0]].view())[0].is_nan());
    }

    #[test]
    fn cast_round_trips() {
        let mlp = Mlp::new(&config(3), &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        assert_eq!(mlp.cast::<f64>().cast::<f32>(), mlp);
    }
}
