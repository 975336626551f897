package io.ironcage.router.transport.netty;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.errors.ProxyException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The client for whole answers ({@link HttpTransport#send}, {@link HttpTransport#sendAsync}) on
 * plain Netty, with one pool of kept-alive connections per event loop: a request made on one of the
 * provider's event loops takes an idle connection of that same loop, or opens one there, so the
 * upstream answer arrives on the thread that holds the caller's connection and nothing changes
 * threads. A caller that is not on an event loop gets one of the loops.
 *
 * <p>At most {@code maxConnectionsPerHost} connections per upstream (scheme, host and port) across
 * the loops; a request beyond that waits for the next connection any loop gives back, and a loop
 * that holds an idle one hands it over at once. An idle pooled connection closes after {@code
 * connectionMaxIdleTime}; one timer per connection keeps it, rescheduled only when it fires. Each
 * request's timeout is a timer on the caller's loop; a request that times out closes its
 * connection, which never goes back to the pool.
 *
 * <p>{@code https} upstreams get TLS with the JDK's trust store and host-name verification.
 *
 * <p>Through an {@link UpstreamProxy}: an {@code https} upstream through a {@code CONNECT} tunnel
 * ({@link HttpProxyHandler}, Basic credentials if set), an {@code http} upstream with absolute-form
 * requests and {@code Proxy-Authorization} on the connection to the proxy. Pools are keyed by proxy
 * and upstream. Names (of upstreams and proxies) are resolved by Netty's asynchronous resolver
 * ({@link Dns}), never on the loop by a blocking lookup.
 *
 * <p>A connection taken from the pool that fails the request's write, before any answer byte, was
 * closed by the upstream while idle (the upstream read none of it): the request is sent again once
 * on a fresh connection. One that takes the request and then ends without an answer is retried only
 * for idempotent methods: a {@code POST} may have been acted on (and billed).
 */
final class LoopClient {
    private static final int INITIAL_WHOLE_BUFFER = 1 << 20; // more grows as it arrives
    private static final int MAX_ENDPOINTS = 1024;

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final Supplier<SslContext> newTls;
    private SslContext tls;
    private final int maxConnections;
    private final long maxIdleNanos;
    private final int maxHeaderBytes;
    private final UpstreamProxy proxy;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final int connectTimeoutMillis;
    private final ChannelGroup channels =
            new DefaultChannelGroup("iron-router-netty-client", ImmediateEventExecutor.INSTANCE);
    private final Map<Endpoint, Shared> shared = new ConcurrentHashMap<>();
    private final Map<URI, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final FastThreadLocal<Map<Endpoint, ArrayDeque<Channel>>> idle =
            new FastThreadLocal<>() {
                @Override
                protected Map<Endpoint, ArrayDeque<Channel>> initialValue() {
                    return new HashMap<>();
                }
            };
    private final FastThreadLocal<EventLoop> ownLoop = new FastThreadLocal<>();
    private volatile boolean closed;

    LoopClient(
            EventLoopGroup loops,
            Duration connectTimeout,
            NettyTransportOptions options,
            Supplier<SslContext> tls,
            UpstreamProxy proxy,
            AddressResolverGroup<InetSocketAddress> resolver) {
        this.group = loops;
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.newTls = tls;
        this.maxConnections = options.maxConnectionsPerHost();
        this.maxIdleNanos = options.connectionMaxIdleTime().toNanos();
        this.maxHeaderBytes = options.maxHeaderBytes();
        this.bootstrap =
                new Bootstrap()
                        .channel(EventLoops.clientChannel())
                        .resolver(resolver)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(
                                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    }

    /**
     * An upstream and the proxy it is called through, if any: where connections go and what they
     * may be reused for.
     */
    private static final class Endpoint {
        final boolean secure;
        final String host;
        final int port;
        final String hostHeader;
        final String address;
        final UpstreamProxy.Server via; // null: direct
        final boolean tunnel; // through via with CONNECT (https)
        final String authorization; // Proxy-Authorization for absolute-form requests, or null

        Endpoint(URI uri, Optional<UpstreamProxy.Server> proxy) {
            this.secure = uri.getScheme().equalsIgnoreCase("https");
            this.host = uri.getHost();
            int given = uri.getPort();
            this.port = given >= 0 ? given : (secure ? 443 : 80);
            this.hostHeader = given >= 0 ? host + ":" + given : host;
            this.address = ForwardException.address(uri);
            this.via = proxy.orElse(null);
            this.tunnel = via != null && secure;
            this.authorization = via != null && !tunnel ? via.authorization().orElse(null) : null;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Endpoint
                    && ((Endpoint) other).secure == secure
                    && ((Endpoint) other).port == port
                    && ((Endpoint) other).host.equalsIgnoreCase(host)
                    && Objects.equals(((Endpoint) other).via, via);
        }

        @Override
        public int hashCode() {
            return Objects.hash(secure, host.toLowerCase(Locale.ROOT), port, via);
        }
    }

    /**
     * What the loops share about an upstream: its connection count, its waiting requests, and the
     * loop that serves callers not on a loop (so that their calls reuse one pool).
     */
    private static final class Shared {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger pooled = new AtomicInteger(); // idle, over all the loops
        final Queue<Call> waiting = new ConcurrentLinkedQueue<>();
        final EventLoop home;

        Shared(EventLoop home) {
            this.home = home;
        }
    }

    private Shared shared(Endpoint endpoint) {
        return shared.computeIfAbsent(endpoint, e -> new Shared(group.next()));
    }

    /**
     * One request on its way: where its answer goes (a future for a whole answer, a {@link
     * NettyStreamingResponse} for a stream), the loop it was made on, and the connection carrying
     * it. Its answer's parts are handled on the loop of that connection.
     */
    private final class Call implements NettyStreamingResponse.Feed {
        final Endpoint endpoint;
        final FullHttpRequest message; // kept (retained) for a retry on a reused connection
        final Duration timeout;
        final EventLoop loop;
        final CompletableFuture<HttpTransport.Response> answer; // whole answers
        final NettyStreamingResponse stream; // streams
        volatile Channel channel; // set once assigned; changes only for the one stale-retry
        boolean retried; // sent again on a fresh connection once already
        boolean reused; // its connection came from the pool (or the line) with a request before
        boolean answering; // a byte of the answer arrived
        private final AtomicBoolean done = new AtomicBoolean(); // a stream answered or abandoned

        // the answer being read, on the connection's loop
        private int status;
        private HeaderMap headers;
        private boolean keepAlive;
        private byte[] body;
        private int size;

        // a stream's window: items handed to the reader and not yet taken, and those held back
        private final AtomicInteger outstanding = new AtomicInteger();
        private final ArrayDeque<Object> heldBack = new ArrayDeque<>();
        private boolean paused;

        Call(
                Endpoint endpoint,
                FullHttpRequest message,
                Duration timeout,
                EventLoop loop,
                NettyStreamingResponse stream) {
            this.endpoint = endpoint;
            this.message = message;
            this.timeout = timeout;
            this.loop = loop;
            this.stream = stream;
            this.answer = stream == null ? new CompletableFuture<>() : null;
            if (stream != null) {
                stream.feed(this);
            }
        }

        /** Answered, failed or abandoned: nothing more goes out or comes in for it. */
        boolean over() {
            return stream == null ? answer.isDone() : done.get();
        }

        /** Fails the call (any thread); a connection carrying it is closed. */
        void fail(ForwardException failure) {
            if (stream == null) {
                if (!answer.completeExceptionally(failure)) {
                    return;
                }
            } else {
                if (!done.compareAndSet(false, true)) {
                    return;
                }
                io().execute(() -> deliver(failure));
            }
            Channel on = channel;
            if (on != null) {
                on.close(); // mid-exchange: the connection cannot be reused
            }
        }

        /** The status line and headers arrived (on the connection's loop). */
        void head(HttpResponse response) {
            status = response.status().code();
            headers = NettyHttpTransport.headers(response.headers(), true);
            keepAlive = HttpUtil.isKeepAlive(response);
            if (stream != null) {
                deliver(new NettyStreamingResponse.Head(status, headers));
                return;
            }
            long length = HttpUtil.getContentLength(response, -1L);
            body = new byte[(int) Math.min(Math.max(length, 0), INITIAL_WHOLE_BUFFER)];
        }

        /** Part of the body arrived (on the connection's loop). */
        void content(ByteBuf part) {
            int n = part.readableBytes();
            if (n == 0) {
                return;
            }
            if (stream != null) {
                byte[] chunk = new byte[n];
                part.getBytes(part.readerIndex(), chunk);
                deliver(chunk);
                return;
            }
            if (size + n > body.length) {
                long grown = Math.max(size + (long) n, body.length * 2L);
                if (grown > Integer.MAX_VALUE - 16) {
                    throw new IllegalStateException("an answer over 2 GiB");
                }
                body = Arrays.copyOf(body, (int) grown);
            }
            part.getBytes(part.readerIndex(), body, size, n);
            size += n;
        }

        /** The body ended (on the connection's loop); true if the connection may be reused. */
        boolean end() {
            if (stream != null) {
                boolean won = done.compareAndSet(false, true);
                if (won) {
                    deliver(NettyStreamingResponse.END);
                }
                if (paused) {
                    paused = false; // what is held back stays for the reader; the socket is free
                    channel.config().setAutoRead(true);
                }
                return won && keepAlive;
            }
            return answer.complete(
                            new HttpTransport.Response(
                                    status,
                                    headers,
                                    size == body.length ? body : Arrays.copyOf(body, size)))
                    && keepAlive;
        }

        /** Hands an item to the reader, or holds it back while a window is out (the loop). */
        private void deliver(Object item) {
            if (heldBack.isEmpty() && outstanding.get() < NettyStreamingResponse.WINDOW) {
                outstanding.incrementAndGet();
                stream.offer(item);
                return;
            }
            heldBack.add(item);
            Channel on = channel;
            if (!paused && on != null && item != NettyStreamingResponse.END) {
                paused = true;
                on.config().setAutoRead(false);
            }
        }

        /** Hands held-back items to the reader as far as the window allows (the loop). */
        private void refill() {
            while (!heldBack.isEmpty() && outstanding.get() < NettyStreamingResponse.WINDOW) {
                outstanding.incrementAndGet();
                stream.offer(heldBack.poll());
            }
            Channel on = channel;
            if (heldBack.isEmpty() && paused && on != null) {
                paused = false;
                on.config().setAutoRead(true);
            }
        }

        @Override
        public void taken() {
            if (outstanding.decrementAndGet() == NettyStreamingResponse.WINDOW / 2) {
                io().execute(this::refill);
            }
        }

        /** The loop that handles this call's answer: its connection's, or its own before that. */
        private EventLoop io() {
            Channel on = channel;
            return on != null ? on.eventLoop() : loop;
        }

        @Override
        public void cancel() {
            if (!done.compareAndSet(false, true)) {
                return; // ended: its connection may already carry another call
            }
            Channel on = channel;
            if (on != null) {
                on.close();
            }
        }
    }

    /**
     * Sends the request; the stage completes on the loop of the connection that carried it (the
     * caller's own when it calls from one of the provider's loops).
     */
    CompletableFuture<HttpTransport.Response> send(
            HttpTransport.Request request, HttpHeaders headers) {
        if (closed) {
            throw new IllegalStateException("the transport is closed");
        }
        Endpoint endpoint = endpoint(request.uri());
        FullHttpRequest message = message(request, endpoint, headers);
        EventLoop loop = currentLoop();
        boolean onLoop = loop != null;
        if (!onLoop) {
            loop = shared(endpoint).home;
        }
        Call call = new Call(endpoint, message, request.timeout(), loop, null);
        ScheduledFuture<?> timer;
        try {
            timer =
                    loop.schedule(
                            () ->
                                    call.fail(
                                            NettyHttpTransport.timedOut(
                                                    "complete answer",
                                                    endpoint.address,
                                                    request.timeout())),
                            request.timeout().toNanos(),
                            TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the loops are stopping
            message.release();
            return CompletableFuture.failedFuture(
                    new ForwardException(
                            ForwardException.Kind.BROKEN,
                            "the client is closing; no call to " + endpoint.address,
                            e));
        }
        call.answer.whenComplete(
                (response, failure) -> {
                    timer.cancel(false);
                    Channel on = call.channel;
                    if (failure != null && on != null) {
                        on.close(); // cancelled or timed out mid-exchange: never reused
                    }
                });
        if (onLoop) {
            acquire(call);
        } else {
            loop.execute(() -> acquire(call));
        }
        return call.answer;
    }

    /**
     * Opens a streamed answer: the caller (a worker) reads it through the returned response, which
     * times out its own waits. Streams spread over the loops, one after the other.
     */
    NettyStreamingResponse open(
            HttpTransport.Request request,
            HttpHeaders headers,
            java.util.function.Consumer<NettyStreamingResponse> onClose) {
        if (closed) {
            throw new IllegalStateException("the transport is closed");
        }
        Endpoint endpoint = endpoint(request.uri());
        FullHttpRequest message = message(request, endpoint, headers);
        NettyStreamingResponse response =
                new NettyStreamingResponse(request.timeout(), endpoint.address, onClose);
        EventLoop loop = currentLoop();
        boolean onLoop = loop != null;
        if (!onLoop) {
            loop = group.next();
        }
        Call call = new Call(endpoint, message, request.timeout(), loop, response);
        if (onLoop) {
            acquire(call);
        } else {
            loop.execute(() -> acquire(call));
        }
        return response;
    }

    /** The upstream of a URI, made once per URI (the pipeline reuses its URIs). */
    private Endpoint endpoint(URI uri) {
        Endpoint known = endpoints.get(uri);
        if (known != null) {
            return known;
        }
        Endpoint made = new Endpoint(uri, proxy.select(uri));
        if (endpoints.size() < MAX_ENDPOINTS) {
            endpoints.put(uri, made);
        }
        return made;
    }

    private static FullHttpRequest message(
            HttpTransport.Request request, Endpoint endpoint, HttpHeaders headers) {
        URI uri = request.uri();
        String path =
                uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        if (endpoint.via != null && !endpoint.tunnel) {
            target = "http://" + endpoint.hostHeader + target; // absolute form, for the proxy
            if (endpoint.authorization != null) {
                headers.set("proxy-authorization", endpoint.authorization);
            }
        }
        byte[] body = request.body();
        FullHttpRequest message =
                new DefaultFullHttpRequest(
                        HttpVersion.HTTP_1_1,
                        HttpMethod.valueOf(request.method()),
                        target,
                        body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body),
                        headers,
                        NettyExchange.TRAILERS.newHeaders());
        headers.set("host", endpoint.hostHeader);
        if (body.length > 0 || bodyExpected(request.method())) {
            headers.set("content-length", body.length);
        }
        return message;
    }

    private static boolean bodyExpected(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    /** The provider's loop this thread is, or null. */
    private EventLoop currentLoop() {
        EventLoop known = ownLoop.getIfExists();
        if (known != null) {
            return known;
        }
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                EventLoop loop = (EventLoop) executor;
                ownLoop.set(loop);
                return loop;
            }
        }
        return null;
    }

    /** On the call's loop: an idle connection of this loop, a new one, or a place in the line. */
    private void acquire(Call call) {
        if (call.over()) {
            return; // timed out or abandoned before it got here
        }
        if (closed) {
            call.fail(closing(call.endpoint));
            return;
        }
        ArrayDeque<Channel> stack = call.retried ? null : idle.get().get(call.endpoint);
        if (stack != null) {
            Channel channel;
            while ((channel = stack.pollFirst()) != null) {
                if (channel.isActive()) {
                    write(channel, call);
                    return;
                }
            }
        }
        Shared upstream = shared(call.endpoint);
        if (upstream.open.incrementAndGet() > maxConnections) {
            upstream.open.decrementAndGet();
            upstream.waiting.add(call);
            serveWaiting(upstream); // a connection may have closed meanwhile
            if (upstream.pooled.get() > 0) {
                lendIdle(call.endpoint, upstream); // idle on another loop: it serves the line
            }
            return;
        }
        connect(call, upstream);
    }

    private void connect(Call call, Shared upstream) {
        Endpoint endpoint = call.endpoint;
        if (closed) { // close() ran while this call was on its way from the waiting line
            upstream.open.decrementAndGet();
            call.fail(closing(endpoint));
            return;
        }
        if (!endpoint.tunnel) {
            Bootstrap connecting = bootstrap(call, upstream, null);
            if (endpoint.via == null) {
                connected(connecting.connect(endpoint.host, endpoint.port), call, upstream);
            } else {
                connected(
                        connecting.connect(endpoint.via.host(), endpoint.via.port()),
                        call,
                        upstream);
            }
            return;
        }
        // a tunnel: the proxy's name is resolved here (without blocking), the upstream's by the
        // proxy, so the connect itself resolves nothing
        resolver.getResolver(call.loop)
                .resolve(
                        InetSocketAddress.createUnresolved(
                                endpoint.via.host(), endpoint.via.port()))
                .addListener(
                        resolved -> {
                            if (!resolved.isSuccess()) {
                                upstream.open.decrementAndGet();
                                call.fail(proxyFailure(endpoint, 0, resolved.cause()));
                                serveWaiting(upstream);
                                return;
                            }
                            HttpProxyHandler tunnel =
                                    tunnel(endpoint, (InetSocketAddress) resolved.getNow());
                            connected(
                                    bootstrap(call, upstream, tunnel)
                                            .resolver(NoopAddressResolverGroup.INSTANCE)
                                            .connect(
                                                    InetSocketAddress.createUnresolved(
                                                            endpoint.host, endpoint.port)),
                                    call,
                                    upstream);
                        });
    }

    private HttpProxyHandler tunnel(Endpoint endpoint, InetSocketAddress proxyAddress) {
        UpstreamProxy.Server via = endpoint.via;
        HttpProxyHandler handler =
                via.username().isPresent()
                        ? new HttpProxyHandler(
                                proxyAddress, via.username().get(), via.password().orElse(""))
                        : new HttpProxyHandler(proxyAddress);
        handler.setConnectTimeoutMillis(connectTimeoutMillis);
        return handler;
    }

    /** A bootstrap for the call's upstream on its loop; with the tunnel first, if one is given. */
    private Bootstrap bootstrap(Call call, Shared upstream, HttpProxyHandler tunnel) {
        Endpoint endpoint = call.endpoint;
        return bootstrap
                .clone(call.loop)
                .handler(
                        new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel channel) {
                                channels.add(channel);
                                ChannelPipeline pipeline = channel.pipeline();
                                if (tunnel != null) {
                                    pipeline.addLast(tunnel);
                                }
                                if (endpoint.secure) {
                                    pipeline.addLast(secure(channel, endpoint));
                                }
                                pipeline.addLast(
                                                new HttpClientCodec(
                                                        new HttpDecoderConfig()
                                                                .setMaxHeaderSize(maxHeaderBytes),
                                                        HttpClientCodec
                                                                .DEFAULT_PARSE_HTTP_AFTER_CONNECT_REQUEST,
                                                        HttpClientCodec
                                                                .DEFAULT_FAIL_ON_MISSING_RESPONSE))
                                        .addLast(new Connection(endpoint, upstream));
                                if (tunnel != null) {
                                    // the proxy's refusal fails the call as such, before
                                    // the close it causes is seen as a broken connection
                                    tunnel.connectFuture()
                                            .addListener(
                                                    up -> {
                                                        if (!up.isSuccess()) {
                                                            refused(channel, up.cause());
                                                        }
                                                    });
                                }
                            }
                        });
    }

    /** The proxy refused the tunnel, or did not answer: the call on the channel fails so. */
    private void refused(Channel channel, Throwable cause) {
        Connection connection = channel.pipeline().get(Connection.class);
        Call call = connection == null ? null : connection.current;
        if (call != null) {
            connection.current = null;
            call.fail(proxyFailure(call.endpoint, 0, cause));
        }
    }

    private static final Pattern PROXY_STATUS = Pattern.compile("status: (\\d{3})");

    /**
     * A failure of the proxy: its refusal ({@code status}, or the status Netty's proxy handler
     * reports) or no connection to it. Names the proxy's {@code host:port}, never its credentials.
     */
    private static ProxyException proxyFailure(Endpoint endpoint, int status, Throwable cause) {
        int refusal = status;
        for (Throwable t = cause; t != null && refusal == 0; t = t.getCause()) {
            if (t instanceof ProxyConnectException && t.getMessage() != null) {
                Matcher matcher = PROXY_STATUS.matcher(t.getMessage());
                if (matcher.find()) {
                    refusal = Integer.parseInt(matcher.group(1));
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        // the cause stays out: nothing of the proxy's exchange needs to travel further
        return new ProxyException(endpoint.via.address(), refusal, endpoint.address, null);
    }

    /** When the connection is made: the call goes on it, or fails. */
    private void connected(io.netty.channel.ChannelFuture connecting, Call call, Shared upstream) {
        Endpoint endpoint = call.endpoint;
        connecting.addListener(
                (ChannelFutureListener)
                        connected -> {
                            if (connected.isSuccess() && closed) {
                                connected.channel().close(); // counted when inactive
                                call.fail(closing(endpoint));
                            } else if (connected.isSuccess()) {
                                write(connected.channel(), call);
                            } else {
                                upstream.open.decrementAndGet();
                                call.fail(
                                        endpoint.via != null
                                                ? proxyFailure(endpoint, 0, connected.cause())
                                                : NettyHttpTransport.failure(
                                                        connected.cause(),
                                                        endpoint.address,
                                                        call.timeout));
                                serveWaiting(upstream);
                            }
                        });
    }

    /** The TLS context, made when the first {@code https} upstream is called. */
    private synchronized SslContext tls() {
        if (tls == null) {
            tls = newTls.get();
        }
        return tls;
    }

    private SslHandler secure(Channel channel, Endpoint endpoint) {
        SslHandler handler = tls().newHandler(channel.alloc(), endpoint.host, endpoint.port);
        SSLEngine engine = handler.engine();
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return handler;
    }

    /** On the channel's loop: sends the call on this connection. */
    private void write(Channel channel, Call call) {
        Connection connection = channel.pipeline().get(Connection.class);
        if (connection == null) {
            return;
        }
        boolean reused = connection.used;
        connection.used = true;
        call.reused = reused;
        connection.unpool();
        if (call.over()) {
            connection.release(channel); // the call timed out meanwhile: keep the connection
            return;
        }
        call.channel = channel;
        connection.current = call;
        if (call.over()) {
            channel.close(); // abandoned while it was being assigned: nobody reads this answer
            return;
        }
        FullHttpRequest message = call.message;
        if (reused && !call.retried) {
            message.retain(); // kept for a retry, should the pooled connection be stale
        }
        channel.writeAndFlush(message)
                .addListener(
                        (ChannelFutureListener)
                                written -> {
                                    if (call.retried && call.channel != channel) {
                                        return; // the stale connection's write: moved on
                                    }
                                    if (reused && !call.retried) {
                                        if (!written.isSuccess()
                                                && !call.answering
                                                && !call.over()
                                                && connection.current == call) {
                                            // the upstream closed it while idle and read none of
                                            // the request: once more on a fresh connection
                                            retry(connection, call);
                                            return;
                                        }
                                        if (!idempotent(call.message.method())) {
                                            // no retry after a write: the upstream may act on it
                                            call.message.release();
                                        }
                                        // an idempotent one stays kept until its answer comes; a
                                        // heap buffer, so nothing leaks if it is never released
                                    }
                                    if (!written.isSuccess()) {
                                        call.fail(
                                                NettyHttpTransport.failure(
                                                        written.cause(),
                                                        call.endpoint.address,
                                                        call.timeout));
                                    }
                                });
    }

    private static boolean idempotent(HttpMethod method) {
        return method.equals(HttpMethod.GET)
                || method.equals(HttpMethod.HEAD)
                || method.equals(HttpMethod.OPTIONS)
                || method.equals(HttpMethod.PUT)
                || method.equals(HttpMethod.DELETE);
    }

    /**
     * Sends a call again on a fresh connection (on the connection's loop): its pooled connection
     * was stale. The kept message is rewound for the new write.
     */
    private void retry(Connection stale, Call call) {
        stale.current = null;
        call.retried = true;
        call.channel = null;
        call.message.content().readerIndex(0); // kept by write(), never sent in full
        stale.ctx.channel().close();
        call.loop.execute(() -> acquire(call));
    }

    /**
     * Asks the other loops to hand their idle connections to the waiting line: at the limit, an
     * idle connection of one loop must serve a request made on another.
     */
    private void lendIdle(Endpoint endpoint, Shared upstream) {
        for (EventExecutor executor : group) {
            if (!executor.inEventLoop()) {
                executor.execute(() -> serveFromPool(endpoint, upstream));
            }
        }
    }

    /** On a loop: this loop's idle connections to the upstream serve its waiting requests. */
    private void serveFromPool(Endpoint endpoint, Shared upstream) {
        ArrayDeque<Channel> stack = idle.get().get(endpoint);
        while (stack != null && !upstream.waiting.isEmpty()) {
            Channel channel = stack.pollFirst();
            if (channel == null) {
                return;
            }
            Connection connection = channel.pipeline().get(Connection.class);
            if (connection != null && channel.isActive()) {
                connection.unpool();
                connection.release(channel); // to the first waiting call, or back to the pool
            }
        }
    }

    /** A request waiting for a connection gets one opened, if the limit allows it now. */
    private void serveWaiting(Shared upstream) {
        while (upstream.open.get() < maxConnections) {
            Call next = upstream.waiting.poll();
            if (next == null) {
                return;
            }
            if (next.over()) {
                continue;
            }
            if (upstream.open.incrementAndGet() > maxConnections) {
                upstream.open.decrementAndGet();
                upstream.waiting.add(next);
                return;
            }
            next.loop.execute(() -> connect(next, upstream));
            return;
        }
    }

    private static ForwardException closing(Endpoint endpoint) {
        return new ForwardException(
                ForwardException.Kind.BROKEN,
                "the client is closing; no call to " + endpoint.address,
                null);
    }

    /** Closes every connection and fails every waiting request. */
    void close() {
        closed = true;
        channels.close().awaitUninterruptibly(5_000);
        resolver.close();
        for (Map.Entry<Endpoint, Shared> upstream : shared.entrySet()) {
            Call waiting;
            while ((waiting = upstream.getValue().waiting.poll()) != null) {
                waiting.fail(closing(upstream.getKey()));
            }
        }
    }

    /** One upstream connection: the call it carries, its idle time in the pool. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final Endpoint endpoint;
        private final Shared upstream;
        Call current;
        private boolean interim; // a 1xx answer is being read
        private long idleSince;
        private boolean pooled;
        boolean used; // has carried a request: a later one reuses it
        private ChannelHandlerContext ctx;

        Connection(Endpoint endpoint, Shared upstream) {
            this.endpoint = endpoint;
            this.upstream = upstream;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            ctx = context;
            context.executor().schedule(this::checkIdle, maxIdleNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            try {
                read(context, msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void read(ChannelHandlerContext context, Object msg) {
            Call call = current;
            if (call == null) {
                context.close(); // an answer nobody asked for
                return;
            }
            if (msg instanceof HttpObject && ((HttpObject) msg).decoderResult().isFailure()) {
                current = null;
                call.fail(
                        NettyHttpTransport.failure(
                                ((HttpObject) msg).decoderResult().cause(),
                                endpoint.address,
                                call.timeout));
                context.close();
                return;
            }
            call.answering = true;
            if (msg instanceof HttpResponse) {
                HttpResponse head = (HttpResponse) msg;
                if (endpoint.via != null && !endpoint.tunnel && head.status().code() == 407) {
                    current = null; // the proxy, not the upstream, wants credentials
                    call.fail(proxyFailure(endpoint, 407, null));
                    context.close();
                    return;
                }
                if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                    interim = true; // 1xx: the real answer follows
                    return;
                }
                call.head(head);
            }
            if (msg instanceof HttpContent) {
                if (interim) {
                    interim = !(msg instanceof LastHttpContent);
                    return;
                }
                call.content(((HttpContent) msg).content());
                if (msg instanceof LastHttpContent) {
                    current = null;
                    if (call.end()) {
                        release(context.channel());
                    } else {
                        context.close();
                    }
                }
            }
        }

        /** Back to this loop's pool, or to a request waiting for a connection. */
        void release(Channel channel) {
            if (closed || !channel.isActive()) {
                channel.close();
                return;
            }
            // counted idle before the line is looked at: a request that joins the line after
            // that look sees the count and asks this loop for the connection (lendIdle)
            pooled = true;
            upstream.pooled.incrementAndGet();
            Call waiting;
            while ((waiting = upstream.waiting.poll()) != null) {
                if (!waiting.over()) {
                    write(channel, waiting); // takes it out of the count again
                    return;
                }
            }
            idleSince = System.nanoTime();
            idle.get().computeIfAbsent(endpoint, e -> new ArrayDeque<>()).addFirst(channel);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            Call call = current;
            current = null;
            if (call != null && !retriedStale(context, call)) {
                call.fail(NettyHttpTransport.ended(endpoint.address));
            }
            if (pooled) {
                unpool();
                ArrayDeque<Channel> stack = idle.get().get(endpoint);
                if (stack != null) {
                    stack.remove(context.channel());
                }
            }
            upstream.open.decrementAndGet();
            serveWaiting(upstream);
            context.fireChannelInactive();
        }

        /**
         * An idempotent request on a reused connection that ended (closed or reset) without an
         * answer byte is sent once more on a fresh connection: the upstream closed it while idle.
         */
        private boolean retriedStale(ChannelHandlerContext context, Call call) {
            if (call.retried
                    || call.answering
                    || call.over()
                    || call.channel != context.channel()
                    || !call.reused
                    || !idempotent(call.message.method())) {
                return false;
            }
            retry(this, call);
            return true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            Call call = current;
            current = null;
            if (call != null && cause instanceof IOException && retriedStale(context, call)) {
                context.close();
                return;
            }
            if (call != null) {
                call.fail(
                        NettyHttpTransport.failure(
                                cause instanceof IOException ? cause : new IOException(cause),
                                endpoint.address,
                                call.timeout));
            }
            context.close();
        }

        /** Out of the pool (taken, or closing): counted idle no more. */
        void unpool() {
            if (pooled) {
                pooled = false;
                upstream.pooled.decrementAndGet();
            }
        }

        /** The one timer: closes the connection once it has idled in the pool for too long. */
        private void checkIdle() {
            if (!ctx.channel().isOpen()) { // still connecting counts as open: look again later
                return;
            }
            long left = maxIdleNanos;
            if (current == null && pooled) {
                left = maxIdleNanos - (System.nanoTime() - idleSince);
                if (left <= 0) {
                    ctx.close();
                    return;
                }
            }
            ctx.executor().schedule(this::checkIdle, left, TimeUnit.NANOSECONDS);
        }
    }
}
