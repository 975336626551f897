package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;

/** {@link RouterEndToEndTest} on the reactor-netty transport. */
class NettyRouterEndToEndTest extends RouterEndToEndTest {
    @Override
    TransportProvider transport() {
        return new NettyTransportProvider();
    }
}
