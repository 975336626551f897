package io.ironcage.router.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.spi.TransportProvider;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NettyTransportProviderTest {
    @Test
    void serviceLoaderFindsItByName() {
        TransportProvider provider = TransportProvider.load("netty");
        assertInstanceOf(NettyTransportProvider.class, provider);
        assertEquals("netty", provider.name());
    }

    @Test
    void serviceLoaderFindsItAsTheOnlyTransport() {
        assertInstanceOf(NettyTransportProvider.class, TransportProvider.loadOnly());
    }

    @Test
    void rejectsANonPositiveConnectTimeout() {
        NettyTransportProvider provider = new NettyTransportProvider();
        assertThrows(IllegalArgumentException.class, () -> provider.httpTransport(Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class,
                () -> provider.httpTransport(Duration.ofSeconds(-1)));
    }

    @Test
    void optionsHaveDefaultsAndCopyThroughTheirBuilder() {
        NettyTransportOptions defaults = NettyTransportOptions.defaults();
        assertSame(defaults, new NettyTransportProvider().options());
        assertEquals(384 * 1024, defaults.maxHeaderBytes());
        assertEquals(200, defaults.maxHeaderCount());
        assertEquals(512, defaults.maxConnectionsPerHost());
        assertEquals(defaults, defaults.toBuilder().build());

        NettyTransportOptions changed =
                defaults.toBuilder()
                        .eventLoopThreads(3)
                        .maxConnectionsPerHost(7)
                        .idleTimeout(Duration.ofSeconds(9))
                        .build();
        assertEquals(3, changed.eventLoopThreads());
        assertEquals(7, changed.maxConnectionsPerHost());
        assertEquals(Duration.ofSeconds(9), changed.idleTimeout());
        assertEquals(defaults.maxHeaderBytes(), changed.maxHeaderBytes());
        assertNotEquals(defaults, changed);
        assertEquals(changed, changed.toBuilder().build());
        assertEquals(changed.hashCode(), changed.toBuilder().build().hashCode());
        assertSame(changed, new NettyTransportProvider(changed).options());
    }

    @Test
    void optionsRejectNonsense() {
        NettyTransportOptions.Builder builder = NettyTransportOptions.builder();
        assertThrows(IllegalArgumentException.class, () -> builder.eventLoopThreads(0));
        assertThrows(IllegalArgumentException.class, () -> builder.maxHeaderBytes(10));
        assertThrows(IllegalArgumentException.class, () -> builder.maxHeaderCount(0));
        assertThrows(IllegalArgumentException.class, () -> builder.maxConnectionsPerHost(0));
        assertThrows(IllegalArgumentException.class, () -> builder.idleTimeout(Duration.ZERO));
        assertThrows(NullPointerException.class, () -> builder.requestReadTimeout(null));
        assertThrows(NullPointerException.class, () -> new NettyTransportProvider(null));
    }
}
