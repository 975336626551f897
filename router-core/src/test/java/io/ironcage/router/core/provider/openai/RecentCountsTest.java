package io.ironcage.router.core.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The counts of texts seen lately: always the encoding's own count, and bounded. */
class RecentCountsTest {
    private static final Encoding O200K =
            Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private static String text(int n, int chars) {
        StringBuilder b = new StringBuilder("turn " + n + ": ");
        while (b.length() < chars) {
            b.append("The sea is calm tonight, ").append(n).append(" waves ¿qué tal? 🌊 ");
        }
        return b.substring(0, chars);
    }

    @Test
    void aTextCountedAgainIsTheSameCountFromACopyOfIt() {
        RecentCounts recent = new RecentCounts(O200K);
        String turn = text(1, 2_000);
        int counted = recent.count(turn);
        assertEquals(O200K.countTokensOrdinary(turn), counted);
        assertEquals(1, recent.size(), "kept");
        // the next request parses the same text into a new String: found by its content
        String again = new String(turn.toCharArray());
        assertEquals(counted, recent.count(again));
        assertEquals(1, recent.size());
        // a text that differs by one character is its own entry with its own count
        String edited = turn.substring(0, turn.length() - 1) + "!";
        assertEquals(O200K.countTokensOrdinary(edited), recent.count(edited));
        assertEquals(2, recent.size());
    }

    @Test
    void shortAndHugeTextsAreCountedNotKept() {
        RecentCounts recent = new RecentCounts(O200K);
        String small = text(2, RecentCounts.MIN_CHARS - 1);
        assertEquals(O200K.countTokensOrdinary(small), recent.count(small));
        assertEquals(0, recent.size());
        assertEquals(0, recent.heldChars());
    }

    @Test
    void itNeverHoldsMoreThanItsBound() {
        RecentCounts recent = new RecentCounts(O200K);
        int chars = 100_000;
        for (int i = 0; i < 25; i++) {
            String t = text(i, chars);
            assertEquals(O200K.countTokensOrdinary(t), recent.count(t));
            assertTrue(recent.heldChars() <= RecentCounts.MAX_CHARS, "held " + recent.heldChars());
            assertTrue(
                    (long) recent.size() * chars <= RecentCounts.MAX_CHARS,
                    "texts held " + recent.size());
        }
    }

    @Test
    void concurrentCallersAlwaysGetTheEncodingsCount() throws Exception {
        RecentCounts recent = new RecentCounts(O200K);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(text(i, 30_000 + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(
                        pool.submit(
                                () -> {
                                    for (int round = 0; round < 3; round++) {
                                        for (int i = 0; i < texts.size(); i++) {
                                            String text = texts.get((i + offset) % texts.size());
                                            if (recent.count(new String(text.toCharArray()))
                                                    != O200K.countTokensOrdinary(text)) {
                                                return false;
                                            }
                                        }
                                    }
                                    return true;
                                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(recent.heldChars() <= RecentCounts.MAX_CHARS + 4L * 31_000);
    }
}
