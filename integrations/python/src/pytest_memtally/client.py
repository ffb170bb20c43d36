"""Client side of the memtally protocol: the FIFOs, hello, and the start/stop window.

The runner starts tracking once it has read the whole start frame, before it
acks, and stops after it receives stop, so whatever this process does from the
moment the start frame is whole in the FIFO until the stop's ack is read may be
counted as the benchmark's. start() and stop() are written so that this stretch
allocates and frees nothing: frames are built beforehand and their last write
returns a cached int; the ack is awaited with FIONREAD and sleep (poll() would
return a freshly allocated list), read into a preallocated buffer and compared
with the canonical ack's bytes; every object the stretch uses was made before
it and outlives it; and it looks up no attribute. Anything other than the
canonical ack falls back to the general decoder, which may allocate.
"""

from __future__ import annotations

import errno
import io
import os
import select
import stat
import time
from fcntl import ioctl
from itertools import repeat
from os import write as _write
from termios import FIONREAD
from time import sleep
from typing import Callable

from . import protocol
from .errors import CannotMeasure, ProtocolError

REPLY_TIMEOUT = 5.0  # seconds; SPEC.md 2.5 recommends it and asks for no less

# The allocation-free wait looks at the ack FIFO every _QUICK seconds at first,
# since the runner usually answers within a millisecond, then every _SLOW
# seconds. The timeout is counted in looks, and sleep only ever overshoots, so
# the wait lasts at least REPLY_TIMEOUT. It cannot tell an empty FIFO from one
# that nobody writes to any more, so a runner that died is noticed at the
# timeout.
_QUICK = 50e-6
_QUICK_LOOKS = 200
_SLOW = 1e-3
_SLOW_LOOKS = int(REPLY_TIMEOUT / _SLOW)

# The largest int CPython keeps cached (small ints run from -5 to 256).
_TAIL = 256

_STOP_FRAME = protocol.encode({"kind": "stop"})
_ACK_FRAME = protocol.encode({"kind": "ack"})
_ACK_SIZE = len(_ACK_FRAME)
_NOTHING = bytes(4)


class RunnerGone(Exception):
    """The runner stopped answering, or answered nonsense (SPEC.md 2.5)."""


def _open_fifo(path: str, flags: int) -> int:
    fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISFIFO(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a fifo", path)
    return fd


class Client:
    """A session with the runner. Not for use from a forked child."""

    __slots__ = (
        "_ctl",
        "_ack",
        "_ack_io",
        "_avail",
        "_ackbuf",
        "_looks",
        "_parts",
        "_pid",
        "_readinto",
        "_warn",
        "closed",
        "stop",
        "welcome",
    )

    def __init__(self, ctl: int, ack: int, warn: Callable[[str], None]) -> None:
        self._ctl = ctl
        self._ack = ack
        self._ack_io = io.FileIO(ack, "rb", closefd=False)
        self._avail = bytearray(4)
        self._ackbuf = bytearray(_ACK_SIZE)
        self._readinto = self._ack_io.readinto
        self._looks = _no_looks()
        self._parts: tuple[bytes, bytes] = (b"", b"")
        self._pid = os.getpid()
        self._warn = warn
        self.closed = False
        self.welcome: dict = {}
        # Closes the window opened by a successful start(). Fetch it before
        # start(): looking it up inside the window would go through the type
        # attribute cache.
        self.stop = self._make_stop()

    @classmethod
    def from_env(
        cls,
        integration: str,
        integration_version: str,
        warn: Callable[[str], None],
        environ: dict | None = None,
    ) -> "Client | None":
        """Connects to the runner named by the environment, or returns None.

        None, silently, when the environment names no FIFOs or nobody reads the
        ctl FIFO (a stale environment); None with one warning when the runner
        refuses the hello or is gone. Raises CannotMeasure when the FIFOs are
        broken: pytest would otherwise run the benchmarks unmeasured.
        """
        env = os.environ if environ is None else environ
        ctl_path = env.get(protocol.ENV_CTL_FIFO, "")
        ack_path = env.get(protocol.ENV_ACK_FIFO, "")
        if not ctl_path or not ack_path:
            return None
        try:
            ctl = _open_fifo(ctl_path, os.O_WRONLY)
        except OSError as e:
            if e.errno == errno.ENXIO:
                return None
            raise CannotMeasure(f"cannot open the runner's ctl fifo {ctl_path}: {e.strerror}") from e
        try:
            ack = _open_fifo(ack_path, os.O_RDONLY)
        except OSError as e:
            os.close(ctl)
            raise CannotMeasure(f"cannot open the runner's ack fifo {ack_path}: {e.strerror}") from e
        client = cls(ctl, ack, warn)
        hello = {
            "kind": "hello",
            "version": protocol.VERSION,
            "min_version": protocol.MIN_VERSION,
            "integration": integration,
            "integration_version": integration_version,
            "pid": os.getpid(),
        }
        try:
            reply = client.request(protocol.encode(hello))
        except RunnerGone as e:
            client._gone(f"hello: {e}")
            return None
        refusal = None
        if reply["kind"] == "error":
            refusal = f"runner refused hello: {reply['reason']}"
        elif reply["kind"] != "welcome":
            refusal = f"runner answered hello with {reply['kind']}"
        elif not protocol.MIN_VERSION <= reply["version"] <= protocol.VERSION:
            refusal = f"runner chose protocol version {reply['version']}"
        elif reply["mode"] != protocol.MODE_MEMORY:
            refusal = f"runner asked for unknown mode {reply['mode']!r}"
        if refusal:
            client.close()
            warn(f"{refusal}; running as plain pytest")
            return None
        client.welcome = reply
        return client

    # The general path: any request, any reply, allocations allowed.

    def request(self, frame: bytes) -> dict:
        """Sends one frame and returns the decoded reply; raises RunnerGone."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        self._write_all(frame, deadline)
        return self._read_reply(b"", deadline)

    def _write_all(self, frame: bytes, deadline: float) -> None:
        view = memoryview(frame)
        poller = None
        while view:
            try:
                view = view[os.write(self._ctl, view) :]
                continue
            except BlockingIOError:
                pass
            except BrokenPipeError:
                raise RunnerGone("the ctl fifo is closed") from None
            if poller is None:
                poller = select.poll()
                poller.register(self._ctl, select.POLLOUT)
            if not poller.poll(max(0, int((deadline - time.monotonic()) * 1000))):
                raise RunnerGone(f"the runner took no request for {REPLY_TIMEOUT:g} s")

    def _read_reply(self, prefix: bytes, deadline: float) -> dict:
        pending = [prefix]
        poller = select.poll()
        poller.register(self._ack, select.POLLIN)

        def read(n: int) -> bytes:
            if pending[0]:
                chunk, pending[0] = pending[0][:n], pending[0][n:]
                return chunk
            while True:
                try:
                    return os.read(self._ack, n)
                except BlockingIOError:
                    pass
                left = deadline - time.monotonic()
                if left <= 0 or not poller.poll(int(left * 1000) + 1):
                    if time.monotonic() >= deadline:
                        raise RunnerGone(f"no reply within {REPLY_TIMEOUT:g} s")

        try:
            reply = protocol.read_message(read)
        except ProtocolError as e:
            raise RunnerGone(f"undecodable reply: {e}") from None
        if reply is None:
            raise RunnerGone("the runner closed the ack fifo")
        return reply

    # The window. Between the moment the start frame is whole in the FIFO and
    # the read of the stop's ack, the expected path touches only local
    # variables, closure cells and module globals: no attribute lookup, since
    # CPython's lookups go through its type attribute cache, whose refills can
    # free the name an evicted entry held, at moments that depend on addresses.

    def start(self, frame: bytes) -> bool:
        """Sends a start frame built by start_frame(); True once the window is open."""
        if self.closed or os.getpid() != self._pid:
            return False
        # The counters of both waits are made now, and kept until the next
        # start, so that none is created or freed inside the window.
        looks = self._looks
        looks[:] = (
            repeat(None, _QUICK_LOOKS),
            repeat(None, _SLOW_LOOKS),
            repeat(None, _QUICK_LOOKS),
            repeat(None, _SLOW_LOOKS),
        )
        quick, slow = looks[0], looks[1]
        ack, avail, readinto, buf = self._ack, self._avail, self._readinto, self._ackbuf
        # The runner starts tracking once it has read the whole frame, which
        # may be before os.write returns: the frame's last write must make no
        # object on its way back. Its count is an int of at most _TAIL, which
        # CPython keeps cached, and no memoryview is sliced after it. Every
        # other write, and any retry, ends before the frame is whole. The
        # parts are kept until the next start, like the counters: freed on
        # return, they would be freed inside the window.
        self._parts = head, tail = frame[:-_TAIL], frame[-_TAIL:]
        size = len(tail)
        ctl = self._ctl
        try:
            if head:
                self._write_all(head, time.monotonic() + REPLY_TIMEOUT)
            try:
                written = _write(ctl, tail)
            except BlockingIOError:
                written = 0
            except BrokenPipeError:
                raise RunnerGone("the ctl fifo is closed") from None
            if written != size:
                # A full FIFO: the runner is not reading. The general write
                # may leave an object or two to the window once the frame
                # is whole; only a runner that lags this far pays for it.
                self._write_all(tail[written:], time.monotonic() + REPLY_TIMEOUT)
        except RunnerGone as e:
            self._gone(f"start: {e}")
            return False
        n = _await_reply(ack, avail, quick, slow, readinto, buf)
        if n == _ACK_SIZE and buf == _ACK_FRAME:
            return True
        if n < 0:
            self._gone(f"start: no reply within {REPLY_TIMEOUT:g} s")
            return False
        return self._settle("start", bytes(buf[: n or 0]))

    def _make_stop(self) -> Callable[[], None]:
        """The stop() of this session: a closure, so that its path looks up no attribute."""
        ctl, ack, avail, readinto, buf, looks = self._ctl, self._ack, self._avail, self._readinto, self._ackbuf, self._looks

        def stop() -> None:
            """Closes the window opened by a successful start()."""
            try:
                _write(ctl, _STOP_FRAME)
            except OSError as e:
                self._gone(f"stop: {e.strerror}")
                return
            n = _await_reply(ack, avail, looks[2], looks[3], readinto, buf)
            if n == _ACK_SIZE and buf == _ACK_FRAME:
                return
            if n < 0:
                self._gone(f"stop: no reply within {REPLY_TIMEOUT:g} s")
                return
            self._settle("stop", bytes(buf[: n or 0]))

        return stop

    def _settle(self, what: str, prefix: bytes) -> bool:
        """Reads the rest of a reply that is not the canonical ack; True if it is an ack."""
        try:
            reply = self._read_reply(prefix, time.monotonic() + REPLY_TIMEOUT)
        except RunnerGone as e:
            self._gone(f"{what}: {e}")
            return False
        if reply["kind"] == "ack":
            return True
        if reply["kind"] == "error":
            self._warn(f"runner refused {what}: {reply['reason']}")
            return False
        self._gone(f"{what}: runner answered with {reply['kind']}")
        return False

    def _gone(self, why: str) -> None:
        self.close()
        self._warn(f"lost the runner ({why}); running as plain pytest from here on")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._ack_io.close()
        os.close(self._ctl)
        os.close(self._ack)


def _no_looks() -> list[repeat]:
    return [repeat(None, 0) for _ in range(4)]


def _await_reply(ack: int, avail: bytearray, quick: repeat, slow: repeat, readinto, buf: bytearray) -> int:
    """Waits until the ack FIFO has bytes, then reads them into buf: the count, or -1 at the timeout.

    Only arguments and globals: see the window's note in Client.
    """
    for _ in quick:
        ioctl(ack, FIONREAD, avail, True)
        if avail != _NOTHING:
            return readinto(buf) or 0
        sleep(_QUICK)
    for _ in slow:
        ioctl(ack, FIONREAD, avail, True)
        if avail != _NOTHING:
            return readinto(buf) or 0
        sleep(_SLOW)
    return -1


def start_frame(uri: str, warmup: int) -> bytes:
    """Builds a start frame ahead of the window, with the number of warm-up calls that ran."""
    return protocol.encode({"kind": "start", "uri": uri, "warmup": warmup})
