//! The element-wise activations, each as a pair: its value `a = f(z)`, then right below
//! it its derivative `f'(z)`, given both `z` and `a` because most derivatives are cheapest
//! from the value the forward pass already computed.

use crate::nn::float::Float;

/// `sigmoid(z) = 1 / (1 + e^-z)`.
#[inline(always)]
pub(super) fn sigmoid<F: Float>(z: F) -> F {
    z.sigmoid()
}

/// `sigmoid'(z) = a (1 - a)`: at most 0.25, at `z = 0`.
#[inline(always)]
pub(super) fn sigmoid_derivative<F: Float>(_z: F, a: F) -> F {
    a * (F::ONE - a)
}

/// `relu(z) = max(0, z)`.
#[inline(always)]
pub(super) fn relu<F: Float>(z: F) -> F {
    if z > F::ZERO {
        z
    } else {
        F::ZERO
    }
}

/// `relu'(z)` is 1 where the unit is on, else 0 (0 at the kink, as TensorFlow).
#[inline(always)]
pub(super) fn relu_derivative<F: Float>(z: F, _a: F) -> F {
    if z > F::ZERO {
        F::ONE
    } else {
        F::ZERO
    }
}

/// `leaky_relu(z) = z` for `z > 0`, else `slope * z`.
#[inline(always)]
pub(super) fn leaky_relu<F: Float>(z: F, slope: F) -> F {
    if z > F::ZERO {
        z
    } else {
        slope * z
    }
}

/// 1 for `z > 0`, else `slope` (also at the kink, as TensorFlow).
#[inline(always)]
pub(super) fn leaky_relu_derivative<F: Float>(z: F, slope: F) -> F {
    if z > F::ZERO {
        F::ONE
    } else {
        slope
    }
}

/// `tanh(z)`.
#[inline(always)]
pub(super) fn tanh<F: Float>(z: F) -> F {
    z.tanh()
}

/// `tanh'(z) = 1 - a^2`.
#[inline(always)]
pub(super) fn tanh_derivative<F: Float>(_z: F, a: F) -> F {
    F::ONE - a * a
}

/// `elu(z) = z` for `z > 0`, else `e^z - 1`.
#[inline(always)]
pub(super) fn elu<F: Float>(z: F) -> F {
    if z > F::ZERO {
        z
    } else {
        z.exp_m1()
    }
}

/// On the negative side `a = e^z - 1`, so `e^z = a + 1`.
#[inline(always)]
pub(super) fn elu_derivative<F: Float>(z: F, a: F) -> F {
    if z > F::ZERO {
        F::ONE
    } else {
        a + F::ONE
    }
}

/// SELU's scale (Klambauer et al. 2017, as in TensorFlow).
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
/// SELU's alpha.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

/// `selu(z) = scale z` for `z > 0`, else `scale alpha (e^z - 1)`.
#[inline(always)]
pub(super) fn selu<F: Float>(z: F) -> F {
    let scale = F::from_f64(SELU_SCALE);
    if z > F::ZERO {
        scale * z
    } else {
        scale * F::from_f64(SELU_ALPHA) * z.exp_m1()
    }
}

/// On the negative side `a = scale alpha (e^z - 1)`, so `a' = a + scale alpha`.
#[inline(always)]
pub(super) fn selu_derivative<F: Float>(z: F, a: F) -> F {
    let scale = F::from_f64(SELU_SCALE);
    if z > F::ZERO {
        scale
    } else {
        a + scale * F::from_f64(SELU_ALPHA)
    }
}

/// `sqrt(2 / pi)`, GELU's tanh-approximation factor.
const GELU_C: f64 = 0.797_884_560_802_865_4;
/// GELU's cubic coefficient.
const GELU_CUBIC: f64 = 0.044_715;

/// `gelu(z) = 0.5 z (1 + tanh(u))` with `u = sqrt(2/pi) (z + 0.044715 z^3)`.
#[inline(always)]
pub(super) fn gelu<F: Float>(z: F) -> F {
    let u = F::from_f64(GELU_C) * (z + F::from_f64(GELU_CUBIC) * z * z * z);
    F::HALF * z * (F::ONE + u.tanh())
}

/// With `t = tanh(u)`: `0.5 (1 + t) + 0.5 z (1 - t^2) u'`.
#[inline(always)]
pub(super) fn gelu_derivative<F: Float>(z: F, _a: F) -> F {
    let c = F::from_f64(GELU_C);
    let k = F::from_f64(GELU_CUBIC);
    let t = (c * (z + k * z * z * z)).tanh();
    let du = c * (F::ONE + F::from_f64(3.0) * k * z * z);
    F::HALF * (F::ONE + t) + F::HALF * z * (F::ONE - t * t) * du
}

/// `swish(z) = z sigmoid(z)`.
#[inline(always)]
pub(super) fn swish<F: Float>(z: F) -> F {
    z * z.sigmoid()
}

/// With `s = sigmoid(z)`: `s + z s (1 - s)`.
#[inline(always)]
pub(super) fn swish_derivative<F: Float>(z: F, _a: F) -> F {
    let s = z.sigmoid();
    s * (F::ONE + z * (F::ONE - s))
}
