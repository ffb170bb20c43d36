"""pytest-memtally: memory benchmarks of pytest suites under the memtally runner."""

from .fixture import BenchmarkFixture

__version__ = "0.1.0"
__all__ = ["BenchmarkFixture", "__version__"]
