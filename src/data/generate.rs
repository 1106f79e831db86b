//! The generated datasets: the lesson's XOR truth table, and three 2-D sets (circles,
//! moons, spirals) of [`GENERATED_POINTS`] points drawn from a ChaCha8 generator seeded
//! by the caller, so one seed always gives the same points. The training points come
//! from the generator's stream 0 and the held-out test points from its stream 1: two
//! independent sequences of one seed, so no run's test set is another seed's training
//! set.

use std::f64::consts::{PI, TAU};

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Dataset;
use crate::random::standard_normal;

/// Points in each generated dataset (half of them in each class).
pub const GENERATED_POINTS: usize = 200;

/// The lesson's XOR: inputs `[[0,0],[0,1],[1,0],[1,1]]`, labels `[0,1,1,0]`.
pub fn xor() -> Dataset {
    let x = ndarray::array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    checked(Dataset::new(x, vec![0, 1, 1, 0], 2))
}

/// Which points of a seed: the training set's or the test set's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stream {
    Train,
    Test,
}

/// Two concentric circles (see [`circles_point`]).
pub(super) fn circles(seed: u64, stream: Stream) -> Dataset {
    generate(seed, stream, circles_point)
}

/// Two interleaving half circles (see [`moons_point`]).
pub(super) fn moons(seed: u64, stream: Stream) -> Dataset {
    generate(seed, stream, moons_point)
}

/// Two interleaved spirals (see [`spirals_point`]).
pub(super) fn spirals(seed: u64, stream: Stream) -> Dataset {
    generate(seed, stream, spirals_point)
}

/// [`GENERATED_POINTS`] points, classes alternating 0, 1, 0, ... (so any prefix is
/// balanced), each drawn by `point(class, rng)` from `seed`'s `stream`.
fn generate(seed: u64, stream: Stream, point: fn(usize, &mut ChaCha8Rng) -> [f64; 2]) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(match stream {
        Stream::Train => 0,
        Stream::Test => 1,
    });
    let mut x = Array2::zeros((GENERATED_POINTS, 2));
    let mut labels = Vec::with_capacity(GENERATED_POINTS);
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        let class = i % 2;
        let [px, py] = point(class, &mut rng);
        row[0] = px as f32;
        row[1] = py as f32;
        labels.push(class as u32);
    }
    checked(Dataset::new(x, labels, 2))
}

/// A generated dataset, which is valid by construction (finite points, labels 0 and 1):
/// a failed check here is a bug in this file.
fn checked(data: Result<Dataset, super::Error>) -> Dataset {
    match data {
        Ok(data) => data,
        Err(e) => unreachable!("a generated dataset is valid: {e}"),
    }
}

/// Circles: radius 1 (class 0) or 0.5 (class 1), noise 0.05.
fn circles_point(class: usize, rng: &mut ChaCha8Rng) -> [f64; 2] {
    let radius = if class == 0 { 1.0 } else { 0.5 };
    let angle = rng.random_range(0.0..TAU);
    [
        radius * angle.cos() + 0.05 * standard_normal(rng),
        radius * angle.sin() + 0.05 * standard_normal(rng),
    ]
}

/// Moons: the upper half circle around (0, 0) (class 0) and the lower one around
/// (1, 0.5) (class 1), noise 0.1.
fn moons_point(class: usize, rng: &mut ChaCha8Rng) -> [f64; 2] {
    let t = rng.random_range(0.0..PI);
    let [px, py] = if class == 0 {
        [t.cos(), t.sin()]
    } else {
        [1.0 - t.cos(), 0.5 - t.sin()]
    };
    [
        px + 0.1 * standard_normal(rng),
        py + 0.1 * standard_normal(rng),
    ]
}

/// Spirals: radius `r` in [0.05, 1] at angle `3 pi r`, the second class turned by pi;
/// noise 0.03.
fn spirals_point(class: usize, rng: &mut ChaCha8Rng) -> [f64; 2] {
    let r = rng.random_range(0.05..1.0);
    let angle = 3.0 * PI * r + if class == 0 { 0.0 } else { PI };
    [
        r * angle.cos() + 0.03 * standard_normal(rng),
        r * angle.sin() + 0.03 * standard_normal(rng),
    ]
}

#[cfg(test)]
mod tests {
    use crate::data::{load, Dataset, DatasetSpec};

    /// Every point of `ds` with its class.
    fn points(ds: &Dataset) -> Vec<(f32, f32, u32)> {
        (0..ds.len())
            .map(|i| {
                let row = ds.row(i).unwrap();
                (row[0], row[1], ds.labels()[i])
            })
            .collect()
    }

    #[test]
    fn xor_is_the_lessons_table() {
        let ds = load(&DatasetSpec::Xor, 99).unwrap().train;
        assert_eq!(
            points(&ds),
            [(0.0, 0.0, 0), (0.0, 1.0, 1), (1.0, 0.0, 1), (1.0, 1.0, 0)]
        );
        assert_eq!((ds.len(), ds.features(), ds.is_empty()), (4, 2, false));
        assert_eq!(ds.classes(), 2);
        assert_eq!(ds.plane(), [-0.5, 1.5, -0.5, 1.5]);
    }

    #[test]
    fn generated_sets_are_balanced_deterministic_and_seeded() {
        for spec in [
            DatasetSpec::Circles,
            DatasetSpec::Moons,
            DatasetSpec::Spirals,
        ] {
            let split = load(&spec, 7).unwrap();
            let a = &split.train;
            assert_eq!((a.len(), a.features()), (200, 2), "{spec}");
            assert_eq!(
                a.labels().iter().filter(|&&v| v == 1).count(),
                100,
                "{spec}"
            );
            assert_eq!(&a.labels()[..4], &[0, 1, 0, 1], "{spec}");
            assert_eq!(split, load(&spec, 7).unwrap(), "{spec}");
            assert_ne!(points(a), points(&load(&spec, 8).unwrap().train), "{spec}");
            assert!(
                points(a).iter().all(|p| p.0.abs() < 3.0 && p.1.abs() < 3.0),
                "{spec}"
            );
            // The test set is another draw, not another seed's training set.
            let test = split.test.unwrap();
            for other in 0..20 {
                let train = load(&spec, other).unwrap().train;
                assert_ne!(points(&test), points(&train), "{spec} seed {other}");
            }
        }
    }

    #[test]
    fn circles_have_their_radii() {
        let ds = load(&DatasetSpec::Circles, 3).unwrap().train;
        for (x, y, label) in points(&ds) {
            let r = (x * x + y * y).sqrt();
            let want = if label == 0 { 1.0 } else { 0.5 };
            assert!((r - want).abs() < 0.25, "radius {r} for class {label}");
        }
    }

    #[test]
    fn moons_classes_sit_on_their_half_circles() {
        let ds = load(&DatasetSpec::Moons, 0).unwrap().train;
        let mean = |class: u32| {
            let rows: Vec<_> = points(&ds)
                .into_iter()
                .filter(|p| p.2 == class)
                .map(|p| (p.0, p.1))
                .collect();
            let n = rows.len() as f32;
            let (sx, sy) = rows
                .iter()
                .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
            (sx / n, sy / n)
        };
        // Means of the half circles: (0, 2/pi) and (1, 0.5 - 2/pi).
        let (x0, y0) = mean(0);
        let (x1, y1) = mean(1);
        assert!(
            x0.abs() < 0.15 && (y0 - std::f32::consts::FRAC_2_PI).abs() < 0.1,
            "{x0} {y0}"
        );
        assert!(
            (x1 - 1.0).abs() < 0.15 && (y1 - (0.5 - std::f32::consts::FRAC_2_PI)).abs() < 0.1,
            "{x1} {y1}"
        );
    }
}
