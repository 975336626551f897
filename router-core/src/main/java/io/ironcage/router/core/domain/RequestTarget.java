package io.ironcage.router.core.domain;

import java.util.Objects;

/**
 * A request's path and query in the one form the router routes, classifies, meters and forwards.
 *
 * <p>{@link #parse(String, String)} normalises a raw path once (RFC 3986 §6.2.2): percent-encoded
 * unreserved characters are decoded ({@code %2e} is {@code .}, {@code %76} is {@code v}), other
 * percent-encodings are kept with upper-case hex digits, dot segments are removed ({@code /v1/./x},
 * {@code /v1/../v1/x} and {@code /v1/%2e%2e/v1/x} are {@code /v1/x}), empty segments are merged and
 * a trailing slash is dropped. A path that would change meaning between two parsers is refused
 * instead: an encoded slash ({@code %2F}), backslash ({@code %5C}) or percent sign ({@code %25}), a
 * semicolon (raw or encoded: a path parameter to Java servers), a backslash, a NUL or any other
 * control character (raw or encoded), a broken percent-encoding, or any character RFC 3986 does not
 * allow in a path (spaces, quotes, non-ASCII bytes). The query is kept as sent, after the same
 * character check.
 *
 * <p>Why: a provider normalises paths itself, so a router that matched the raw text would see
 * {@code /v1/./chat/completions} as an unknown path (and not meter it) while the provider serves it
 * as chat completions, and {@code /v1/models/../../x} would reach any path on the provider's host
 * with the router's key.
 *
 * @param path the normalised path: starts with {@code /}, no dot or empty segments, no trailing
 *     slash unless it is {@code /}
 * @param query the query string without {@code ?}, or empty
 */
public record RequestTarget(String path, String query) {
    /**
     * Characters RFC 3986 allows unencoded in a path segment besides unreserved ones, but for
     * {@code ;}: a Java or Tomcat-style upstream reads {@code /v1/..;/x} as a path parameter on a
     * dot segment, i.e. {@code /x}.
     */
    private static final String PATH_SUB_DELIMS = "!$&'()*+,=:@";

    /**
     * Characters RFC 3986 allows unencoded in a query besides unreserved ones, {@code /} and {@code
     * ?}.
     */
    private static final String QUERY_SUB_DELIMS = "!$&'()*+,;=:@";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Validates the components. */
    public RequestTarget {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
    }

    /** The outcome of {@link #parse}: a target, or why the raw one is refused. */
    public sealed interface Parsed permits Valid, Refused {}

    /**
     * The raw target normalised.
     *
     * @param target the normalised path and query
     */
    public record Valid(RequestTarget target) implements Parsed {
        /** Validates the component. */
        public Valid {
            Objects.requireNonNull(target, "target");
        }
    }

    /**
     * The raw target cannot be forwarded as it is.
     *
     * @param reason a sentence saying what is wrong, safe to show the caller (it quotes nothing of
     *     the path)
     */
    public record Refused(String reason) implements Parsed {
        /** Validates the component. */
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Normalises a raw path and query (see the class comment).
     *
     * @param rawPath the path as received, without the query string
     * @param rawQuery the query as received, without {@code ?}; empty or {@code null} for none
     * @return the normalised target, or why it is refused
     */
    public static Parsed parse(String rawPath, String rawQuery) {
        Objects.requireNonNull(rawPath, "rawPath");
        String query = rawQuery == null ? "" : rawQuery;
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return new Refused("The request path must start with '/'.");
        }
        String decoded = decodeUnreserved(rawPath);
        if (decoded == null) {
            return refusedPath();
        }
        String queryProblem = checkQuery(query);
        if (queryProblem != null) {
            return new Refused(queryProblem);
        }
        return new Valid(new RequestTarget(removeDotSegments(decoded), query));
    }

    private static Refused refusedPath() {
        return new Refused(
                "The request path has a character the router does not forward: an encoded slash"
                        + " or backslash (%2F, %5C), a backslash, a control character, a space,"
                        + " a non-ASCII byte or a broken %-escape.");
    }

    /**
     * The path with percent-encoded unreserved characters decoded and other escapes upper-cased;
     * null when the path has a character or escape that is refused.
     */
    private static String decodeUnreserved(String raw) {
        StringBuilder out = null; // allocated only when something changes
        int n = raw.length();
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= n) {
                    return null;
                }
                int hi = hex(raw.charAt(i + 1));
                int lo = hex(raw.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return null;
                }
                int value = hi * 16 + lo;
                // an encoded slash, backslash, percent (decoded twice it is anything) or semicolon
                if (value == '/'
                        || value == '\\'
                        || value == '%'
                        || value == ';'
                        || value < 0x20
                        || value == 0x7f) {
                    return null;
                }
                if (out == null) {
                    out = new StringBuilder(n).append(raw, 0, i);
                }
                if (isUnreserved((char) value)) {
                    out.append((char) value);
                } else {
                    out.append('%').append(HEX[hi]).append(HEX[lo]);
                }
                i += 2;
            } else if (c == '/' || isUnreserved(c) || PATH_SUB_DELIMS.indexOf(c) >= 0) {
                if (out != null) {
                    out.append(c);
                }
            } else {
                return null;
            }
        }
        return out == null ? raw : out.toString();
    }

    /** Null when the query may be forwarded as it is, else why not. */
    private static String checkQuery(String query) {
        int n = query.length();
        for (int i = 0; i < n; i++) {
            char c = query.charAt(i);
            if (c == '%') {
                if (i + 2 >= n || hex(query.charAt(i + 1)) < 0 || hex(query.charAt(i + 2)) < 0) {
                    return "The query string has a broken %-escape.";
                }
                i += 2;
            } else if (!(c == '/'
                    || c == '?'
                    || isUnreserved(c)
                    || QUERY_SUB_DELIMS.indexOf(c) >= 0)) {
                return "The query string has a character the router does not forward: a control"
                        + " character, a space, a backslash or a non-ASCII byte.";
            }
        }
        return null;
    }

    /**
     * RFC 3986 §5.2.4 on a decoded path, also merging empty segments and dropping a trailing slash:
     * the segments {@code .} and {@code ..} never reach the provider.
     */
    private static String removeDotSegments(String path) {
        if (path.indexOf("/.") < 0 && path.indexOf("//") < 0 && !endsWithSlash(path)) {
            return path; // the common case: nothing to do
        }
        String[] segments = path.split("/", -1);
        String[] kept = new String[segments.length];
        int size = 0;
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (size > 0) {
                    size--;
                }
                continue;
            }
            kept[size++] = segment;
        }
        if (size == 0) {
            return "/";
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < size; i++) {
            out.append('/').append(kept[i]);
        }
        return out.toString();
    }

    private static boolean endsWithSlash(String path) {
        return path.length() > 1 && path.charAt(path.length() - 1) == '/';
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '.'
                || c == '_'
                || c == '~';
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
