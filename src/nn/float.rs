//! The small float trait the network maths is generic over, and a fast `exp` for `f32`.
//!
//! Training runs in `f32` (as TensorFlow does); the same code instantiated with `f64` lets
//! the tests check gradients against finite differences, which `f32` is too coarse for.
//! The `f32` sigmoid uses [`exp_f32`], a branch-free exponential that the compiler turns
//! into SIMD code over a slice, within a few ulp of `f32::exp` (tested below).

use std::fmt::{Debug, Display};
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A floating-point element type for [`Mlp`](super::Mlp) and its training buffers:
/// implemented for `f32` (training) and `f64` (gradient checks).
pub trait Float:
    Copy
    + Default
    + PartialOrd
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// 0.5.
    const HALF: Self;
    /// The nearest value of this type.
    fn from_f64(v: f64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
    /// `e^self` (the standard library's).
    fn exp(self) -> Self;
    /// `e^self - 1`, accurate near 0.
    fn exp_m1(self) -> Self;
    /// `ln(1 + self)`, accurate near 0.
    fn ln_1p(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// The larger of the two (the non-NaN one if one is NaN).
    fn max(self, other: Self) -> Self;
    /// Whether the value is neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// Whether the value is NaN.
    fn is_nan(self) -> bool;
    /// The logistic function `1 / (1 + e^-self)`; for `f32` through [`exp_f32`].
    fn sigmoid(self) -> Self;
    /// `ln(1 + e^-|self|)`, the tail of the stable cross-entropy; for `f32` through
    /// [`ln_1p_exp_neg_abs_f32`].
    fn ln_1p_exp_neg_abs(self) -> Self;
}

macro_rules! float_common {
    () => {
        const ZERO: Self = 0.0;
        const ONE: Self = 1.0;
        const HALF: Self = 0.5;
        #[inline(always)]
        fn exp(self) -> Self {
            self.exp()
        }
        #[inline(always)]
        fn exp_m1(self) -> Self {
            self.exp_m1()
        }
        #[inline(always)]
        fn ln_1p(self) -> Self {
            self.ln_1p()
        }
        #[inline(always)]
        fn tanh(self) -> Self {
            self.tanh()
        }
        #[inline(always)]
        fn sqrt(self) -> Self {
            self.sqrt()
        }
        #[inline(always)]
        fn abs(self) -> Self {
            self.abs()
        }
        #[inline(always)]
        fn max(self, other: Self) -> Self {
            self.max(other)
        }
        #[inline(always)]
        fn is_finite(self) -> bool {
            self.is_finite()
        }
        #[inline(always)]
        fn is_nan(self) -> bool {
            self.is_nan()
        }
    };
}

impl Float for f32 {
    float_common!();
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        1.0 / (1.0 + exp_f32(-self))
    }
    #[inline(always)]
    fn ln_1p_exp_neg_abs(self) -> Self {
        ln_1p_exp_neg_abs_f32(self)
    }
}

impl Float for f64 {
    float_common!();
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        1.0 / (1.0 + (-self).exp())
    }
    #[inline(always)]
    fn ln_1p_exp_neg_abs(self) -> Self {
        (-self.abs()).exp().ln_1p()
    }
}

/// Smallest argument of [`exp_f32`] taken as is: e^-87 is still a normal `f32`.
const EXP_MIN: f32 = -87.0;
/// Largest argument of [`exp_f32`] taken as is: e^88 < `f32::MAX`.
const EXP_MAX: f32 = 88.0;
/// Adding then subtracting 1.5 * 2^23 rounds an `f32` of magnitude < 2^22 to an integer,
/// and leaves that integer in the low mantissa bits of the sum.
const ROUND_MAGIC: f32 = 12_582_912.0;
/// `ln 2` split so that `n * LN2_HI` is exact for |n| <= 128 (Cody and Waite).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;

/// `e^x` for `f32` without branches or table look-ups, so loops over slices vectorise.
///
/// `x` is clamped to [-87, 88] (results stay normal and finite; the sigmoid saturates long
/// before). Write `x = n ln 2 + r` with |r| <= ln 2 / 2; `e^r` is its Taylor polynomial of
/// degree 7 (truncation error below 6e-9 relative) and `2^n` is built in the exponent
/// bits. NaN stays NaN. Within 3 ulp of `f32::exp` on the whole range (tested).
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let shifted = x * std::f32::consts::LOG2_E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Estrin's scheme: shorter dependency chains than Horner's, same terms.
    let r2 = r * r;
    let r4 = r2 * r2;
    let a0 = 1.0 + r;
    let a1 = 0.5 + r * (1.0 / 6.0);
    let a2 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let a3 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    let p = (a0 + a1 * r2) + (a2 + a3 * r2) * r4;
    // The low bits of `shifted` hold n + 0x40_0000; rebias to the exponent n + 127.
    let exponent = shifted
        .to_bits()
        .wrapping_sub(ROUND_MAGIC.to_bits())
        .wrapping_add(127);
    p * f32::from_bits(exponent << 23)
}

/// `ln(1 + e^-|x|)` for `f32`, branch-free like [`exp_f32`].
///
/// With `e = e^-|x|` in (0, 1] and `s = e / (2 + e)` in (0, 1/3], `ln(1 + e) = 2 atanh(s)`,
/// summed to the `s^13` term (truncation below 2e-8 relative). Computing `s` from `e`
/// directly keeps full relative precision for tiny `e`. Within 3 ulp of the `f64`
/// result for |x| <= 87 (tested); beyond, where the result is below `f32`'s normal
/// range, 0.
#[inline(always)]
pub fn ln_1p_exp_neg_abs_f32(x: f32) -> f32 {
    let magnitude = x.abs();
    let e = exp_f32(-magnitude);
    let s = e / (2.0 + e);
    let s2 = s * s;
    let p = 1.0 / 13.0;
    let p = p * s2 + 1.0 / 11.0;
    let p = p * s2 + 1.0 / 9.0;
    let p = p * s2 + 1.0 / 7.0;
    let p = p * s2 + 1.0 / 5.0;
    let p = p * s2 + 1.0 / 3.0;
    let p = p * s2 + 1.0;
    let result = 2.0 * s * p;
    if magnitude > -EXP_MIN {
        0.0
    } else {
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn exp_f32_is_within_3_ulp_of_std_over_its_range() {
        let mut worst = 0u32;
        let mut worst_rel = 0f64;
        let grid =
            |lo: f32, hi: f32, n: u32| (0..=n).map(move |i| lo + (hi - lo) * (i as f32 / n as f32));
        for x in grid(EXP_MIN, EXP_MAX, 1 << 21).chain(grid(-1.0, 1.0, 1 << 20)) {
            let got = exp_f32(x);
            worst = worst.max(ulps(got, x.exp()));
            let exact = f64::from(x).exp();
            worst_rel = worst_rel.max(((f64::from(got) - exact) / exact).abs());
        }
        assert!(worst <= 3, "worst {worst} ulp");
        assert!(worst_rel < 3.0e-7, "worst relative error {worst_rel}");
    }

    #[test]
    fn exp_f32_exact_points_and_limits() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(1.0), std::f32::consts::E);
        assert!(ulps(exp_f32(-1.0), (-1.0f32).exp()) <= 1);
        assert_eq!(exp_f32(1000.0), exp_f32(88.0));
        assert!(exp_f32(88.0).is_finite());
        assert_eq!(exp_f32(-1000.0), exp_f32(-87.0));
        assert!(exp_f32(-87.0) >= f32::MIN_POSITIVE);
        assert!(exp_f32(f32::NAN).is_nan());
    }

    #[test]
    fn ln_1p_exp_neg_abs_f32_is_within_3_ulp() {
        let mut worst = 0u32;
        for i in -870_000..=870_000 {
            let x = i as f32 * 1e-4;
            let want = (-f64::from(x).abs()).exp().ln_1p() as f32;
            worst = worst.max(ulps(ln_1p_exp_neg_abs_f32(x), want));
        }
        assert!(worst <= 3, "worst {worst} ulp");
        assert_eq!(ln_1p_exp_neg_abs_f32(0.0), std::f32::consts::LN_2);
        assert!(ln_1p_exp_neg_abs_f32(f32::NAN).is_nan());
    }

    #[test]
    fn f32_sigmoid_is_within_3_ulp_of_the_exact_value() {
        let mut worst = 0u32;
        for i in -4000..=4000 {
            let x = i as f32 * 0.01;
            let want = (1.0 / (1.0 + (-f64::from(x)).exp())) as f32;
            worst = worst.max(ulps(x.sigmoid(), want));
        }
        assert!(worst <= 3, "worst {worst} ulp");
        assert_eq!(0.0f32.sigmoid(), 0.5);
        assert_eq!(100.0f32.sigmoid(), 1.0);
        assert!(Float::sigmoid(-100.0f32) < 1e-37);
    }
}
