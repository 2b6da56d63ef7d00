"""``SummaryWriter``: torch's TensorBoard logger, taking minigrad tensors.

    from minigrad.utils.tensorboard import SummaryWriter
    writer = SummaryWriter("logs")
    writer.add_scalar("train_loss", loss.item(), step)
    writer.add_images("test_data", imgs, step)          # a batch (N, C, H, W) in [0, 1]
    writer.add_graph(model, imgs)                        # minigrad's recorded graph
    writer.close()
    # then: tensorboard --logdir=logs

Events go through the ``tensorboard`` package's own event-file writer, in its protocol buffers,
exactly as ``torch.utils.tensorboard`` writes them; torch is not needed. Wherever torch's writer
takes a tensor this one takes a minigrad tensor, a torch tensor, a numpy array or a Python number.
"""

import os
import socket
import time
from datetime import datetime

from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary
from .graph import model_graph


class FileWriter:
    """One event file in ``log_dir``: wraps events around summaries and hands them to TensorBoard's
    asynchronous writer (flushed every ``flush_secs`` seconds or after ``max_queue`` events)."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)  # a tensor or numpy number too
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile, walltime=None):
        """A (GraphDef, RunMetadata) pair: the graph, then its run metadata tagged ``step1``."""
        graph, run_metadata = graph_profile
        self.add_event(Event(graph_def=graph.SerializeToString()), None, walltime)
        tagged = TaggedRunMetadata(tag="step1", run_metadata=run_metadata.SerializeToString())
        self.add_event(Event(tagged_run_metadata=tagged), None, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir`` (torch.utils.tensorboard.SummaryWriter's API).

    log_dir          where; default ``runs/<Mon DD_HH-MM-SS>_<hostname><comment>``, a new folder per run
    comment          appended to the default ``log_dir`` (ignored when ``log_dir`` is given)
    purge_step       after a crash, restart at this step: TensorBoard hides the events at or after it
    max_queue        events held before a write is forced
    flush_secs       seconds between writes
    filename_suffix  appended to each event file's name

    Usable as a context manager (``with SummaryWriter() as w:``): leaving it closes the writer.
    After ``close()`` the next ``add_*`` call opens a new event file in the same folder.
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        if not log_dir:
            current_time = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", current_time + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None  # made now, and again after close() when needed
        self._get_file_writer()
        self.default_bins = summary.default_bins()

    def _get_file_writer(self):
        """The writer of the main event file, opened anew if closed."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:  # TensorBoard drops earlier files' events from this step on
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        return self.log_dir

    # -- numbers ------------------------------------------------------------------------------------

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False, double_precision=False):
        """One number (a Python number, or a tensor or array of one element) at ``global_step``."""
        record = summary.scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision)
        self._get_file_writer().add_summary(record, global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several numbers on one chart: each ``tag`` gets its own run, the folder
        ``<log_dir>/<main_tag>_<tag>`` (slashes in ``main_tag`` become ``_``), all under ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        log_dir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            run = log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            if run not in self.all_writers:
                self.all_writers[run] = FileWriter(run, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers[run].add_summary(summary.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """The distribution of ``values``. ``bins``: ``"tensorflow"`` (TensorBoard's exponential
        buckets), or anything ``numpy.histogram`` takes (``"auto"``, a count, the edges)."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(summary.histogram(tag, values, bins, max_bins=max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts,
                          global_step=None, walltime=None):
        """A histogram counted already: ``bucket_counts[i]`` values at most ``bucket_limits[i]``."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        histo = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                               bucket_limit=bucket_limits, bucket=bucket_counts)
        self._get_file_writer().add_summary(Summary(value=[Summary.Value(tag=tag, histo=histo)]), global_step, walltime)

    # -- pictures and text --------------------------------------------------------------------------

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image, (3, H, W) by default (``dataformats``: ``"HWC"``, ``"HW"``, ...). Floats are
        taken to be in [0, 1] and scaled by 255; uint8 is used as it is."""
        record = summary.image(tag, img_tensor, dataformats=dataformats)
        self._get_file_writer().add_summary(record, global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images, (N, 3, H, W) by default (or ``"NHWC"``), shown as one grid, 8 per row."""
        record = summary.image(tag, img_tensor, dataformats=dataformats)
        self._get_file_writer().add_summary(record, global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """A string, shown as Markdown in the Text tab."""
        self._get_file_writer().add_summary(summary.text(tag, text_string), global_step, walltime)

    # -- the model ------------------------------------------------------------------------------------

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The model's graph for the Graphs tab: ``model`` runs once on ``input_to_model`` (a tensor
        or a tuple of them) in eval mode, and the graph minigrad records is written (see graph.py).
        ``verbose`` prints its nodes; ``use_strict_trace`` is accepted for torch's signature
        (minigrad records, it does not trace)."""
        self._get_file_writer().add_graph(model_graph(model, input_to_model, verbose))

    # -- files --------------------------------------------------------------------------------------

    def flush(self):
        """Write everything pending to disk."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()

    def close(self):
        """Write everything pending and close the files (closing twice is harmless)."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()
