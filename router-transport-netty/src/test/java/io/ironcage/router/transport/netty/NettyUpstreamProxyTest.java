package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.ironcage.router.testkit.contract.UpstreamProxyContract;
import java.time.Duration;

class NettyUpstreamProxyTest extends UpstreamProxyContract {
    @Override
    protected HttpTransport transport(Duration connectTimeout, UpstreamProxy proxy) {
        return new NettyTransportProvider().httpTransport(connectTimeout, proxy);
    }
}
