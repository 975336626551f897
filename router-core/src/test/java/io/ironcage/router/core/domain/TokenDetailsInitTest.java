package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/** {@link TokenDetails} and {@link TokenUsage} initialise in either order. */
class TokenDetailsInitTest {

    @Test
    void tokenDetailsFirstInAFreshClassLoader() throws Exception {
        URL classes = TokenDetails.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader fresh = new URLClassLoader(new URL[] {classes}, null)) {
            Class<?> details = Class.forName(TokenDetails.class.getName(), true, fresh);
            Object none = details.getField("NONE").get(null);
            Class<?> usage = Class.forName(TokenUsage.class.getName(), true, fresh);
            Object usageNone = usage.getField("NONE").get(null);
            assertEquals(none, usage.getMethod("details").invoke(usageNone));
        }
    }
}
