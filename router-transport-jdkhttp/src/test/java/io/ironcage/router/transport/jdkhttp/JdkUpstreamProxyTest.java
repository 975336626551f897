package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.ironcage.router.testkit.contract.UpstreamProxyContract;
import java.time.Duration;

class JdkUpstreamProxyTest extends UpstreamProxyContract {
    @Override
    protected HttpTransport transport(Duration connectTimeout, UpstreamProxy proxy) {
        return new JdkHttpTransportProvider().httpTransport(connectTimeout, proxy);
    }
}
