//! Activation functions: the hidden-layer choice that decides whether a deep net learns.
//!
//! Each has a forward value and a derivative. Kinks follow TensorFlow's gradients: ReLU's
//! derivative at 0 is 0, leaky ReLU's is its slope, ELU's and SELU's use the negative side.
//! GELU is the tanh approximation (`tf.nn.gelu(approximate=True)`). The slice versions
//! match once per layer and loop branch-free, so the compiler can vectorise them.

use std::fmt;

use super::float::Float;
use super::Error;

/// SELU's scale (Klambauer et al. 2017, as in TensorFlow).
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
/// SELU's alpha.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
/// `sqrt(2 / pi)`, GELU's tanh-approximation factor.
const GELU_C: f64 = 0.797_884_560_802_865_4;
/// GELU's cubic coefficient.
const GELU_CUBIC: f64 = 0.044_715;

/// A hidden-layer activation function. The output layer is always [`Activation::Sigmoid`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// `1 / (1 + e^-x)`: derivative at most 0.25, the lesson's vanishing gradient.
    Sigmoid,
    /// `max(0, x)`.
    Relu,
    /// `x` for `x > 0`, else `slope * x`.
    LeakyRelu {
        /// Gradient on the negative side (TensorFlow's default is 0.2).
        slope: f32,
    },
    /// Hyperbolic tangent.
    Tanh,
    /// `x` for `x > 0`, else `e^x - 1`.
    Elu,
    /// Scaled ELU: `scale * x` for `x > 0`, else `scale * alpha * (e^x - 1)`.
    Selu,
    /// `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    Gelu,
    /// `x * sigmoid(x)`.
    Swish,
}

impl Activation {
    /// The command-line spelling of every activation, in [`Activation`] order.
    pub const NAMES: [&'static str; 8] = [
        "sigmoid",
        "relu",
        "leaky-relu",
        "tanh",
        "elu",
        "selu",
        "gelu",
        "swish",
    ];

    /// The command-line spelling, e.g. `leaky-relu`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
            Activation::LeakyRelu { .. } => "leaky-relu",
            Activation::Tanh => "tanh",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
            Activation::Gelu => "gelu",
            Activation::Swish => "swish",
        }
    }

    /// Parses a command-line spelling; `leaky_slope` is used only for `leaky-relu` and
    /// must then be finite.
    pub fn parse(name: &str, leaky_slope: f32) -> Result<Self, Error> {
        Ok(match name {
            "sigmoid" => Activation::Sigmoid,
            "relu" => Activation::Relu,
            "leaky-relu" => {
                if !leaky_slope.is_finite() {
                    return Err(Error::LeakySlope { slope: leaky_slope });
                }
                Activation::LeakyRelu { slope: leaky_slope }
            }
            "tanh" => Activation::Tanh,
            "elu" => Activation::Elu,
            "selu" => Activation::Selu,
            "gelu" => Activation::Gelu,
            "swish" => Activation::Swish,
            _ => {
                return Err(Error::UnknownActivation {
                    name: name.to_string(),
                })
            }
        })
    }

    /// The activation's value at `x`.
    #[inline]
    pub fn forward<F: Float>(self, x: F) -> F {
        match self {
            Activation::Sigmoid => x.sigmoid(),
            Activation::Relu => relu(x),
            Activation::LeakyRelu { slope } => leaky(x, F::from_f64(f64::from(slope))),
            Activation::Tanh => x.tanh(),
            Activation::Elu => elu(x),
            Activation::Selu => selu(x),
            Activation::Gelu => gelu(x),
            Activation::Swish => x * x.sigmoid(),
        }
    }

    /// The derivative at `x`.
    pub fn derivative<F: Float>(self, x: F) -> F {
        self.derivative_given(x, self.forward(x))
    }

    /// The derivative at pre-activation `z`, given `a = forward(z)` (cheaper for most).
    #[inline]
    pub(crate) fn derivative_given<F: Float>(self, z: F, a: F) -> F {
        match self {
            Activation::Sigmoid => a * (F::ONE - a),
            Activation::Relu => pick(z > F::ZERO, F::ONE, F::ZERO),
            Activation::LeakyRelu { slope } => {
                pick(z > F::ZERO, F::ONE, F::from_f64(f64::from(slope)))
            }
            Activation::Tanh => F::ONE - a * a,
            Activation::Elu => pick(z > F::ZERO, F::ONE, a + F::ONE),
            Activation::Selu => {
                let scale = F::from_f64(SELU_SCALE);
                pick(z > F::ZERO, scale, a + scale * F::from_f64(SELU_ALPHA))
            }
            Activation::Gelu => gelu_derivative(z),
            Activation::Swish => {
                let s = z.sigmoid();
                s * (F::ONE + z * (F::ONE - s))
            }
        }
    }

    /// `a = forward(z)` over equal-length slices of `L`-value chunks (SIMD-width
    /// chunks: each chunk's `L` values are computed together, with no scalar remainder).
    #[inline(always)]
    pub(crate) fn forward_chunks<F: Float, const L: usize>(self, z: &[[F; L]], a: &mut [[F; L]]) {
        match self {
            Activation::Sigmoid => map(z, a, |x| x.sigmoid()),
            Activation::Relu => map(z, a, relu),
            Activation::LeakyRelu { slope } => {
                let slope = F::from_f64(f64::from(slope));
                map(z, a, |x| leaky(x, slope))
            }
            Activation::Tanh => map(z, a, |x| x.tanh()),
            Activation::Elu => map(z, a, elu),
            Activation::Selu => map(z, a, selu),
            Activation::Gelu => map(z, a, gelu),
            Activation::Swish => map(z, a, |x| x * x.sigmoid()),
        }
    }

    /// `delta *= derivative(z)`, with `a = forward(z)` as computed by the forward pass,
    /// over chunks like [`forward_chunks`](Self::forward_chunks).
    #[inline(always)]
    pub(crate) fn scale_by_derivative<F: Float, const L: usize>(
        self,
        z: &[[F; L]],
        a: &[[F; L]],
        delta: &mut [[F; L]],
    ) {
        match self {
            Activation::Sigmoid => scale(z, a, delta, |_, a| a * (F::ONE - a)),
            Activation::Relu => scale(z, a, delta, |z, _| pick(z > F::ZERO, F::ONE, F::ZERO)),
            Activation::Tanh => scale(z, a, delta, |_, a| F::ONE - a * a),
            other => scale(z, a, delta, |z, a| other.derivative_given(z, a)),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[inline(always)]
fn pick<F: Float>(condition: bool, yes: F, no: F) -> F {
    if condition {
        yes
    } else {
        no
    }
}

#[inline(always)]
fn relu<F: Float>(x: F) -> F {
    pick(x > F::ZERO, x, F::ZERO)
}

#[inline(always)]
fn leaky<F: Float>(x: F, slope: F) -> F {
    pick(x > F::ZERO, x, slope * x)
}

#[inline(always)]
fn elu<F: Float>(x: F) -> F {
    pick(x > F::ZERO, x, x.exp_m1())
}

#[inline(always)]
fn selu<F: Float>(x: F) -> F {
    let scale = F::from_f64(SELU_SCALE);
    pick(
        x > F::ZERO,
        scale * x,
        scale * F::from_f64(SELU_ALPHA) * x.exp_m1(),
    )
}

#[inline(always)]
fn gelu<F: Float>(x: F) -> F {
    let u = F::from_f64(GELU_C) * (x + F::from_f64(GELU_CUBIC) * x * x * x);
    F::HALF * x * (F::ONE + u.tanh())
}

#[inline(always)]
fn gelu_derivative<F: Float>(x: F) -> F {
    let c = F::from_f64(GELU_C);
    let k = F::from_f64(GELU_CUBIC);
    let t = (c * (x + k * x * x * x)).tanh();
    let du = c * (F::ONE + F::from_f64(3.0) * k * x * x);
    F::HALF * (F::ONE + t) + F::HALF * x * (F::ONE - t * t) * du
}

// In `map` and `scale`, each chunk reference passes through `black_box`: this keeps
// LLVM's loop vectoriser from vectorising across chunks (which transposes them through
// shuffles), so each chunk is computed as one SIMD vector as intended.

#[inline(always)]
fn map<F: Float, const L: usize>(z: &[[F; L]], a: &mut [[F; L]], f: impl Fn(F) -> F) {
    for (a, z) in a.iter_mut().zip(z) {
        let z = std::hint::black_box(z);
        *a = std::array::from_fn(|l| f(z[l]));
    }
}

#[inline(always)]
fn scale<F: Float, const L: usize>(
    z: &[[F; L]],
    a: &[[F; L]],
    delta: &mut [[F; L]],
    d: impl Fn(F, F) -> F,
) {
    for ((delta, z), a) in delta.iter_mut().zip(z).zip(a) {
        let z = std::hint::black_box(z);
        *delta = std::array::from_fn(|l| delta[l] * d(z[l], a[l]));
    }
}

/// Every activation once (leaky-relu with slope 0.2), for tests across the module.
#[cfg(test)]
pub(crate) const ALL_FOR_TESTS: [Activation; 8] = [
    Activation::Sigmoid,
    Activation::Relu,
    Activation::LeakyRelu { slope: 0.2 },
    Activation::Tanh,
    Activation::Elu,
    Activation::Selu,
    Activation::Gelu,
    Activation::Swish,
];

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Activation; 8] = ALL_FOR_TESTS;

    #[test]
    fn names_round_trip_and_match_the_list() {
        for (act, name) in ALL.iter().zip(Activation::NAMES) {
            assert_eq!(act.name(), name);
            assert_eq!(act.to_string(), name);
            assert_eq!(Activation::parse(name, 0.2).unwrap(), *act);
        }
    }

    #[test]
    fn unknown_name_lists_the_choices() {
        let err = Activation::parse("softmax", 0.2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown activation `softmax`: choose one of sigmoid, relu, leaky-relu, tanh, \
             elu, selu, gelu, swish"
        );
        let err = Activation::parse("leaky-relu", f32::NAN).unwrap_err();
        assert_eq!(err.to_string(), "leaky-relu slope must be finite, got NaN");
    }

    #[test]
    fn forward_values() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(Activation::Sigmoid.forward(0.0), 0.5);
        close(Activation::Sigmoid.forward(2.0), 0.880_797_077_977_882_3);
        close(Activation::Relu.forward(-3.0), 0.0);
        close(Activation::Relu.forward(3.0), 3.0);
        close(
            Activation::LeakyRelu { slope: 0.2 }.forward(-3.0),
            -0.6000000089406967,
        );
        close(Activation::Tanh.forward(1.0), 0.761_594_155_955_764_9);
        close(Activation::Elu.forward(-1.0), -0.632_120_558_828_557_7);
        close(Activation::Elu.forward(2.0), 2.0);
        close(Activation::Selu.forward(1.0), 1.050_700_987_355_480_5);
        close(Activation::Selu.forward(-1.0), -1.111_330_737_812_562_3);
        close(Activation::Gelu.forward(1.0), 0.841_191_990_607_766);
        close(Activation::Swish.forward(1.0), 0.731_058_578_630_004_9);
    }

    #[test]
    fn derivatives_match_central_differences_in_f64() {
        for act in ALL {
            for i in -40..=40 {
                let x = i as f64 * 0.1 + 0.013;
                let h = 1e-6;
                let numeric = (act.forward(x + h) - act.forward(x - h)) / (2.0 * h);
                let analytic = act.derivative(x);
                assert!(
                    (numeric - analytic).abs() < 1e-8,
                    "{act} at {x}: {analytic} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn derivatives_at_kinks_follow_tensorflow() {
        assert_eq!(Activation::Relu.derivative(0.0f32), 0.0);
        assert_eq!(Activation::LeakyRelu { slope: 0.2 }.derivative(0.0f32), 0.2);
        assert_eq!(Activation::Elu.derivative(0.0f32), 1.0);
        assert_eq!(Activation::Sigmoid.derivative(0.0f32), 0.25);
    }

    #[test]
    fn chunk_versions_agree_with_scalar_ones() {
        let z: Vec<[f32; 4]> = (0..5)
            .map(|c| std::array::from_fn(|l| (c * 4 + l) as f32 * 0.37 - 3.7))
            .collect();
        for act in ALL {
            let mut a = vec![[0.0; 4]; z.len()];
            act.forward_chunks(&z, &mut a);
            let mut delta = vec![[2.0; 4]; z.len()];
            act.scale_by_derivative(&z, &a, &mut delta);
            for (c, chunk) in z.iter().enumerate() {
                for (l, &x) in chunk.iter().enumerate() {
                    assert_eq!(a[c][l], act.forward(x), "{act}");
                    assert_eq!(delta[c][l], 2.0 * act.derivative(x), "{act}");
                }
            }
        }
    }
}
