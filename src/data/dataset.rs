//! A classification dataset in memory: features, one class per example, and how a
//! mini-batch is filled from it.
//!
//! Features are kept as they came: floats for generated sets and CSV files, bytes for
//! IDX images (60,000 Fashion-MNIST images are 47 MB as bytes, four times that as
//! floats). A batch is filled from a list of rows ([`Dataset::fill`]), scaling bytes to
//! [0, 1] on the way, so shuffling an epoch shuffles row numbers and copies nothing.

use std::borrow::Cow;

use ndarray::{Array2, ArrayViewMut1, ArrayViewMut2, Zip};

use super::Error;

/// Most classes a dataset may have (the output layer has one unit per class).
pub const MAX_CLASSES: usize = 1000;

/// The height and width of each example's picture, for datasets of images (the
/// features are its pixels, row by row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageShape {
    pub height: usize,
    pub width: usize,
}

/// How the features are held.
#[derive(Debug, Clone, PartialEq)]
enum Features {
    /// `[n, d]`, used as they are.
    Floats(Array2<f32>),
    /// `[n, d]` bytes (pixels), each read as `byte / 255`.
    Bytes(Array2<u8>),
}

/// Examples for classification into [`Dataset::classes`] classes: `[n, d]` features and
/// a class `0 .. classes` per example; at least one example and one feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Features,
    labels: Vec<u32>,
    classes: usize,
    /// One name per class, when the classes have names (Fashion-MNIST's).
    names: Option<Vec<String>>,
    image: Option<ImageShape>,
}

impl Dataset {
    /// A dataset of float features and class labels, checked: as many labels as rows, at
    /// least one of each, `2 ..= MAX_CLASSES` classes, every label below `classes`, every
    /// feature finite.
    pub fn new(x: Array2<f32>, labels: Vec<u32>, classes: usize) -> Result<Self, Error> {
        check_shape(x.dim(), &labels, classes)?;
        if let Some(((row, column), &value)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::FeatureValue { row, column, value });
        }
        Ok(Dataset {
            features: Features::Floats(x),
            labels,
            classes,
            names: None,
            image: None,
        })
    }

    /// A dataset of images: `pixels` holds one image of `shape` after another, a byte
    /// per pixel, row by row, one image per label; each byte is read as `byte / 255`.
    pub fn images(
        pixels: Vec<u8>,
        shape: ImageShape,
        labels: Vec<u32>,
        classes: usize,
    ) -> Result<Self, Error> {
        let per_image = shape.height.checked_mul(shape.width).unwrap_or(0);
        if per_image == 0 || labels.len().checked_mul(per_image) != Some(pixels.len()) {
            return Err(Error::ImageShape {
                height: shape.height,
                width: shape.width,
                images: labels.len(),
                bytes: pixels.len(),
            });
        }
        let pixels = Array2::from_shape_vec((labels.len(), per_image), pixels).map_err(|_| {
            Error::ImageShape {
                height: shape.height,
                width: shape.width,
                images: labels.len(),
                bytes: per_image * labels.len(),
            }
        })?;
        check_shape(pixels.dim(), &labels, classes)?;
        Ok(Dataset {
            features: Features::Bytes(pixels),
            labels,
            classes,
            names: None,
            image: Some(shape),
        })
    }

    /// The same dataset with a name for each class.
    pub fn with_class_names(mut self, names: Vec<String>) -> Result<Self, Error> {
        if names.len() != self.classes {
            return Err(Error::ClassNames {
                names: names.len(),
                classes: self.classes,
            });
        }
        self.names = Some(names);
        Ok(self)
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples (never, for a dataset made by this module).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per example.
    pub fn features(&self) -> usize {
        match &self.features {
            Features::Floats(x) => x.ncols(),
            Features::Bytes(x) => x.ncols(),
        }
    }

    /// Number of classes (2 for binary classification).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Every example's class.
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// Class `class`'s name: its given name, else its number.
    pub fn class_name(&self, class: usize) -> Cow<'_, str> {
        match self.names.as_ref().and_then(|names| names.get(class)) {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(class.to_string()),
        }
    }

    /// Whether the classes have names of their own.
    pub fn has_class_names(&self) -> bool {
        self.names.is_some()
    }

    /// The picture shape of each example, for a dataset of images.
    pub fn image_shape(&self) -> Option<ImageShape> {
        self.image
    }

    /// Example `row`'s pixels, for a dataset of images (`None` otherwise or past the
    /// end).
    pub fn pixels(&self, row: usize) -> Option<&[u8]> {
        match &self.features {
            Features::Bytes(x) if row < x.nrows() => x.row(row).to_slice(),
            _ => None,
        }
    }

    /// Example `row`'s features as the network sees them (`None` past the end).
    pub fn row(&self, row: usize) -> Option<Vec<f32>> {
        if row >= self.len() {
            return None;
        }
        Some(match &self.features {
            Features::Floats(x) => x.row(row).to_vec(),
            Features::Bytes(x) => x.row(row).iter().map(|&b| scale(b)).collect(),
        })
    }

    /// Fills `x` (`[rows.len(), features]`) and `y` (`[rows.len()]`, each class as a
    /// float) with the examples `rows`, in that order, bytes scaled to [0, 1].
    ///
    /// # Panics
    /// If `x` or `y` has another shape than `rows` asks for, or a row is past the end:
    /// callers size their batch buffers from this dataset (a broken invariant, not
    /// input).
    pub fn fill(
        &self,
        rows: &[usize],
        mut x: ArrayViewMut2<'_, f32>,
        mut y: ArrayViewMut1<'_, f32>,
    ) {
        assert_eq!(x.dim(), (rows.len(), self.features()), "batch buffer shape");
        assert_eq!(y.len(), rows.len(), "batch label buffer length");
        if let Features::Bytes(data) = &self.features {
            touch(rows.iter().map(|&row| data.row(row)));
        }
        for ((&row, mut out), label) in rows.iter().zip(x.rows_mut()).zip(y.iter_mut()) {
            match &self.features {
                Features::Floats(data) => out.assign(&data.row(row)),
                Features::Bytes(data) => {
                    Zip::from(&mut out)
                        .and(data.row(row))
                        .for_each(|o, &b| *o = scale(b));
                }
            }
            *label = self.labels[row] as f32;
        }
    }

    /// The first `n` rows (or all, if fewer): a smaller copy, e.g. for quick runs and tests.
    pub fn head(&self, n: usize) -> Dataset {
        let n = n.min(self.len()).max(1);
        let features = match &self.features {
            Features::Floats(x) => Features::Floats(x.slice(ndarray::s![..n, ..]).to_owned()),
            Features::Bytes(x) => Features::Bytes(x.slice(ndarray::s![..n, ..]).to_owned()),
        };
        Dataset {
            features,
            labels: self.labels[..n].to_vec(),
            ..self.clone_meta()
        }
    }

    /// Everything but the examples.
    fn clone_meta(&self) -> Dataset {
        Dataset {
            features: Features::Floats(Array2::zeros((0, 0))),
            labels: Vec::new(),
            classes: self.classes,
            names: self.names.clone(),
            image: self.image,
        }
    }

    /// Feature `column` of every example, as the network sees it.
    fn column(&self, column: usize) -> Vec<f32> {
        match &self.features {
            Features::Floats(x) => x.column(column).to_vec(),
            Features::Bytes(x) => x.column(column).iter().map(|&b| scale(b)).collect(),
        }
    }

    /// The region `[xmin, xmax, ymin, ymax]` to draw a decision boundary over, from the
    /// first two features: each axis spans the data plus a 10% margin on both sides,
    /// except that a 0/1-valued axis (a truth table, as XOR) spans [-0.5, 1.5], so the
    /// four XOR points sit in the middle of the four quarters. A constant axis gets
    /// +-0.5 around its value; a missing second feature spans [-1, 1].
    pub fn plane(&self) -> [f32; 4] {
        let axis = |column: usize| -> [f32; 2] {
            if column >= self.features() {
                return [-1.0, 1.0];
            }
            let values = self.column(column);
            if values.iter().all(|&v| v == 0.0 || v == 1.0) {
                return [-0.5, 1.5];
            }
            let (lo, hi) = values
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let margin = if hi > lo { 0.1 * (hi - lo) } else { 0.5 };
            [lo - margin, hi + margin]
        };
        let ([xmin, xmax], [ymin, ymax]) = (axis(0), axis(1));
        [xmin, xmax, ymin, ymax]
    }
}

/// Reads one byte of every cache line of `rows`, so that they are in cache when the
/// batch is filled. A batch's rows are scattered over the set (47 MB for Fashion-MNIST),
/// and the fill waited on each row's first lines in turn; these loads are independent of
/// each other, so the memory system serves many at once (the fill took about 8% of a
/// step of lab 10-3's net before).
fn touch<'a>(rows: impl Iterator<Item = ndarray::ArrayView1<'a, u8>>) {
    const LINE: usize = 64;
    let mut seen = 0u8;
    for row in rows {
        let n = row.len();
        for i in (0..n).step_by(LINE).chain(n.checked_sub(1)) {
            seen ^= row[i];
        }
    }
    std::hint::black_box(seen);
}

/// A pixel byte as the network sees it: `byte / 255`, looked up.
fn scale(byte: u8) -> f32 {
    SCALED[usize::from(byte)]
}

/// `b / 255` for every byte `b`, computed once by the compiler: the same values as the
/// division, which costs more than the rest of a batch fill (a `divps` per 4 pixels).
const SCALED: [f32; 256] = {
    let mut table = [0.0; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b as f32 / 255.0;
        b += 1;
    }
    table
};

/// The checks every dataset passes: `labels` fit `(rows, features)`, at least one of
/// each, `2 ..= MAX_CLASSES` classes and every label below `classes`.
fn check_shape(
    (rows, features): (usize, usize),
    labels: &[u32],
    classes: usize,
) -> Result<(), Error> {
    if rows != labels.len() {
        return Err(Error::LabelCount {
            rows,
            labels: labels.len(),
        });
    }
    if rows == 0 || features == 0 {
        return Err(Error::EmptyDataset { rows, features });
    }
    if !(2..=MAX_CLASSES).contains(&classes) {
        return Err(Error::ClassCount { classes });
    }
    if let Some((index, &value)) = labels
        .iter()
        .enumerate()
        .find(|&(_, &v)| v as usize >= classes)
    {
        return Err(Error::LabelValue {
            index,
            value,
            classes,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1};

    #[test]
    fn a_pixel_is_its_byte_over_255_to_the_bit() {
        for b in 0..=255u8 {
            let divided = std::hint::black_box(f32::from(b)) / 255.0;
            assert_eq!(scale(b).to_bits(), divided.to_bits(), "{b}");
        }
        assert_eq!((scale(0), scale(255)), (0.0, 1.0));
    }

    #[test]
    fn new_checks_its_input() {
        let err =
            |x: Array2<f32>, y: Vec<u32>, k: usize| Dataset::new(x, y, k).unwrap_err().to_string();
        assert_eq!(
            err(array![[1.0], [2.0]], vec![0], 2),
            "2 feature rows but 1 labels"
        );
        assert_eq!(
            err(Array2::zeros((0, 2)), vec![], 2),
            "a dataset needs at least one example and one feature, got 0x2"
        );
        assert_eq!(
            err(array![[1.0], [2.0]], vec![0, 2], 2),
            "label 1 is 2, not a class of 0 to 1"
        );
        assert_eq!(
            err(array![[1.0, f32::NAN]], vec![1], 2),
            "feature (0, 1) is NaN, not finite"
        );
        assert_eq!(
            err(array![[1.0]], vec![0], 1),
            "a dataset needs 2 to 1000 classes, got 1"
        );
    }

    #[test]
    fn bytes_are_scaled_as_a_batch_is_filled() {
        let pixels = vec![0u8, 255, 51, 102, 255, 0, 0, 1];
        let shape = ImageShape {
            height: 2,
            width: 2,
        };
        let ds = Dataset::images(pixels, shape, vec![3, 1], 10).unwrap();
        assert_eq!((ds.len(), ds.features(), ds.classes()), (2, 4, 10));
        let mut x = Array2::zeros((3, 4));
        let mut y = Array1::zeros(3);
        ds.fill(&[1, 0, 1], x.view_mut(), y.view_mut());
        assert_eq!(
            x,
            array![
                [1.0, 0.0, 0.0, 1.0 / 255.0],
                [0.0, 1.0, 0.2, 0.4],
                [1.0, 0.0, 0.0, 1.0 / 255.0]
            ]
        );
        assert_eq!(y, array![1.0, 3.0, 1.0]);
        assert_eq!(ds.pixels(1), Some(&[255u8, 0, 0, 1][..]));
        assert_eq!(ds.pixels(2), None);
        assert_eq!(ds.row(0), Some(vec![0.0, 1.0, 0.2, 0.4]));
        assert_eq!(
            Dataset::images(vec![0u8, 1, 2], shape, vec![0], 2)
                .unwrap_err()
                .to_string(),
            "1 images of 2x2 pixels need 4 bytes, got 3"
        );
    }

    #[test]
    fn class_names_are_named_or_numbered() {
        let ds = Dataset::new(array![[1.0], [2.0]], vec![0, 1], 3).unwrap();
        assert_eq!(ds.class_name(2), "2");
        assert!(!ds.has_class_names());
        let named = ds
            .clone()
            .with_class_names(vec!["a".into(), "b".into(), "c".into()])
            .unwrap();
        assert_eq!(named.class_name(1), "b");
        assert_eq!(
            ds.with_class_names(vec!["a".into()])
                .unwrap_err()
                .to_string(),
            "1 class names for 3 classes"
        );
    }

    #[test]
    fn plane_is_the_bounding_box_plus_ten_percent() {
        let flat = Dataset::new(array![[2.0, 3.0], [4.0, 3.0]], vec![0, 1], 2);
        assert_eq!(flat.unwrap().plane(), [1.8, 4.2, 2.5, 3.5]);
        let one = Dataset::new(array![[2.0], [4.0]], vec![0, 1], 2);
        assert_eq!(one.unwrap().plane(), [1.8, 4.2, -1.0, 1.0]);
    }

    #[test]
    fn head_keeps_the_first_rows_and_the_names() {
        let ds = Dataset::new(array![[1.0], [2.0], [3.0]], vec![0, 1, 0], 2)
            .unwrap()
            .with_class_names(vec!["no".into(), "yes".into()])
            .unwrap();
        let head = ds.head(2);
        assert_eq!(head.len(), 2);
        assert_eq!(head.row(1), Some(vec![2.0]));
        assert_eq!(head.class_name(1), "yes");
    }
}
