package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;

/** {@link ModelListEndToEndTest} on the jdk transport. */
class JdkModelListEndToEndTest extends ModelListEndToEndTest {
    @Override
    TransportProvider transport() {
        return new JdkHttpTransportProvider();
    }
}
