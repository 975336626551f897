package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;

/** {@link RouterEndToEndTest} on the JDK transport. */
class JdkRouterEndToEndTest extends RouterEndToEndTest {
    @Override
    TransportProvider transport() {
        return new JdkHttpTransportProvider();
    }
}
