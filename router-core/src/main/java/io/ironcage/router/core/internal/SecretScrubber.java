package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.spi.HeaderMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the secrets a request sent upstream (its provider keys) from what the provider sends
 * back, before it reaches the caller: an upstream that echoes its {@code Authorization} or {@code
 * x-api-key} header in an error body, a response header or a stream event would otherwise hand the
 * caller the key the router exists to keep from it. Each occurrence becomes {@value
 * LlmRequestFailed#REDACTED}.
 *
 * <p>Keys are matched exactly, byte for byte: provider keys are ASCII letters, digits, {@code -}
 * and {@code _}, which JSON and SSE carry unescaped. A secret shorter than {@value #MIN_LENGTH}
 * characters is not scrubbed (it would match ordinary text; no provider issues such keys). Bytes
 * without a secret are returned as they are, without a copy.
 */
final class SecretScrubber {
    /** The shortest secret scrubbed. */
    static final int MIN_LENGTH = 8;

    private static final byte[] REDACTED =
            LlmRequestFailed.REDACTED.getBytes(StandardCharsets.UTF_8);

    private final List<byte[]> secrets = new ArrayList<>(2);
    private final List<String> texts = new ArrayList<>(2);

    /**
     * Adds a secret to scrub; a short or repeated one is ignored.
     *
     * @param secret the secret
     */
    void add(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH || texts.contains(secret)) {
            return;
        }
        texts.add(secret);
        secrets.add(secret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns the bytes with every secret replaced; the same array when none occurs.
     *
     * @param bytes the bytes from upstream
     * @return the bytes the caller may see
     */
    byte[] scrub(byte[] bytes) {
        byte[] out = bytes;
        for (byte[] secret : secrets) {
            out = replace(out, secret);
        }
        return out;
    }

    /**
     * Returns the bytes of an answer cut short with every secret replaced, and a secret cut at
     * their end too: a trailing run of at least {@value #MIN_LENGTH} bytes that begins a secret.
     *
     * @param bytes the last bytes from upstream, where the answer was cut
     * @return the bytes the caller may see
     */
    byte[] scrubCut(byte[] bytes) {
        byte[] out = scrub(bytes);
        for (byte[] secret : secrets) {
            for (int length = Math.min(secret.length - 1, out.length);
                    length >= MIN_LENGTH;
                    length--) {
                if (java.util.Arrays.equals(
                        out, out.length - length, out.length, secret, 0, length)) {
                    byte[] cut =
                            java.util.Arrays.copyOf(out, out.length - length + REDACTED.length);
                    System.arraycopy(REDACTED, 0, cut, out.length - length, REDACTED.length);
                    out = cut;
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Returns the headers with every secret in a value replaced; the same map when none occurs.
     *
     * @param headers the headers from upstream
     * @return the headers the caller may see
     */
    HeaderMap scrub(HeaderMap headers) {
        boolean[] found = {false};
        headers.forEach(
                (name, value) -> {
                    for (String secret : texts) {
                        found[0] |= value.contains(secret);
                    }
                });
        if (!found[0]) {
            return headers;
        }
        HeaderMap.Builder out = HeaderMap.builder();
        headers.forEach(
                (name, value) -> {
                    String clean = value;
                    for (String secret : texts) {
                        clean = clean.replace(secret, LlmRequestFailed.REDACTED);
                    }
                    out.add(name, clean);
                });
        return out.build();
    }

    private static byte[] replace(byte[] bytes, byte[] secret) {
        int at = indexOf(bytes, secret, 0);
        if (at < 0) {
            return bytes;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length);
        int from = 0;
        while (at >= 0) {
            out.write(bytes, from, at - from);
            out.writeBytes(REDACTED);
            from = at + secret.length;
            at = indexOf(bytes, secret, from);
        }
        out.write(bytes, from, bytes.length - from);
        return out.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte[] secret, int from) {
        byte first = secret[0];
        int last = bytes.length - secret.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (bytes[i] != first) {
                continue;
            }
            for (int j = 1; j < secret.length; j++) {
                if (bytes[i + j] != secret[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
