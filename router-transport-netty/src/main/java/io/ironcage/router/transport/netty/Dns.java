package io.ironcage.router.transport.netty;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import java.net.InetSocketAddress;
import java.security.Security;
import java.util.function.Function;

/**
 * Name resolution for the client: Netty's asynchronous DNS resolver, one per event loop, so a
 * lookup never blocks a loop (the JDK's {@code InetAddress} lookup would). IP literals and the
 * names in the hosts file ({@code localhost}) are answered without a query.
 *
 * <p>Answers are cached for their DNS TTL, but never longer than the JVM's own DNS cache allows
 * ({@code networkaddress.cache.ttl}, else {@code sun.net.inetaddr.ttl}, else the JVM's default of
 * 30 s), so a provider's address change is picked up as a JDK client would; failures for {@code
 * networkaddress.cache.negative.ttl} (default 10 s).
 */
final class Dns {
    /** The JVM's default positive TTL when no security manager is installed. */
    static final int JVM_DEFAULT_TTL_SECONDS = 30;

    /** The JVM's default negative TTL. */
    static final int JVM_DEFAULT_NEGATIVE_TTL_SECONDS = 10;

    private Dns() {}

    /** A resolver group for the client's loops; the client closes it. */
    static AddressResolverGroup<InetSocketAddress> resolvers() {
        int ttl = maxTtl(Security::getProperty, System::getProperty);
        int negative =
                seconds(
                        Security.getProperty("networkaddress.cache.negative.ttl"),
                        System.getProperty("sun.net.inetaddr.negative.ttl"),
                        JVM_DEFAULT_NEGATIVE_TTL_SECONDS);
        return new DnsAddressResolverGroup(
                new DnsNameResolverBuilder()
                        .datagramChannelType(datagramChannel())
                        .ttl(0, ttl)
                        .negativeTtl(negative));
    }

    /**
     * The longest an answer is cached, in seconds, from the JVM's settings: {@code -1} (forever)
     * becomes {@link Integer#MAX_VALUE}, {@code 0} no caching.
     */
    static int maxTtl(
            Function<String, String> securityProperties, Function<String, String> properties) {
        return seconds(
                securityProperties.apply("networkaddress.cache.ttl"),
                properties.apply("sun.net.inetaddr.ttl"),
                JVM_DEFAULT_TTL_SECONDS);
    }

    private static int seconds(String security, String property, int fallback) {
        String value = security != null ? security : property;
        if (value == null) {
            return fallback;
        }
        try {
            int seconds = Integer.parseInt(value.trim());
            return seconds < 0 ? Integer.MAX_VALUE : seconds;
        } catch (NumberFormatException e) {
            return fallback; // the JVM ignores a malformed value the same way
        }
    }

    private static Class<? extends DatagramChannel> datagramChannel() {
        return Epoll.isAvailable() ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
