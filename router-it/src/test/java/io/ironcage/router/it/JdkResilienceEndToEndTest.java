package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;

class JdkResilienceEndToEndTest extends ResilienceEndToEndTest {
    @Override
    TransportProvider transport() {
        return new JdkHttpTransportProvider();
    }
}
