package io.ironcage.router.core.provider.openai;

import com.knuddels.jtokkit.api.Encoding;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The token counts of long texts one encoding counted lately. An agent sends its whole conversation
 * again with every turn, so most of a request's text (the system prompt, the earlier turns) was
 * counted for the request before; looking it up costs a hash and a comparison of the text, about a
 * nanosecond per character, where counting costs tens ("Token counting (JTokkit)" in
 * BENCHMARKS.md).
 *
 * <p>Exact: keyed by the text itself, never by a hash alone, so a count is never another text's.
 * Bounded: it holds at most {@link #MAX_CHARS} characters of text; when a new one would pass that,
 * it forgets everything and starts again (the turns that follow fill it with what they send). Texts
 * shorter than {@link #MIN_CHARS} are counted each time: cheap, and they would crowd it.
 * Thread-safe.
 */
final class RecentCounts {
    /** Shorter texts are counted, not kept. */
    static final int MIN_CHARS = 256;

    /** The most characters of text held (about 2 MB of heap, with the map). */
    static final long MAX_CHARS = 1_000_000;

    private final Encoding encoding;
    private final ConcurrentMap<String, Integer> counts = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();

    RecentCounts(Encoding encoding) {
        this.encoding = encoding;
    }

    /** The text's ordinary token count (a special token typed by a caller is text). */
    int count(String text) {
        if (text.length() < MIN_CHARS || text.length() > MAX_CHARS) {
            return encoding.countTokensOrdinary(text);
        }
        Integer known = counts.get(text);
        if (known != null) {
            return known;
        }
        int count = encoding.countTokensOrdinary(text);
        if (held.addAndGet(text.length()) > MAX_CHARS) {
            // full: start again; a concurrent add may be lost or kept, either is a valid count
            counts.clear();
            held.set(text.length());
        }
        counts.put(text, count);
        return count;
    }

    /** How many characters of text are held now, for tests. */
    long heldChars() {
        return held.get();
    }

    /** How many texts are held now, for tests. */
    int size() {
        return counts.size();
    }
}
