//! The passes of a step through every layer, after the shapes were checked: forward
//! (input side first), the cost and predictions, backward (output side first). Each layer
//! runs on the workspace's [`Path`]; this is the one place that picks the path's code.

use ndarray::{ArrayView1, ArrayView2};

use super::{class_index, Dropping, Path, Workspace};
use crate::nn::float::Float;
use crate::nn::layer::{matrix, Buffers};
use crate::nn::loss::{self, Head};
use crate::nn::mlp::Mlp;
use crate::nn::{dense, lanes};

impl<F: Float> Workspace<F> {
    /// [`forward`](Self::forward) after the shapes were checked: loads the labels, runs
    /// every layer, and records the cost and the predictions.
    pub(super) fn forward_pass(
        &mut self,
        mlp: &Mlp<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
        dropping: Dropping,
    ) -> F {
        let head = self.head;
        for ((label, target), &y) in self.labels.iter_mut().zip(&mut self.targets).zip(y) {
            *label = y;
            *target = match head {
                Head::Sigmoid => usize::from(y > F::HALF),
                Head::Softmax { classes } => class_index(y, classes).unwrap_or(0),
            };
        }
        self.forward_layers(mlp, x, dropping);
        self.classify();
        let out = self.output_buffers();
        let cost = loss::mean_cost(head, &out.z, self.layout, &self.labels, &self.targets);
        self.cost = Some(cost);
        cost
    }

    /// Every layer's forward pass, input side first: each layer's output (`a`, or
    /// `a * mask` under dropout, hidden layers only) is the next one's `x`.
    pub(super) fn forward_layers(
        &mut self,
        mlp: &Mlp<F>,
        x: ArrayView2<'_, F>,
        dropping: Dropping,
    ) {
        let Workspace {
            path,
            layout,
            batch,
            input,
            layers,
            dropout,
            threads,
            ..
        } = self;
        let (layout, batch, depth) = (*layout, *batch, layers.len());
        let drop = dropping != Dropping::Off;
        if *path == Path::Lanes {
            lanes::load_inputs(input, x, layout.examples());
        }
        for k in 0..depth {
            let (below, here) = layers.split_at_mut(k);
            let buffers = &mut here[0];
            let layer = &mlp.layers[k];
            match path {
                Path::Lanes => {
                    let x = below.last().map_or(&input[..], |b| b.output(drop));
                    lanes::forward(buffers, layer, x, layout);
                }
                Path::Dense => {
                    let x = below
                        .last()
                        .map_or(x, |b| matrix(b.output(drop), batch, b.shape.units));
                    dense::forward(buffers, layer, x, *threads);
                }
            }
            if drop && k + 1 < depth {
                if dropping == Dropping::Draw {
                    dropout.draw(&mut buffers.mask, layout, batch, buffers.shape.units);
                }
                buffers.drop_out();
            }
        }
    }

    /// Each example's predicted class and output, from the output layer.
    pub(super) fn classify(&mut self) {
        let out = &self.layers[self.layers.len() - 1];
        let (z, a) = (&out.z, &out.a);
        loss::classify(
            self.head,
            z,
            a,
            self.layout,
            &mut self.predicted,
            &mut self.output,
        );
    }

    /// Every layer's backward pass, output side first, after a forward pass with the
    /// same `mlp` and `x`: fills every `dz`, `dW` and `db`. Each layer's `dx` is the `da`
    /// of the layer below; the first layer's `dx` is not needed.
    pub(super) fn backward_pass(&mut self, mlp: &Mlp<F>, x: ArrayView2<'_, F>, drop: bool) {
        let Workspace {
            path,
            layout,
            batch,
            input,
            layers,
            head,
            labels,
            targets,
            threads,
            ..
        } = self;
        let (layout, batch, depth) = (*layout, *batch, layers.len());
        for k in (0..depth).rev() {
            let (below, here) = layers.split_at_mut(k);
            let buffers = &mut here[0];
            let layer = &mlp.layers[k];
            if k + 1 == depth {
                // Sigmoid or softmax with cross-entropy: dz = (a - target) / n.
                let Buffers { a, dz, .. } = buffers;
                loss::output_gradient(*head, a, dz, layout, labels, targets);
            } else {
                buffers.activation_backward(layer, layout, drop);
            }
            // The layer below's output is this layer's x; its da receives dx.
            let below = below.last_mut().map(|b| {
                let Buffers {
                    a,
                    dropped,
                    da,
                    shape,
                    ..
                } = b;
                let x: &[F] = if drop { dropped } else { a };
                (x, &mut da[..], shape.units)
            });
            match path {
                Path::Lanes => {
                    let (x, dx) = match below {
                        Some((x, dx, _)) => (x, Some(dx)),
                        None => (&input[..], None),
                    };
                    lanes::backward_from_dz(buffers, layer, x, dx, layout);
                }
                Path::Dense => {
                    let (x, dx) = match below {
                        Some((x, dx, units)) => (matrix(x, batch, units), Some(dx)),
                        None => (x, None),
                    };
                    dense::backward_from_dz(buffers, layer, x, dx, *threads);
                }
            }
        }
    }
}
