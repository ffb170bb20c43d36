"""The client against a fake runner that serves the FIFOs as SPEC.md section 2 says."""

import os
import threading

import pytest

from pytest_memtally import client as client_mod
from pytest_memtally import protocol
from pytest_memtally.client import Client
from pytest_memtally.errors import CannotMeasure

ACK = protocol.encode({"kind": "ack"})
WELCOME = protocol.encode({"kind": "welcome", "version": 1, "mode": "memory"})


def error(reason):
    return protocol.encode({"kind": "error", "reason": reason})


class FakeRunner:
    """Holds both FIFOs open read-write, records requests, answers from a script.

    answer(message) returns the bytes to write back (None: no reply at all,
    "close": close the ack FIFO so that the client sees end of file).
    """

    def __init__(self, tmp_path, answer):
        self.dir = tmp_path / "fifos"
        self.dir.mkdir(mode=0o700)
        self.ctl_path = str(self.dir / "ctl")
        self.ack_path = str(self.dir / "ack")
        os.mkfifo(self.ctl_path, 0o600)
        os.mkfifo(self.ack_path, 0o600)
        self.ctl = os.open(self.ctl_path, os.O_RDWR | os.O_CLOEXEC)
        self.ack = os.open(self.ack_path, os.O_RDWR | os.O_CLOEXEC)
        self.answer = answer
        self.requests = []
        self._closing = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def env(self):
        return {protocol.ENV_CTL_FIFO: self.ctl_path, protocol.ENV_ACK_FIFO: self.ack_path}

    def _serve(self):
        while True:
            try:
                message = protocol.read_message(lambda n: os.read(self.ctl, n))
            except OSError:
                return
            if message is None or self._closing:
                return
            self.requests.append(message)
            reply = self.answer(message)
            if reply == "close":
                os.close(self.ack)
                self.ack = -1
            elif reply is not None:
                os.write(self.ack, reply)

    def close(self):
        # Wake the thread and let it finish before the descriptors are closed:
        # their numbers are reused by the next test's FIFOs.
        if self.ctl < 0:
            return
        self._closing = True
        os.write(self.ctl, protocol.encode({"kind": "stop"}))
        self._thread.join()
        os.close(self.ctl)
        self.ctl = -1
        if self.ack >= 0:
            os.close(self.ack)
            self.ack = -1


def short_timeout(monkeypatch):
    monkeypatch.setattr(client_mod, "REPLY_TIMEOUT", 0.2)
    monkeypatch.setattr(client_mod, "_QUICK_LOOKS", 10)
    monkeypatch.setattr(client_mod, "_SLOW_LOOKS", 200)


def memory_runner(message):
    return WELCOME if message["kind"] == "hello" else ACK


@pytest.fixture
def warnings_seen():
    return []


@pytest.fixture
def fake(tmp_path, request):
    runners = []

    def make(answer=memory_runner):
        runner = FakeRunner(tmp_path, answer)
        runners.append(runner)
        return runner

    yield make
    for r in runners:
        r.close()


def connect(fake_runner, warnings_seen):
    client = Client.from_env("pytest-memtally", "0.1.0", warnings_seen.append, environ=fake_runner.env)
    assert client is not None or warnings_seen, "connect failed without a warning"
    return client


def test_no_environment_means_plain_pytest(warnings_seen):
    assert Client.from_env("pytest-memtally", "0.1.0", warnings_seen.append, environ={}) is None
    env = {protocol.ENV_CTL_FIFO: "/x", protocol.ENV_ACK_FIFO: ""}
    assert Client.from_env("pytest-memtally", "0.1.0", warnings_seen.append, environ=env) is None
    assert warnings_seen == []


def test_stale_environment_is_quiet(tmp_path, warnings_seen):
    # FIFOs that nobody holds open: the runner of an earlier run is gone.
    ctl, ack = str(tmp_path / "ctl"), str(tmp_path / "ack")
    os.mkfifo(ctl)
    os.mkfifo(ack)
    env = {protocol.ENV_CTL_FIFO: ctl, protocol.ENV_ACK_FIFO: ack}
    assert Client.from_env("pytest-memtally", "0.1.0", warnings_seen.append, environ=env) is None
    assert warnings_seen == []


@pytest.mark.parametrize("broken", ["missing", "regular file"])
def test_broken_environment_cannot_measure(tmp_path, warnings_seen, broken):
    # Running as plain pytest would leave the runner with no benchmark, unexplained.
    ctl = tmp_path / "ctl"
    if broken == "regular file":
        ctl.write_bytes(b"")
    env = {protocol.ENV_CTL_FIFO: str(ctl), protocol.ENV_ACK_FIFO: str(tmp_path / "ack")}
    with pytest.raises(CannotMeasure, match=f"^cannot open the runner's ctl fifo {ctl}: "):
        Client.from_env("pytest-memtally", "0.1.0", warnings_seen.append, environ=env)
    assert warnings_seen == []


def test_session(fake, warnings_seen):
    runner = fake()
    client = connect(runner, warnings_seen)
    assert client is not None and client.welcome == {"kind": "welcome", "version": 1, "mode": "memory"}
    assert client.start(client_mod.start_frame("tests/test_x.py::test_y[1]", 1))
    client.stop()
    assert client.start(client_mod.start_frame("tests/test_x.py::test_z", 0))
    client.stop()
    assert runner.requests == [
        {
            "kind": "hello",
            "version": 1,
            "min_version": 1,
            "integration": "pytest-memtally",
            "integration_version": "0.1.0",
            "pid": os.getpid(),
        },
        {"kind": "start", "uri": "tests/test_x.py::test_y[1]", "warmup": 1},
        {"kind": "stop"},
        {"kind": "start", "uri": "tests/test_x.py::test_z", "warmup": 0},
        {"kind": "stop"},
    ]
    assert warnings_seen == []
    assert not client.closed


@pytest.mark.parametrize(
    "reply, why",
    [
        (error("unsupported protocol version: 1"), "unsupported protocol version"),
        (protocol.encode({"kind": "welcome", "version": 2, "mode": "memory"}), "version 2"),
        (protocol.encode({"kind": "welcome", "version": 1, "mode": "time"}), "'time'"),
        (ACK, "answered hello with ack"),
        (bytes.fromhex("0500000081a46b696e64"), "undecodable"),
    ],
    ids=["error", "version", "mode", "wrong_kind", "garbage"],
)
def test_refused_hello_means_plain_pytest(fake, warnings_seen, reply, why):
    runner = fake(lambda m: reply)
    assert connect(runner, warnings_seen) is None
    assert len(warnings_seen) == 1 and why in warnings_seen[0]


def test_non_canonical_ack_opens_the_window(fake, warnings_seen):
    ack_map16 = bytes.fromhex("0c000000de0001a46b696e64a361636b")
    runner = fake(lambda m: WELCOME if m["kind"] == "hello" else ack_map16)
    client = connect(runner, warnings_seen)
    assert client.start(client_mod.start_frame("t.py::t", 1))
    client.stop()
    assert warnings_seen == [] and not client.closed


def test_start_refused_runs_unmeasured(fake, warnings_seen):
    runner = fake(lambda m: error("nested start") if m["kind"] == "start" else memory_runner(m))
    client = connect(runner, warnings_seen)
    assert not client.start(client_mod.start_frame("t.py::t", 1))
    assert len(warnings_seen) == 1 and "nested start" in warnings_seen[0]
    assert not client.closed


def test_silent_runner_is_gone(fake, warnings_seen, monkeypatch):
    short_timeout(monkeypatch)
    runner = fake(lambda m: WELCOME if m["kind"] == "hello" else None)
    client = connect(runner, warnings_seen)
    assert not client.start(client_mod.start_frame("t.py::t", 1))
    assert client.closed and len(warnings_seen) == 1 and "no reply" in warnings_seen[0]
    # Gone for good: nothing more is sent.
    assert not client.start(client_mod.start_frame("t.py::u", 1))
    assert [m["kind"] for m in runner.requests] == ["hello", "start"]


def test_silent_stop_is_gone(fake, warnings_seen, monkeypatch):
    short_timeout(monkeypatch)
    runner = fake(lambda m: None if m["kind"] == "stop" else memory_runner(m))
    client = connect(runner, warnings_seen)
    assert client.start(client_mod.start_frame("t.py::t", 1))
    client.stop()
    assert client.closed and len(warnings_seen) == 1 and "stop" in warnings_seen[0]


def test_closed_ack_fifo_is_gone(fake, warnings_seen, monkeypatch):
    # The allocation-free wait notices end of file only at its timeout.
    short_timeout(monkeypatch)
    runner = fake(lambda m: "close" if m["kind"] == "start" else memory_runner(m))
    client = connect(runner, warnings_seen)
    assert not client.start(client_mod.start_frame("t.py::t", 1))
    assert client.closed and len(warnings_seen) == 1


@pytest.mark.parametrize("size", [10, 250, 256, 257, 4000])
def test_start_frame_of_any_size_arrives_whole(fake, warnings_seen, size):
    # The frame's last 256 bytes are written on their own (see Client.start).
    runner = fake()
    client = connect(runner, warnings_seen)
    uri = "u" * size
    assert client.start(client_mod.start_frame(uri, 7))
    client.stop()
    assert runner.requests[1:] == [{"kind": "start", "uri": uri, "warmup": 7}, {"kind": "stop"}]
    assert warnings_seen == []


@pytest.mark.parametrize("size", [10, 1000])
def test_closed_ctl_fifo_at_start_is_gone(fake, warnings_seen, size):
    runner = fake()
    client = connect(runner, warnings_seen)
    runner.close()  # the runner's end of the ctl FIFO: nobody reads it any more
    assert not client.start(client_mod.start_frame("u" * size, 1))
    assert client.closed
    assert len(warnings_seen) == 1 and "the ctl fifo is closed" in warnings_seen[0], warnings_seen


def test_forked_child_does_not_use_the_connection(fake, warnings_seen):
    runner = fake()
    client = connect(runner, warnings_seen)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if client.start(client_mod.start_frame("t.py::child", 1)) is False else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [m["kind"] for m in runner.requests] == ["hello"]
