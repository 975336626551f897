package io.ironcage.router.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.config.RouterConfigLoader;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UsageEventSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link LlmRouter#fromConfig(RouterConfig, UsageEventSink)}: what it asks of the transport and
 * what it logs. The transport here binds nothing, so an address like {@code 0.0.0.0} is never
 * actually opened.
 */
class FromConfigTest {
    private static final String TOKEN = "ic-token-SECRET-7f3a";
    private static final Map<String, String> ENV = Map.of("IC_TOKEN", TOKEN);

    /** Records the options the router starts its server with; binds nothing, sends nothing. */
    private static final class RecordingTransport implements TransportProvider {
        final List<ServerOptions> started = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public ServerTransport serverTransport() {
            return (options, handler) -> {
                started.add(options);
                return new ServerTransport.RunningServer() {
                    @Override
                    public InetSocketAddress address() {
                        return InetSocketAddress.createUnresolved(options.host(), options.port());
                    }

                    @Override
                    public void close() {}
                };
            };
        }

        @Override
        public HttpTransport httpTransport(Duration connectTimeout) {
            return new HttpTransport() {
                @Override
                public Response send(Request request) {
                    throw new UnsupportedOperationException("no upstream in this test");
                }

                @Override
                public StreamingResponse open(Request request) {
                    throw new UnsupportedOperationException("no upstream in this test");
                }

                @Override
                public void close() {}
            };
        }
    }

    private static RouterConfig config(String extra) {
        return RouterConfigLoader.parse(
                "token: ${IC_TOKEN}\nproviders:\n  openai:\n    key: sk-test\n" + extra,
                ENV,
                "router.yaml");
    }

    /** Starts and closes a router from {@code config}, returning what was logged meanwhile. */
    private static String startAndClose(RouterConfig config, RecordingTransport transport) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            LlmRouter.fromConfig(config, UsageEventSink.noop(), transport).close();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void serverTimeoutsReachTheTransport() {
        RecordingTransport transport = new RecordingTransport();
        startAndClose(config("server:\n  header-timeout: 250ms\n  body-timeout: 2m\n"), transport);
        startAndClose(config(""), transport);
        assertEquals(2, transport.started.size());
        assertEquals(Duration.ofMillis(250), transport.started.get(0).headerTimeout());
        assertEquals(Duration.ofMinutes(2), transport.started.get(0).bodyTimeout());
        assertEquals(Duration.ofSeconds(10), transport.started.get(1).headerTimeout());
        assertEquals(Duration.ofSeconds(60), transport.started.get(1).bodyTimeout());
    }

    @Test
    void serverLimitsAndTheShutdownGraceReachTheTransport() {
        RecordingTransport transport = new RecordingTransport();
        startAndClose(
                config(
                        "server:\n  max-concurrent-requests: 7\n  max-body-size: 64KiB\n"
                                + "  write-timeout: 3s\n  shutdown-grace: 2m\n"),
                transport);
        startAndClose(config(""), transport);
        ServerOptions set = transport.started.get(0);
        assertEquals(7, set.maxConcurrentRequests());
        assertEquals(64 * 1024, set.maxRequestBodyBytes());
        assertEquals(Duration.ofSeconds(3), set.writeTimeout());
        assertEquals(Duration.ofMinutes(2), set.shutdownGrace());
        ServerOptions defaults = transport.started.get(1);
        assertEquals(1024, defaults.maxConcurrentRequests());
        assertEquals(10L * 1024 * 1024, defaults.maxRequestBodyBytes());
        assertEquals(Duration.ofSeconds(60), defaults.writeTimeout());
        assertEquals(Duration.ofSeconds(30), defaults.shutdownGrace());
    }

    @Test
    void aListenAddressOtherMachinesMayReachIsLoggedWithoutTheToken() {
        RecordingTransport transport = new RecordingTransport();
        String log = startAndClose(config("listen: 0.0.0.0:8787\n"), transport);
        assertEquals("0.0.0.0", transport.started.get(0).host());
        List<String> warnings =
                log.lines().filter(line -> line.contains("not a loopback address")).toList();
        assertEquals(1, warnings.size(), log);
        assertTrue(warnings.get(0).contains("WARN"), log);
        assertTrue(warnings.get(0).contains("0.0.0.0:8787"), log);
        assertFalse(log.contains(TOKEN), log);
        assertFalse(log.contains("SECRET"), log);
    }

    @Test
    void aLoopbackListenAddressLogsNoWarning() {
        for (String listen : List.of("127.0.0.1:8787", "'[::1]:8787'", "localhost:8788")) {
            String log =
                    startAndClose(config("listen: " + listen + "\n"), new RecordingTransport());
            assertFalse(log.contains("not a loopback address"), listen + ": " + log);
        }
    }
}
