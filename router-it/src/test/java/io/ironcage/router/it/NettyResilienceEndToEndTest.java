package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;

class NettyResilienceEndToEndTest extends ResilienceEndToEndTest {
    @Override
    TransportProvider transport() {
        return new NettyTransportProvider();
    }
}
