package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.testkit.contract.ServerTransportContract;

class JdkServerTransportTest extends ServerTransportContract {
    @Override
    protected ServerTransport transport() {
        return new JdkHttpTransportProvider().serverTransport();
    }
}
