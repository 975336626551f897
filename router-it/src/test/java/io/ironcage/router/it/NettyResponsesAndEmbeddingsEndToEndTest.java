package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;

/** {@link ResponsesAndEmbeddingsEndToEndTest} on the reactor-netty transport. */
class NettyResponsesAndEmbeddingsEndToEndTest extends ResponsesAndEmbeddingsEndToEndTest {
    @Override
    TransportProvider transport() {
        return new NettyTransportProvider();
    }
}
