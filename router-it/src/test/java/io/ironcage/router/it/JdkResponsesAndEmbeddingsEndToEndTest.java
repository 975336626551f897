package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;

/** {@link ResponsesAndEmbeddingsEndToEndTest} on the JDK HTTP transport. */
class JdkResponsesAndEmbeddingsEndToEndTest extends ResponsesAndEmbeddingsEndToEndTest {
    @Override
    TransportProvider transport() {
        return new JdkHttpTransportProvider();
    }
}
