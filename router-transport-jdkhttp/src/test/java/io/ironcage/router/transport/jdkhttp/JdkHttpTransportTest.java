package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.contract.HttpTransportContract;
import java.time.Duration;

class JdkHttpTransportTest extends HttpTransportContract {
    @Override
    protected HttpTransport transport(Duration connectTimeout) {
        return new JdkHttpTransportProvider().httpTransport(connectTimeout);
    }
}
