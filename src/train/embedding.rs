//! What the Projector shows at the end of a run with a test set: the last hidden layer's
//! activations of the first test examples, one point per example, labelled with its true
//! and predicted class (and, for 2-D data, its coordinates), drawn with its own image
//! for a dataset of images.
//!
//! A collapsed network (the deep sigmoid net) gives every input nearly the same last
//! hidden layer (a spread of about 1e-7 of its size): the Projector, which spherizes the
//! data and scales the view to fit by default, blows that up into one cloud, and its
//! Color by menu says `predicted: 1 colors`. A network that learned shows the classes
//! as clusters. A network with no hidden layer (`--depth 1`) has nothing to show, and a
//! diverged one (activations that are not finite) is not drawn.

use ndarray::{Array1, Array2};

use super::limits::EVAL_BATCH;
use crate::data::Dataset;
use crate::nn::{self, Mlp, Workspace};
use crate::summary::{Embedding, Sprite};

/// Test examples shown: at most one evaluation chunk, whose buffers the run's memory
/// limit already counts ([`super::limits`]).
pub const POINTS: usize = EVAL_BATCH;

/// The tag of the embedding in the test sub-run.
pub const TAG: &str = "last_hidden_layer";

/// The first test examples as the Projector gets them.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    /// `[rows, dim]` row-major: each example's last hidden layer.
    pub features: Vec<f32>,
    /// Units of the last hidden layer.
    pub dim: usize,
    /// Each example's true class name.
    pub labels: Vec<String>,
    /// Each example's predicted class name.
    pub predicted: Vec<String>,
    /// For 2-D data: each example's coordinates, as written (`x1`, `x2` columns).
    pub coordinates: Option<[Vec<String>; 2]>,
    /// For images: the examples' pixels, one image after the other.
    pub pixels: Vec<u8>,
}

impl Points {
    /// The embedding to write: the features, the columns `label` and `predicted` (and
    /// `x1`, `x2`), and for images the sprite.
    pub fn embedding<'a>(&'a self, set: &Dataset) -> Embedding<'a> {
        let mut e = Embedding::new(&self.features, self.dim)
            .column("label", self.labels.iter().cloned())
            .column("predicted", self.predicted.iter().cloned());
        if let Some([x1, x2]) = &self.coordinates {
            e = e
                .column("x1", x1.iter().cloned())
                .column("x2", x2.iter().cloned());
        }
        if let Some(shape) = set.image_shape() {
            if !self.pixels.is_empty() {
                e = e.sprite(Sprite::grey(
                    &self.pixels,
                    shape.width as u32,
                    shape.height as u32,
                ));
            }
        }
        e
    }
}

/// The last hidden layer of `mlp` on the first [`POINTS`] examples of `set`, with their
/// class names from `names`; `None` for a network without a hidden layer or whose
/// activations are not all finite.
pub fn last_hidden_layer(
    mlp: &Mlp,
    set: &Dataset,
    names: &[String],
    threads: Option<usize>,
) -> Result<Option<Points>, nn::Error> {
    let depth = mlp.depth();
    if depth < 2 || set.is_empty() {
        return Ok(None);
    }
    let rows = set.len().min(POINTS);
    let mut ws = Workspace::for_inference(mlp, rows)?;
    if let Some(threads) = threads {
        ws.set_threads(threads)?;
    }
    let mut x = Array2::zeros((rows, set.features()));
    let mut y = Array1::zeros(rows);
    let index: Vec<usize> = (0..rows).collect();
    set.fill(&index, x.view_mut(), y.view_mut());
    ws.forward(mlp, x.view(), y.view())?;
    let Some(hidden) = ws.activations(depth - 2) else {
        return Ok(None);
    };
    let features: Vec<f32> = hidden.iter().copied().collect();
    if features.iter().any(|v| !v.is_finite()) {
        return Ok(None);
    }
    let name = |class: usize| {
        names
            .get(class)
            .cloned()
            .unwrap_or_else(|| class.to_string())
    };
    let labels = set.labels()[..rows]
        .iter()
        .map(|&l| name(l as usize))
        .collect();
    let predicted = ws.predicted_classes().iter().map(|&c| name(c)).collect();
    let coordinates = (set.features() == 2 && set.image_shape().is_none()).then(|| {
        let column = |c: usize| x.column(c).iter().map(|v| v.to_string()).collect();
        [column(0), column(1)]
    });
    let pixels = (0..rows)
        .filter_map(|i| set.pixels(i))
        .flatten()
        .copied()
        .collect();
    Ok(Some(Points {
        features,
        dim: hidden.ncols(),
        labels,
        predicted,
        coordinates,
        pixels,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init, MlpConfig};
    use rand::SeedableRng;

    fn net(inputs: usize, depth: usize, classes: usize) -> Mlp {
        let config = MlpConfig {
            inputs,
            width: 3,
            depth,
            hidden: Activation::Relu,
            init: Init::Xavier,
            classes,
        };
        Mlp::new(&config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3)).unwrap()
    }

    #[test]
    fn two_d_points_carry_their_coordinates_and_classes() {
        let x = Array2::from_shape_vec((3, 2), vec![0.0, 1.0, 0.5, -0.25, 1.0, 0.0]).unwrap();
        let set = Dataset::new(x, vec![1, 0, 1], 2).unwrap();
        let mlp = net(2, 3, 2);
        let names = ["0".to_string(), "1".to_string()];
        let points = last_hidden_layer(&mlp, &set, &names, Some(1))
            .unwrap()
            .unwrap();
        assert_eq!(points.dim, 3);
        assert_eq!(points.features.len(), 9);
        assert_eq!(points.labels, ["1", "0", "1"]);
        assert_eq!(points.predicted.len(), 3);
        assert_eq!(
            points.coordinates,
            Some([
                vec!["0".to_string(), "0.5".into(), "1".into()],
                vec!["1".to_string(), "-0.25".into(), "0".into()],
            ])
        );
        assert!(points.pixels.is_empty());
        // The features are the last hidden layer's activations (ReLU: never negative).
        assert!(points.features.iter().all(|&v| v >= 0.0));
        assert_eq!(points.embedding(&set).rows(), 3);
    }

    #[test]
    fn images_give_a_sprite_of_the_first_points_only() {
        let rows = POINTS + 5;
        let pixels: Vec<u8> = (0..rows * 4).map(|i| (i % 251) as u8).collect();
        let labels: Vec<u32> = (0..rows).map(|i| (i % 3) as u32).collect();
        let shape = crate::data::ImageShape {
            height: 2,
            width: 2,
        };
        let set = Dataset::images(pixels.clone(), shape, labels, 3).unwrap();
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let points = last_hidden_layer(&net(4, 2, 3), &set, &names, None)
            .unwrap()
            .unwrap();
        assert_eq!(points.labels.len(), POINTS);
        assert_eq!(&points.labels[..4], ["a", "b", "c", "a"]);
        assert_eq!(points.pixels, pixels[..POINTS * 4]);
        assert!(points.coordinates.is_none());
    }

    #[test]
    fn no_hidden_layer_no_points() {
        let x = Array2::zeros((2, 2));
        let set = Dataset::new(x, vec![0, 1], 2).unwrap();
        let none = last_hidden_layer(&net(2, 1, 2), &set, &[], None).unwrap();
        assert!(none.is_none());
    }
}
