#!/usr/bin/env python3
"""TensorFlow's (Keras') side of tbtrain's Fashion-MNIST figures: the same network, on the
same data, on the same machine.

It takes tbtrain's training flags (the ones that define the network and its training)
and trains that network with Keras, then prints one JSON line: the test cost and
accuracy after the last epoch and the wall time of every epoch. The README's ladder and
lesson tables, and `cargo bench --bench epoch` (TBTRAIN_TF_PYTHON), run it.

    scripts/setup-tf-venv.sh                        # a venv of its own: .venv-tf
    .venv-tf/bin/python scripts/tf_fashion_mnist.py --depth 3 --width 256 --act relu \
        --init xavier --optimizer adam --lr 0.001 --batch 100 --epochs 15

The network is tbtrain's: `--depth` weight layers, `--width` units in every hidden
layer, `--act` on the hidden layers, ten softmax outputs, cross-entropy from the logits.
Initialisations as tbtrain draws them: `uniform` U(-1, 1) weights and zero biases,
`xavier` Glorot uniform and zero biases, `he` normal with std sqrt(2 / fan_in) and zero
biases, `normal` N(0, 1) weights and biases. Optimizers with TensorFlow 1's constants
(tbtrain's): SGD, momentum 0.9, Adam (0.9, 0.999, 1e-8). `--dropout P` drops each hidden
unit's output with probability P while training. Pixels are scaled to [0, 1]; the
training set is shuffled every epoch; every batch is full (60,000 / 100).

Never needed by the tests: TensorFlow is large (`pip install tensorflow-cpu`).
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """An IDX file (gzip or raw) as (dims, bytes)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, kind, rank = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(">" + "I" * rank, raw[4 : 4 + 4 * rank])
    return dims, raw[4 + 4 * rank :]


def load(directory):
    import numpy as np

    def find(name):
        for candidate in (name + ".gz", name):
            path = os.path.join(directory, candidate)
            if os.path.exists(path):
                return path
        sys.exit(f"{directory}: no {name}[.gz] (apt-get install dataset-fashion-mnist)")

    def images(name):
        dims, data = read_idx(find(name))
        return np.frombuffer(data, np.uint8).reshape(dims[0], dims[1] * dims[2])

    def labels(name):
        _, data = read_idx(find(name))
        return np.frombuffer(data, np.uint8).astype(np.int64)

    return (
        images("train-images-idx3-ubyte"),
        labels("train-labels-idx1-ubyte"),
        images("t10k-images-idx3-ubyte"),
        labels("t10k-labels-idx1-ubyte"),
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--act", default="relu", choices=["sigmoid", "relu", "tanh", "elu", "selu", "gelu", "swish"])
    p.add_argument("--init", default="xavier", choices=["uniform", "xavier", "he", "normal"])
    p.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "adam"])
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", default=DEFAULT_DIR, help="directory of the four IDX files")
    p.add_argument("--threads", type=int, default=0, help="intra-op threads (0: TensorFlow's choice)")
    args = p.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.keras.utils.set_random_seed(args.seed)
    x_train, y_train, x_test, y_test = load(args.data)
    x_train = x_train.astype(np.float32) / 255.0
    x_test = x_test.astype(np.float32) / 255.0

    def initializers(fan_in):
        """(kernel, bias) initializers of a layer with `fan_in` inputs, as tbtrain draws them."""
        normal = tf.keras.initializers.RandomNormal
        return {
            "uniform": (tf.keras.initializers.RandomUniform(-1.0, 1.0), "zeros"),
            "xavier": ("glorot_uniform", "zeros"),
            "he": (normal(0.0, (2.0 / fan_in) ** 0.5), "zeros"),
            "normal": (normal(0.0, 1.0), normal(0.0, 1.0)),
        }[args.init]

    act = {"swish": "silu"}.get(args.act, args.act)
    layers = [tf.keras.Input(shape=(x_train.shape[1],))]
    fan_in = x_train.shape[1]
    for _ in range(args.depth - 1):
        kernel, bias = initializers(fan_in)
        layers.append(tf.keras.layers.Dense(args.width, activation=act, kernel_initializer=kernel, bias_initializer=bias))
        if args.dropout > 0:
            layers.append(tf.keras.layers.Dropout(args.dropout))
        fan_in = args.width
    kernel, bias = initializers(fan_in)
    layers.append(tf.keras.layers.Dense(10, kernel_initializer=kernel, bias_initializer=bias))
    model = tf.keras.Sequential(layers)
    optimizer = {
        "sgd": lambda: tf.keras.optimizers.SGD(args.lr),
        "momentum": lambda: tf.keras.optimizers.SGD(args.lr, momentum=0.9),
        "adam": lambda: tf.keras.optimizers.Adam(args.lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    }[args.optimizer]()
    model.compile(
        optimizer=optimizer,
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )

    class Timer(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    timer = Timer()
    model.fit(x_train, y_train, batch_size=args.batch, epochs=args.epochs, shuffle=True, verbose=0, callbacks=[timer])
    cost, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    print(
        json.dumps(
            {
                "tensorflow": tf.__version__,
                "test_cost": round(float(cost), 6),
                "test_accuracy": round(float(accuracy), 6),
                "epoch_seconds": [round(s, 4) for s in timer.seconds],
            }
        )
    )


if __name__ == "__main__":
    main()
