package io.ironcage.router.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DnsTest {
    @Test
    void theCacheNeverOutlivesTheJvmsDnsTtl() {
        assertEquals(Dns.JVM_DEFAULT_TTL_SECONDS, Dns.maxTtl(key -> null, key -> null));
        assertEquals(5, Dns.maxTtl(Map.of("networkaddress.cache.ttl", "5")::get, key -> null));
        assertEquals(
                7, Dns.maxTtl(key -> null, Map.of("sun.net.inetaddr.ttl", "7")::get), "legacy");
        assertEquals(
                0,
                Dns.maxTtl(
                        Map.of("networkaddress.cache.ttl", "0")::get,
                        Map.of("sun.net.inetaddr.ttl", "7")::get),
                "the security property wins; 0 caches nothing");
        assertEquals(
                Integer.MAX_VALUE,
                Dns.maxTtl(Map.of("networkaddress.cache.ttl", "-1")::get, key -> null));
        assertEquals(
                Dns.JVM_DEFAULT_TTL_SECONDS,
                Dns.maxTtl(Map.of("networkaddress.cache.ttl", "soon")::get, key -> null));
    }

    @Test
    void ipLiteralsAndLocalhostResolveWithoutAQuery() throws Exception {
        EventLoops loops = new EventLoops("dns-test", 1);
        EventLoopGroup group = loops.acquire();
        AddressResolverGroup<InetSocketAddress> resolvers = Dns.resolvers();
        try {
            AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(group.next());
            InetSocketAddress literal =
                    resolver.resolve(InetSocketAddress.createUnresolved("127.0.0.1", 80))
                            .get(5, TimeUnit.SECONDS);
            assertEquals("127.0.0.1", literal.getAddress().getHostAddress());
            InetSocketAddress local =
                    resolver.resolve(InetSocketAddress.createUnresolved("localhost", 80))
                            .get(5, TimeUnit.SECONDS);
            assertTrue(local.getAddress().isLoopbackAddress(), local.toString());
        } finally {
            resolvers.close();
            loops.release();
        }
    }
}
