package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.contract.StaleConnectionContract;
import java.time.Duration;

class JdkStaleConnectionTest extends StaleConnectionContract {
    @Override
    protected HttpTransport transport(Duration connectTimeout) {
        return new JdkHttpTransportProvider().httpTransport(connectTimeout);
    }
}
