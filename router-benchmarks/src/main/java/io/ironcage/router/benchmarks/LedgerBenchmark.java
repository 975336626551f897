package io.ironcage.router.benchmarks;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.BudgetStatus;
import io.ironcage.router.core.domain.budget.CostController;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The budget ledger's hot path: one reserve and one commit, as every priced request does
 * (ARCHITECTURE.md bar: under 100 ns uncontended).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class LedgerBenchmark {
    private static final Money RESERVE = Money.ofMicros(9_845);
    private static final Money ACTUAL = Money.ofMicros(450);

    private CostController ledger;

    /** A ledger large enough never to refuse during a run. */
    @Setup
    public void setUp() {
        ledger = CostController.withLimit(Money.ofMicros(Long.MAX_VALUE / 2));
    }

    /**
     * Reserve the worst case, commit the actual cost.
     *
     * @return the status after the commit (consumed by JMH)
     */
    @Benchmark
    public BudgetStatus reserveAndCommit() {
        BudgetDecision decision = ledger.reserve(RESERVE);
        return ((BudgetDecision.Granted) decision).reservation().commit(ACTUAL);
    }

    /**
     * The same with four threads on one ledger.
     *
     * @return the status after the commit
     */
    @Benchmark
    @Threads(4)
    public BudgetStatus reserveAndCommitFourThreads() {
        BudgetDecision decision = ledger.reserve(RESERVE);
        return ((BudgetDecision.Granted) decision).reservation().commit(ACTUAL);
    }
}
