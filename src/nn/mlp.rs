//! The multilayer perceptron: its shape, its parameters, and an allocating `predict`.
//!
//! Layer `k` computes `act(matmul(L, W) + b)` with `W` stored `[fan_in, columns]`
//! row-major, exactly TensorFlow's `matmul(L, W)`. Hidden layers share one activation.
//! The last layer is the classifier: for two classes one sigmoid unit, the probability
//! of class 1 (the lesson's); for `K >= 3` classes `K` softmax units, the probability of
//! each class (TensorFlow's logits `matmul(L, W) + b`, then `softmax`). A maxout layer of
//! `units` units with `pieces` pieces has `units * pieces` columns, unit-major: column
//! `j * pieces + p` is piece `p` of unit `j` (TensorFlow's maxout: reshape the columns
//! to `[units, pieces]` and take the max over the last axis). Training lives in
//! [`Workspace`], which never allocates.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::Rng;

use super::activation::Activation;
use super::float::Float;
use super::init::Init;
use super::layer::{matrix, Shape};
use super::workspace::Workspace;
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
    /// The hidden layers' activation (any but softmax).
    pub hidden: Activation,
    /// How weights are drawn.
    pub init: Init,
    /// Classes the network tells apart, at least 2: 2 ends in one sigmoid unit (the
    /// lesson's), `K >= 3` in `K` softmax units.
    pub classes: usize,
}

impl MlpConfig {
    /// Checks that every size is at least 1, there are at least two classes, and the
    /// hidden activation is valid (its parameters, and not softmax).
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
        if self.classes < 2 {
            return Err(Error::Classes {
                classes: self.classes,
            });
        }
        if self.hidden == Activation::Softmax {
            return Err(Error::SoftmaxHidden);
        }
        self.hidden.checked().map(|_| ())
    }

    /// The output layer's units and activation: one sigmoid unit for two classes, else
    /// one softmax unit per class.
    pub fn output(&self) -> (usize, Activation) {
        if self.classes == 2 {
            (1, Activation::Sigmoid)
        } else {
            (self.classes, Activation::Softmax)
        }
    }
}

/// One weight layer. Parameters are kept as flat row-major vectors, which the training
/// step reads directly, and shown as ndarray views.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer<F = f32> {
    /// `[fan_in, units * pieces]`, row-major.
    pub(crate) weights: Vec<F>,
    /// `[units * pieces]`.
    pub(crate) biases: Vec<F>,
    pub(crate) fan_in: usize,
    pub(crate) units: usize,
    pub(crate) activation: Activation,
}

impl<F: Float> Layer<F> {
    /// A layer from its parameters: `weights` `[fan_in, columns]`, `biases` `[columns]`,
    /// where `columns` is units times the activation's pieces (see the module doc).
    pub fn new(
        weights: Array2<F>,
        biases: Array1<F>,
        activation: Activation,
    ) -> Result<Self, Error> {
        let activation = activation.checked()?;
        let (fan_in, columns) = weights.dim();
        if fan_in == 0 || columns == 0 {
            return Err(Error::EmptyLayer { fan_in, columns });
        }
        let pieces = activation.pieces();
        if columns % pieces != 0 {
            return Err(Error::PieceColumns { columns, pieces });
        }
        if biases.len() != columns {
            return Err(Error::BiasLength {
                columns,
                found: biases.len(),
            });
        }
        Ok(Layer {
            weights: weights.iter().copied().collect(),
            biases: biases.to_vec(),
            fan_in,
            units: columns / pieces,
            activation,
        })
    }

    /// Weights, `[fan_in, fan_out * pieces]` (for maxout, column `j * pieces + p` is
    /// piece `p` of unit `j`).
    pub fn weights(&self) -> ArrayView2<'_, F> {
        matrix(&self.weights, self.fan_in, self.biases.len())
    }

    /// Biases, `[fan_out * pieces]`, in the order of the weight columns.
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

    /// Units (outputs) of this layer.
    pub fn fan_out(&self) -> usize {
        self.units
    }

    /// Affine pieces per unit: maxout's, else 1.
    pub fn pieces(&self) -> usize {
        self.activation.pieces()
    }

    /// What the training step needs of this layer's size.
    pub(crate) fn shape(&self) -> Shape {
        Shape {
            fan_in: self.fan_in,
            units: self.units,
            pieces: self.pieces(),
        }
    }

    fn cast<G: Float>(&self) -> Layer<G> {
        let cast = |v: &[F]| v.iter().map(|&v| G::from_f64(v.to_f64())).collect();
        Layer {
            weights: cast(&self.weights),
            biases: cast(&self.biases),
            fan_in: self.fan_in,
            units: self.units,
            activation: self.activation,
        }
    }
}

/// A multilayer perceptron ending in one sigmoid unit or `K >= 3` softmax units; at
/// least one layer.
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
            let (units, activation) = if last {
                config.output()
            } else {
                (config.width, config.hidden)
            };
            let (weights, biases) = config.init.layer(fan_in, units * activation.pieces(), rng);
            layers.push(Layer {
                weights: weights.iter().copied().collect(),
                biases: biases.to_vec(),
                fan_in,
                units,
                activation,
            });
            fan_in = units;
        }
        Ok(Mlp { layers })
    }
}

impl<F: Float> Mlp<F> {
    /// A network from explicit layers; each layer's `fan_in` must be the previous one's
    /// `fan_out`, the last layer must be one sigmoid unit or at least three softmax
    /// units, and no other layer may be softmax.
    pub fn from_layers(layers: Vec<Layer<F>>) -> Result<Self, Error> {
        let Some((last, hidden)) = layers.split_last() else {
            return Err(Error::ZeroSize { field: "depth" });
        };
        let output = match last.activation {
            Activation::Sigmoid => last.units == 1,
            Activation::Softmax => last.units >= 3,
            _ => false,
        };
        if !output {
            return Err(Error::OutputLayer {
                units: last.units,
                activation: last.activation.kind(),
            });
        }
        if hidden.iter().any(|l| l.activation == Activation::Softmax) {
            return Err(Error::SoftmaxHidden);
        }
        for (k, pair) in layers.windows(2).enumerate() {
            if let [before, after] = pair {
                if after.fan_in != before.units {
                    return Err(Error::LayerChain {
                        layer: k + 2,
                        fan_in: after.fan_in,
                        previous_units: before.units,
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
        self.layers[0].fan_in
    }

    /// Classes told apart: 2 for one sigmoid output unit, else the softmax units.
    pub fn classes(&self) -> usize {
        self.output_layer().units.max(2)
    }

    /// The last layer (a network has at least one).
    pub(crate) fn output_layer(&self) -> &Layer<F> {
        &self.layers[self.layers.len() - 1]
    }

    /// All layers, input side first (index 0 is the lesson's `layer1`).
    pub fn layers(&self) -> &[Layer<F>] {
        &self.layers
    }

    /// Layer `k` (0-based), or `None` past the last layer.
    pub fn layer(&self, k: usize) -> Option<&Layer<F>> {
        self.layers.get(k)
    }

    /// Total number of weights and biases, every maxout piece included.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.len() + l.biases.len())
            .sum()
    }

    /// [`Workspace::output`] for each row of `x` (`[n, inputs]`): for two classes the
    /// probability of class 1, else that of the predicted class. Through a workspace
    /// made for `n` rows; allocates, for plots and final printouts.
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>, Error> {
        if x.nrows() == 0 && x.ncols() == self.inputs() {
            return Ok(Array1::from_vec(Vec::new()));
        }
        let mut ws = Workspace::for_inference(self, x.nrows())?;
        ws.predict(self, x)?;
        Ok(ws.output().to_owned())
    }

    /// Each row's predicted class and its class probabilities (`[n, K]`, or `[n, 1]`
    /// holding class 1's for two classes), as [`Workspace::predicted_classes`] and
    /// [`Workspace::probabilities`]; allocates.
    pub fn classify(&self, x: ArrayView2<'_, F>) -> Result<(Vec<usize>, Array2<F>), Error> {
        let columns = self.output_layer().units;
        if x.nrows() == 0 && x.ncols() == self.inputs() {
            return Ok((Vec::new(), Array2::from_elem((0, columns), F::ZERO)));
        }
        let mut ws = Workspace::for_inference(self, x.nrows())?;
        ws.predict(self, x)?;
        Ok((
            ws.predicted_classes().to_vec(),
            ws.probabilities().to_owned(),
        ))
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
            classes: 2,
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
    fn maxout_layers_hold_every_piece() {
        let mut cfg = config(11);
        cfg.hidden = Activation::Maxout { pieces: 3 };
        let mlp = Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        let first = mlp.layer(0).unwrap();
        assert_eq!((first.fan_in(), first.fan_out(), first.pieces()), (2, 5, 3));
        assert_eq!(first.weights().dim(), (2, 15));
        assert_eq!(first.biases().len(), 15);
        assert_eq!(mlp.layer(1).unwrap().weights().dim(), (5, 15));
        let output = mlp.layer(10).unwrap();
        assert_eq!((output.fan_out(), output.pieces()), (1, 1));
        assert_eq!(output.weights().dim(), (5, 1));
        // (2 + 1) * 15 for the first layer, (5 + 1) * 15 for nine more, 5 + 1 at the end.
        assert_eq!(mlp.parameter_count(), 45 + 9 * 90 + 6);
        cfg.hidden = Activation::Maxout { pieces: 1 };
        assert_eq!(
            Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(0)),
            Err(Error::MaxoutPieces { pieces: 1 })
        );
        cfg.hidden = Activation::LeakyRelu {
            slope: f32::INFINITY,
        };
        assert_eq!(
            Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(0)),
            Err(Error::LeakySlope {
                slope: f32::INFINITY
            })
        );
        let maxout = Activation::Maxout { pieces: 2 };
        let odd = Layer::new(Array2::<f64>::zeros((2, 5)), Array1::zeros(5), maxout);
        assert_eq!(
            odd.unwrap_err().to_string(),
            "a maxout layer of 2 pieces needs a multiple of 2 weight columns, got 5"
        );
        let layer = Layer::new(Array2::<f64>::zeros((2, 6)), Array1::zeros(6), maxout).unwrap();
        assert_eq!((layer.fan_out(), layer.pieces()), (3, 2));
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
            "the last layer must be one sigmoid unit or at least 3 softmax units, \
             found 2 relu units"
        );
        let softmax = |units: usize| {
            let w = Array2::<f64>::zeros((2, units));
            Layer::new(w, Array1::zeros(units), Activation::Softmax).unwrap()
        };
        assert_eq!(
            Mlp::from_layers(vec![l1.clone(), softmax(2)]),
            Err(Error::OutputLayer {
                units: 2,
                activation: crate::nn::ActivationKind::Softmax
            })
        );
        let ten = Mlp::from_layers(vec![l1.clone(), softmax(3)]).unwrap();
        assert_eq!(ten.classes(), 3);
        let hidden_softmax =
            Layer::new(Array2::zeros((2, 3)), Array1::zeros(3), Activation::Softmax);
        let top = Layer::new(
            array![[1.0f64], [1.0], [1.0]],
            array![0.0],
            Activation::Sigmoid,
        );
        assert_eq!(
            Mlp::from_layers(vec![hidden_softmax.unwrap(), top.unwrap()]),
            Err(Error::SoftmaxHidden)
        );
        assert_eq!(
            Layer::new(array![[1.0f64, 2.0]], array![0.0], Activation::Relu)
                .unwrap_err()
                .to_string(),
            "layer has 2 weight columns but 1 biases"
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
        let p = mlp.predict(array![[1.0, 1.0], [0.0, -1.0]].view()).unwrap();
        // Row 1: h = relu([3, -0.25]) = [3, 0]; z = 3.5. Row 2: h = relu([-2, -0.25]) = 0; z = 0.5.
        let sig = |z: f64| 1.0 / (1.0 + (-z).exp());
        assert!((p[0] - sig(3.5)).abs() < 1e-15);
        assert!((p[1] - sig(0.5)).abs() < 1e-15);
        assert_eq!(
            mlp.predict(array![[1.0, 2.0, 3.0]].view()).unwrap_err(),
            Error::InputShape {
                rows: 1,
                cols: 3,
                batch: 1,
                inputs: 2
            }
        );
        assert_eq!(mlp.predict(Array2::zeros((0, 2)).view()).unwrap().len(), 0);
    }

    #[test]
    fn ten_classes_end_in_ten_softmax_units() {
        let cfg = MlpConfig {
            inputs: 784,
            width: 256,
            depth: 3,
            hidden: Activation::Relu,
            init: Init::Normal,
            classes: 10,
        };
        let mlp = Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        assert_eq!(mlp.classes(), 10);
        let out = mlp.layer(2).unwrap();
        assert_eq!((out.fan_in(), out.fan_out()), (256, 10));
        assert_eq!(out.activation(), Activation::Softmax);
        assert_eq!(mlp.parameter_count(), 785 * 256 + 257 * 256 + 257 * 10);
        // N(0, 1) draws the biases too.
        assert!(mlp.layer(0).unwrap().biases().iter().any(|&b| b != 0.0));
        assert_eq!(
            Mlp::new(&config(2), &mut ChaCha8Rng::seed_from_u64(0))
                .unwrap()
                .classes(),
            2
        );
        for (classes, err) in [
            (0, Error::Classes { classes: 0 }),
            (1, Error::Classes { classes: 1 }),
        ] {
            let cfg = MlpConfig { classes, ..cfg };
            assert_eq!(Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(0)), Err(err));
        }
        assert_eq!(
            Error::Classes { classes: 1 }.to_string(),
            "a classifier needs at least 2 classes, got 1"
        );
        let cfg = MlpConfig {
            hidden: Activation::Softmax,
            ..cfg
        };
        assert_eq!(cfg.validate(), Err(Error::SoftmaxHidden));
    }

    /// Seed 0's first four weights and the last layer's weights and bias of a 2-5-5-1
    /// uniform net, drawn by the code before networks had classes.
    const LESSON_BITS: [u32; 10] = [
        0x3e9e_68e8,
        0x3ed6_17d8,
        0x3eeb_6300,
        0xbd8b_95c0,
        0xbe0d_ae00,
        0x3e9e_f9e8,
        0x3e51_7760,
        0x3e0d_49b0,
        0x3f46_c18c,
        0,
    ];

    #[test]
    fn two_classes_draw_the_lessons_weights_bit_for_bit() {
        // Literal values drawn before networks had classes: a two-class net must keep
        // every bit (the lesson's seeds are chosen by what they draw).
        let mlp = Mlp::new(&config(3), &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        let bits: Vec<u32> = mlp
            .layers()
            .iter()
            .flat_map(|l| l.weights.iter().chain(&l.biases))
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(bits.len(), 15 + 30 + 6);
        assert_eq!(&bits[..4], &LESSON_BITS[..4]);
        assert_eq!(&bits[bits.len() - 6..], &LESSON_BITS[4..]);
    }

    #[test]
    fn cast_round_trips() {
        let mlp = Mlp::new(&config(3), &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        assert_eq!(mlp.cast::<f64>().cast::<f32>(), mlp);
    }
}
