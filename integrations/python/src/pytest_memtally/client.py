"""Client side of the memtally protocol: the FIFOs, hello, and the start/stop window.

The runner starts tracking before it acks start and stops after it receives stop,
so whatever this process does between reading the start ack and writing stop is
counted as the benchmark's. start() and stop() are written so that this stretch
allocates nothing: frames are built beforehand, the ack is awaited with FIONREAD
and sleep (poll() would return a freshly allocated list), and it is read into a
preallocated buffer and compared with the canonical ack's bytes. Anything other
than the canonical ack falls back to the general decoder, which may allocate.
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
from termios import FIONREAD
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

_STOP_FRAME = protocol.encode({"kind": "stop"})
_ACK_FRAME = protocol.encode({"kind": "ack"})
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
        "_pid",
        "_warn",
        "closed",
        "welcome",
    )

    def __init__(self, ctl: int, ack: int, warn: Callable[[str], None]) -> None:
        self._ctl = ctl
        self._ack = ack
        self._ack_io = io.FileIO(ack, "rb", closefd=False)
        self._avail = bytearray(4)
        self._ackbuf = bytearray(len(_ACK_FRAME))
        self._looks = _no_looks()
        self._pid = os.getpid()
        self._warn = warn
        self.closed = False
        self.welcome: dict = {}

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

    # The window: start() and stop() allocate nothing between the start ack
    # and the stop write on the expected path.

    def start(self, frame: bytes) -> bool:
        """Sends a start frame built by start_frame(); True once the window is open."""
        if self.closed or os.getpid() != self._pid:
            return False
        # The counters of both waits are made now, and kept until the next
        # start, so that none is created or freed inside the window.
        self._looks = (
            repeat(None, _QUICK_LOOKS),
            repeat(None, _SLOW_LOOKS),
            repeat(None, _QUICK_LOOKS),
            repeat(None, _SLOW_LOOKS),
        )
        try:
            self._write_all(frame, time.monotonic() + REPLY_TIMEOUT)
        except RunnerGone as e:
            self._gone(f"start: {e}")
            return False
        if not self._await_reply(self._looks[0], self._looks[1]):
            self._gone(f"start: no reply within {REPLY_TIMEOUT:g} s")
            return False
        n = self._ack_io.readinto(self._ackbuf)
        if n == len(_ACK_FRAME) and self._ackbuf == _ACK_FRAME:
            return True
        return self._settle("start", bytes(self._ackbuf[: n or 0]))

    def stop(self) -> None:
        """Closes the window opened by a successful start()."""
        try:
            os.write(self._ctl, _STOP_FRAME)
        except OSError as e:
            self._gone(f"stop: {e.strerror}")
            return
        if not self._await_reply(self._looks[2], self._looks[3]):
            self._gone(f"stop: no reply within {REPLY_TIMEOUT:g} s")
            return
        n = self._ack_io.readinto(self._ackbuf)
        if n == len(_ACK_FRAME) and self._ackbuf == _ACK_FRAME:
            return
        self._settle("stop", bytes(self._ackbuf[: n or 0]))

    def _await_reply(self, quick: repeat, slow: repeat) -> bool:
        """Waits until the ack FIFO has bytes to read; False at the timeout."""
        for _ in quick:
            ioctl(self._ack, FIONREAD, self._avail, True)
            if self._avail != _NOTHING:
                return True
            time.sleep(_QUICK)
        for _ in slow:
            ioctl(self._ack, FIONREAD, self._avail, True)
            if self._avail != _NOTHING:
                return True
            time.sleep(_SLOW)
        return False

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


def _no_looks() -> tuple[repeat, ...]:
    return tuple(repeat(None, 0) for _ in range(4))


def start_frame(uri: str) -> bytes:
    """Builds a start frame ahead of the window."""
    return protocol.encode({"kind": "start", "uri": uri})
