def test_not_a_benchmark(trace):
    trace("plain")
