package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;

/** {@link TranslatedStreamingEndToEndTest} on the reactor-netty transport. */
class NettyTranslatedStreamingEndToEndTest extends TranslatedStreamingEndToEndTest {
    @Override
    TransportProvider transport() {
        return new NettyTransportProvider();
    }
}
