package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;

/** {@link TranslatedStreamingEndToEndTest} on the JDK transport. */
class JdkTranslatedStreamingEndToEndTest extends TranslatedStreamingEndToEndTest {
    @Override
    TransportProvider transport() {
        return new JdkHttpTransportProvider();
    }
}
