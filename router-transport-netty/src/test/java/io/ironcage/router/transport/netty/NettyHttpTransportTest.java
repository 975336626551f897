package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.contract.HttpTransportContract;
import java.time.Duration;

class NettyHttpTransportTest extends HttpTransportContract {
    @Override
    protected HttpTransport transport(Duration connectTimeout) {
        return new NettyTransportProvider().httpTransport(connectTimeout);
    }
}
