package io.ironcage.router.transport.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.spi.TransportProvider;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JdkHttpTransportProviderTest {
    @Test
    void serviceLoaderFindsItByName() {
        TransportProvider provider = TransportProvider.load("jdk");
        assertInstanceOf(JdkHttpTransportProvider.class, provider);
        assertEquals("jdk", provider.name());
    }

    @Test
    void serviceLoaderFindsItAsTheOnlyTransport() {
        assertInstanceOf(JdkHttpTransportProvider.class, TransportProvider.loadOnly());
    }

    @Test
    void rejectsANonPositiveConnectTimeout() {
        JdkHttpTransportProvider provider = new JdkHttpTransportProvider();
        assertThrows(IllegalArgumentException.class, () -> provider.httpTransport(Duration.ZERO));
    }
}
