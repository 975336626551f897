package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;

/** {@link ModelListEndToEndTest} on the netty transport. */
class NettyModelListEndToEndTest extends ModelListEndToEndTest {
    @Override
    TransportProvider transport() {
        return new NettyTransportProvider();
    }
}
