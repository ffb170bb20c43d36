import pytest


@pytest.fixture(scope="session")
def corpus() -> str:
    # Built once, in setup: never inside a benchmark's window.
    words = ["memory", "benchmark", "window", "runner", "allocation", "heap", "pytest", "plugin"]
    return " ".join(words[(i * 7) % len(words)] for i in range(20_000))
