package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.contract.StaleConnectionContract;
import java.time.Duration;

class NettyStaleConnectionTest extends StaleConnectionContract {
    @Override
    protected HttpTransport transport(Duration connectTimeout) {
        return new NettyTransportProvider().httpTransport(connectTimeout);
    }
}
