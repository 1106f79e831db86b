"""Golden event records for tests/golden.rs, written by TensorBoard's own Python writers.

README: run `.venv/bin/python scripts/make_fixtures.py` from the repository root. It writes
one framed TFRecord (length, masked CRCs, serialized Event) per file into tests/fixtures/,
taken from an event file that tensorboardX's SummaryWriter wrote at a fixed wall time.
The summaries come from tensorboardX (scalar, raw histogram, custom scalars, the SessionLog
START of a resume with purge_step) and from TensorBoard's own builders (text_pb,
scalar_pb and text_pb with a description, hparams summary_v2) handed to that writer. One
change: in hparams_start_multi the map of hparam values is re-serialized in sorted key
order, because Python writes map entries in a per-process hash order.
Made with tensorboard 2.21.0, tensorboardX 2.6.5, protobuf 7.36.2 (CPython 3.11); the
script prints the versions it used. Re-running it must reproduce the files byte for byte.
"""

import os
import struct
import sys
import tempfile
from unittest import mock

import google.protobuf
import tensorboard
import tensorboardX
from tensorboard.plugins.hparams import api_pb2, metadata as hp_metadata
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.plugins.hparams import summary_v2 as hp
from tensorboard.plugins.scalar import summary_v2 as scalar_v2
from tensorboard.plugins.text import summary_v2 as text_v2
from tensorboardX.proto import summary_pb2 as tbx_summary_pb2

# Shared with tests/golden.rs: keep both in step.
WALL_TIME = 1700000000.25
STEP = 42
START_TIME = 1700000000.5
DESCRIPTION = "Cost: **ln 2** = 0.6931 means *no* learning."

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")


def records(path):
    """Splits a TFRecord file into its framed records (header, data, footer)."""
    data = open(path, "rb").read()
    at, out = 0, []
    while at < len(data):
        (length,) = struct.unpack("<Q", data[at : at + 8])
        end = at + 12 + length + 4
        out.append(data[at:end])
        at = end
    return out


def only_event_file_records(logdir):
    """The records of the one event file in `logdir`."""
    files = [f for f in os.listdir(logdir) if ".tfevents." in f]
    if len(files) != 1:
        sys.exit(f"expected one event file, found {files}")
    return records(os.path.join(logdir, files[0]))


def tbx(summary):
    """TensorBoard's Summary as tensorboardX's own class (same schema, same bytes)."""
    return tbx_summary_pb2.Summary.FromString(summary.SerializeToString())


def sorted_map_entries(summary):
    """Re-serializes the hparams content with map entries sorted by key.

    Python's protobuf writes map entries in hash order, which changes from one process
    to the next; sorted order is the deterministic one (and the one prost's BTreeMap
    gives). Nothing else changes.
    """
    plugin_data = summary.value[0].metadata.plugin_data
    content = plugin_data_pb2.HParamsPluginData.FromString(plugin_data.content)
    plugin_data.content = content.SerializeToString(deterministic=True)
    return summary


def main():
    names = []
    with tempfile.TemporaryDirectory() as logdir:
        # The file_version event takes time.time() in the constructor: pin it.
        with mock.patch("time.time", return_value=WALL_TIME):
            writer = tensorboardX.SummaryWriter(logdir)
            file_writer = writer._get_file_writer()
        names.append("file_version")

        writer.add_scalar("loss/train", 0.125, STEP, walltime=WALL_TIME)
        names.append("scalar")

        writer.add_histogram_raw(
            "weights/layer0",
            min=-1.5,
            max=2.0,
            num=7,
            sum=1.25,
            sum_squares=9.5,
            bucket_limits=[-1.0, 0.0, 1.0, 2.0],
            bucket_counts=[1, 2, 3, 1],
            global_step=STEP,
            walltime=WALL_TIME,
        )
        names.append("histogram_raw")

        file_writer.add_summary(tbx(text_v2.text_pb("notes", "**bold** and `code`")), STEP, WALL_TIME
        )
        names.append("text")

        start = hp.hparams_pb({"lr": 0.01}, trial_id="run-1", start_time_secs=START_TIME)
        file_writer.add_summary(tbx(start), 0, WALL_TIME)
        names.append("hparams_start")

        start4 = hp.hparams_pb(
            {"lr": 0.01, "activation": "relu", "batch_norm": False, "layers": 11},
            trial_id="run-2",
            start_time_secs=START_TIME,
        )
        file_writer.add_summary(tbx(sorted_map_entries(start4)), 0, WALL_TIME)
        names.append("hparams_start_multi")

        config = hp.hparams_config_pb(
            hparams=[
                hp.HParam("layers", hp.Discrete([11, 2])),
                hp.HParam("lr", hp.RealInterval(0.001, 0.1)),
                hp.HParam("activation", hp.Discrete(["sigmoid", "relu"])),
                hp.HParam("batch_norm", hp.Discrete([True, False])),
            ],
            metrics=[hp.Metric("loss"), hp.Metric("accuracy")],
            time_created_secs=START_TIME,
        )
        file_writer.add_summary(tbx(config), 0, WALL_TIME)
        names.append("hparams_experiment")

        # summary_v2 has no session-end builder; use its own helper and null tensor.
        end = hp._summary_pb(
            hp_metadata.SESSION_END_INFO_TAG,
            plugin_data_pb2.HParamsPluginData(
                session_end_info=plugin_data_pb2.SessionEndInfo(
                    status=api_pb2.STATUS_SUCCESS, end_time_secs=START_TIME
                )
            ),
        )
        file_writer.add_summary(tbx(end), 0, WALL_TIME)
        names.append("hparams_end")

        with file_writer.use_metadata(global_step=0, walltime=WALL_TIME):
            writer.add_custom_scalars(
                {"training": {"loss": ["Multiline", ["loss/.*", "val_loss"]]}}
            )
        names.append("custom_scalars")

        # A tag's first event with a description, as TensorBoard's own builders write it.
        file_writer.add_summary(
            tbx(scalar_v2.scalar_pb("loss/train", 0.125, description=DESCRIPTION)), STEP, WALL_TIME
        )
        names.append("scalar_described")

        file_writer.add_summary(
            tbx(text_v2.text_pb("notes", "**bold** and `code`", description=DESCRIPTION)),
            STEP,
            WALL_TIME,
        )
        names.append("text_described")

        writer.close()
        recs = only_event_file_records(logdir)

    # tensorboardX's resume: file_version and a SessionLog START, both at the purge step.
    with tempfile.TemporaryDirectory() as logdir:
        with mock.patch("time.time", return_value=WALL_TIME):
            resumed = tensorboardX.SummaryWriter(logdir, purge_step=STEP)
            resumed._get_file_writer()
        resumed.close()
        resumed_recs = only_event_file_records(logdir)
    if len(resumed_recs) != 3:
        sys.exit(f"expected 3 records from the resumed writer, found {len(resumed_recs)}")
    recs.append(resumed_recs[2])
    names.append("session_start")

    if len(recs) != len(names):
        sys.exit(f"expected {len(names)} records, found {len(recs)}")
    os.makedirs(OUT, exist_ok=True)
    for name, rec in zip(names, recs):
        with open(os.path.join(OUT, name + ".tfrecord"), "wb") as f:
            f.write(rec)
    print(
        f"wrote {len(recs)} fixtures to {os.path.normpath(OUT)} with tensorboard "
        f"{tensorboard.__version__}, tensorboardX {tensorboardX.__version__}, "
        f"protobuf {google.protobuf.__version__}"
    )


if __name__ == "__main__":
    main()
