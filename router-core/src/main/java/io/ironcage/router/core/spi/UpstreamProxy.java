package io.ironcage.router.core.spi;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The outbound HTTP proxy a client transport calls upstreams through, if any: one proxy server for
 * {@code https} upstreams (reached through a {@code CONNECT} tunnel), one for {@code http}
 * upstreams (sent absolute-form requests), and the hosts that are called directly.
 *
 * <p>Made from {@code upstream-proxy} in {@code router.yaml} ({@link #of}), or from the standard
 * environment ({@link #fromEnvironment}): {@code https_proxy}/{@code HTTPS_PROXY}, {@code
 * http_proxy}/{@code HTTP_PROXY} and {@code no_proxy}/{@code NO_PROXY} (lower case first, as curl
 * reads them; credentials in the URL allowed), else the JDK's {@code https.proxyHost}/{@code
 * https.proxyPort}, {@code http.proxyHost}/{@code http.proxyPort} and {@code http.nonProxyHosts}.
 *
 * <p>{@code no-proxy} entries: {@code *} (every host), a host name ({@code example.com} matches it
 * and its subdomains; {@code .example.com} the same), an IP literal (exact; IPv6 with or without
 * brackets), a trailing-{@code *} prefix ({@code 127.*}), each optionally with {@code :port}.
 * Loopback upstreams go through the proxy unless an entry lists them, except with the JDK
 * properties, whose default {@code http.nonProxyHosts} lists loopback as the JDK does.
 *
 * <p>{@link #toString()} and every error message show the user name at most, never the password.
 */
public final class UpstreamProxy {
    private static final UpstreamProxy NONE = new UpstreamProxy(null, null, List.of());
    private static final List<String> JDK_DEFAULT_NON_PROXY =
            List.of("localhost", "127.*", "[::1]", "0.0.0.0", "[::0]");

    private final Server https;
    private final Server http;
    private final List<String> noProxy;

    private UpstreamProxy(Server https, Server http, List<String> noProxy) {
        this.https = https;
        this.http = http;
        this.noProxy = List.copyOf(noProxy);
    }

    /** One proxy server: where it is and the Basic credentials it wants, if any. */
    public static final class Server {
        private final String host;
        private final int port;
        private final String username;
        private final String password;

        private Server(String host, int port, String username, String password) {
            this.host = host;
            this.port = port;
            this.username = username;
            this.password = password;
        }

        /**
         * Returns the proxy's host name or IP literal (IPv6 without brackets).
         *
         * @return the host
         */
        public String host() {
            return host;
        }

        /**
         * Returns the proxy's port.
         *
         * @return the port
         */
        public int port() {
            return port;
        }

        /**
         * Returns {@code host:port}, what messages name (never the credentials).
         *
         * @return the address
         */
        public String address() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        /**
         * Returns the user name for Basic authentication, if any.
         *
         * @return the user name
         */
        public Optional<String> username() {
            return Optional.ofNullable(username);
        }

        /**
         * Returns the password for Basic authentication, if any. Never logged.
         *
         * @return the password
         */
        public Optional<String> password() {
            return Optional.ofNullable(password);
        }

        /**
         * Returns the {@code Proxy-Authorization} header value, if credentials are set.
         *
         * @return e.g. {@code Basic dXNlcjpwYXNz}
         */
        public Optional<String> authorization() {
            if (username == null) {
                return Optional.empty();
            }
            String pair = username + ":" + (password == null ? "" : password);
            return Optional.of(
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Server
                    && ((Server) other).host.equalsIgnoreCase(host)
                    && ((Server) other).port == port
                    && Objects.equals(((Server) other).username, username)
                    && Objects.equals(((Server) other).password, password);
        }

        @Override
        public int hashCode() {
            return Objects.hash(host.toLowerCase(Locale.ROOT), port, username);
        }

        /** {@code http://user:***@host:port}: the password never shows. */
        @Override
        public String toString() {
            return "http://" + (username == null ? "" : username + ":***@") + address();
        }
    }

    /**
     * No proxy: every upstream is called directly.
     *
     * @return the value
     */
    public static UpstreamProxy none() {
        return NONE;
    }

    /**
     * One proxy for every upstream, as {@code upstream-proxy} in {@code router.yaml} sets it.
     *
     * @param url {@code http://host:port} (the port defaults to 80); credentials in it are allowed
     * @param username the Basic user name, or null (overrides one in the URL)
     * @param password the Basic password, or null
     * @param noProxy the hosts called directly (see the class comment)
     * @return the value
     * @throws IllegalArgumentException if the URL is not an {@code http} URL with a host, naming
     *     the problem but never the password
     */
    public static UpstreamProxy of(
            String url, String username, String password, List<String> noProxy) {
        Objects.requireNonNull(url, "url");
        Server parsed = server(url, "the proxy URL");
        if (username != null) {
            parsed = new Server(parsed.host, parsed.port, username, password);
        } else if (password != null) {
            throw new IllegalArgumentException("a proxy password needs a username");
        }
        List<String> entries = noProxy(Objects.requireNonNull(noProxy, "noProxy"));
        return new UpstreamProxy(parsed, parsed, entries);
    }

    /**
     * The process's proxy settings: the environment variables, else the JDK's proxy properties.
     *
     * @return the value; {@link #none()} if none is set
     * @throws IllegalArgumentException if a variable is not a proxy URL, naming it
     */
    public static UpstreamProxy fromSystem() {
        return fromEnvironment(System::getenv, System::getProperty);
    }

    /**
     * The proxy settings of an environment: {@code https_proxy}, {@code HTTPS_PROXY}, {@code
     * http_proxy}, {@code HTTP_PROXY}, {@code no_proxy}, {@code NO_PROXY}; when neither proxy
     * variable is set, the JDK properties {@code https.proxyHost}, {@code https.proxyPort}, {@code
     * http.proxyHost}, {@code http.proxyPort}, {@code http.nonProxyHosts}.
     *
     * @param environment looks a variable up, null if unset
     * @param properties looks a system property up, null if unset
     * @return the value; {@link #none()} if none is set
     * @throws IllegalArgumentException if a value is not a proxy URL or port, naming the variable
     */
    public static UpstreamProxy fromEnvironment(
            Function<String, String> environment, Function<String, String> properties) {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(properties, "properties");
        String[] https = variable(environment, "https_proxy", "HTTPS_PROXY");
        String[] http = variable(environment, "http_proxy", "HTTP_PROXY");
        if (https != null || http != null) {
            String[] skip = variable(environment, "no_proxy", "NO_PROXY");
            return new UpstreamProxy(
                    https == null ? null : server(withScheme(https[1]), https[0]),
                    http == null ? null : server(withScheme(http[1]), http[0]),
                    skip == null ? List.of() : noProxy(List.of(skip[1].split(","))));
        }
        Server secure = property(properties, "https.proxyHost", "https.proxyPort", 443);
        Server plain = property(properties, "http.proxyHost", "http.proxyPort", 80);
        if (secure == null && plain == null) {
            return NONE;
        }
        String hosts = blankToNull(properties.apply("http.nonProxyHosts"));
        List<String> skip = JDK_DEFAULT_NON_PROXY;
        if (hosts != null) {
            List<String> entries = new ArrayList<>();
            for (String entry : hosts.split("\\|")) {
                // the JDK's *.example.com is a suffix, as .example.com is here
                entries.add(entry.startsWith("*.") ? entry.substring(1) : entry);
            }
            skip = noProxy(entries);
        }
        return new UpstreamProxy(secure, plain, skip);
    }

    private static String[] variable(Function<String, String> environment, String... names) {
        for (String name : names) {
            String value = blankToNull(environment.apply(name));
            if (value != null) {
                return new String[] {name, value};
            }
        }
        return null;
    }

    private static Server property(
            Function<String, String> properties, String hostKey, String portKey, int fallback) {
        String host = blankToNull(properties.apply(hostKey));
        if (host == null) {
            return null;
        }
        String port = blankToNull(properties.apply(portKey));
        int number = fallback;
        if (port != null) {
            if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1) {
                throw new IllegalArgumentException(portKey + " must be a port, got '" + port + "'");
            }
            number = Integer.parseInt(port);
        }
        if (number > 65535) {
            throw new IllegalArgumentException(portKey + " must be a port, got '" + port + "'");
        }
        return new Server(unbracket(host), number, null, null);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static String withScheme(String value) {
        return value.contains("://") ? value : "http://" + value;
    }

    private static Server server(String url, String what) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + " is not a URL: '" + redact(url) + "'");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(
                    what
                            + " must be an http:// URL (the proxy itself is spoken to in plain"
                            + " HTTP), got '"
                            + redact(url)
                            + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException(
                    what + " must be http://host:port, got '" + redact(url) + "'");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/"))
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    what + " must be http://host:port with no path, got '" + redact(url) + "'");
        }
        String user = null;
        String pass = null;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            pass = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        return new Server(
                unbracket(uri.getHost()), uri.getPort() < 0 ? 80 : uri.getPort(), user, pass);
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL with any password replaced, for messages. */
    private static String redact(String url) {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return url;
        }
        String info = url.substring(scheme + 3, at);
        int colon = info.indexOf(':');
        return url.substring(0, scheme + 3)
                + (colon < 0 ? info : info.substring(0, colon) + ":***")
                + url.substring(at);
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1)
                : host;
    }

    private static List<String> noProxy(List<String> entries) {
        List<String> kept = new ArrayList<>();
        for (String entry : entries) {
            Objects.requireNonNull(entry, "a no-proxy entry");
            String trimmed = entry.trim().toLowerCase(Locale.ROOT);
            if (trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
                throw new IllegalArgumentException(
                        "a no-proxy entry must be a host, .domain, IP or *, optionally with"
                                + " :port, got '"
                                + entry
                                + "'");
            }
            kept.add(trimmed);
        }
        return kept;
    }

    /**
     * Whether any upstream goes through a proxy.
     *
     * @return true if there is no proxy at all
     */
    public boolean isNone() {
        return https == null && http == null;
    }

    /**
     * Returns the hosts called directly, lower-cased.
     *
     * @return the entries
     */
    public List<String> noProxy() {
        return noProxy;
    }

    /**
     * Returns the proxy to call this upstream through, if any.
     *
     * @param target the upstream's URI ({@code http} or {@code https})
     * @return the proxy, or empty to call it directly
     */
    public Optional<Server> select(URI target) {
        Server server = "https".equalsIgnoreCase(target.getScheme()) ? https : http;
        if (server == null) {
            return Optional.empty();
        }
        String host = unbracket(target.getHost() == null ? "" : target.getHost());
        int port = target.getPort();
        if (port < 0) {
            port = "https".equalsIgnoreCase(target.getScheme()) ? 443 : 80;
        }
        return bypassed(host.toLowerCase(Locale.ROOT), port)
                ? Optional.empty()
                : Optional.of(server);
    }

    private boolean bypassed(String host, int port) {
        for (String entry : noProxy) {
            if (entry.equals("*")) {
                return true;
            }
            String pattern = entry;
            int entryPort = -1;
            int colon = entry.lastIndexOf(':');
            int bracket = entry.lastIndexOf(']');
            // host:port, [v6]:port; a bare IPv6 literal has several colons and no port
            if (colon > bracket
                    && colon > 0
                    && entry.indexOf(':') == colon
                    && entry.substring(colon + 1).matches("\\d{1,5}")) {
                pattern = entry.substring(0, colon);
                entryPort = Integer.parseInt(entry.substring(colon + 1));
            } else if (bracket > 0 && colon == bracket + 1) {
                pattern = entry.substring(0, bracket + 1);
                entryPort = Integer.parseInt(entry.substring(colon + 1));
            }
            if (entryPort >= 0 && entryPort != port) {
                continue;
            }
            pattern = unbracket(pattern);
            if (matches(pattern, host)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String host) {
        if (pattern.endsWith("*")) {
            return host.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        if (pattern.startsWith("*.")) {
            pattern = pattern.substring(1);
        }
        if (pattern.startsWith(".")) {
            return host.endsWith(pattern) || host.equals(pattern.substring(1));
        }
        if (pattern.indexOf(':') >= 0 || pattern.chars().allMatch(c -> c == '.' || isDigit(c))) {
            return host.equals(pattern); // an IP literal: exact
        }
        return host.equals(pattern) || host.endsWith("." + pattern);
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof UpstreamProxy
                && Objects.equals(((UpstreamProxy) other).https, https)
                && Objects.equals(((UpstreamProxy) other).http, http)
                && ((UpstreamProxy) other).noProxy.equals(noProxy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(https, http, noProxy);
    }

    /** The servers (passwords redacted) and the no-proxy list. */
    @Override
    public String toString() {
        if (isNone()) {
            return "UpstreamProxy[none]";
        }
        return "UpstreamProxy[https=" + https + ", http=" + http + ", noProxy=" + noProxy + "]";
    }
}
