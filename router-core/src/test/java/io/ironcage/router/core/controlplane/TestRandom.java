package io.ironcage.router.core.controlplane;

import java.util.random.RandomGenerator;

/** Fixed jitter for the retry backoff, so that a test knows each wait. */
final class TestRandom implements RandomGenerator {
    /** Always draws the ceiling: the backoff waits its longest. */
    static final TestRandom CEILING = new TestRandom(1, 1);

    /** Always draws half the range. */
    static final TestRandom HALF = new TestRandom(1, 2);

    private final long numerator;
    private final long denominator;

    private TestRandom(long numerator, long denominator) {
        this.numerator = numerator;
        this.denominator = denominator;
    }

    @Override
    public long nextLong(long bound) {
        // bound is ceiling + 1: the draw is from 0 to the ceiling, both included
        return (bound - 1) / denominator * numerator;
    }

    @Override
    public long nextLong() {
        throw new UnsupportedOperationException("only bounded draws are fixed");
    }
}
