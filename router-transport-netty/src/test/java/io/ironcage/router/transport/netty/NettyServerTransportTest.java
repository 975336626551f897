package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.testkit.contract.ServerTransportContract;

class NettyServerTransportTest extends ServerTransportContract {
    @Override
    protected ServerTransport transport() {
        return new NettyTransportProvider().serverTransport();
    }
}
