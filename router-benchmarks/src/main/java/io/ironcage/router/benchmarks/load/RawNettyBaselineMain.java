package io.ironcage.router.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;

/**
 * The floor of a JVM proxy: the least a plain Netty proxy does for a request, with no reactor
 * layer. A server and a kept-alive upstream connection pool per event loop (one loop per core,
 * epoll when available), each request aggregated, forwarded on the same loop and its answer written
 * back. The harness measures it as the target {@code netty-raw} (option {@code --baseline raw}),
 * beside {@link NettyBaselineMain} (reactor-netty), so that the router's CPU per request splits
 * into what Netty costs, what reactor-netty adds and what the router adds.
 *
 * <p>Prints {@code READY <port>} and serves until its standard input closes. Argument: {@code
 * <upstream-base-url>}.
 */
public final class RawNettyBaselineMain {
    private static final int MAX_BODY = 1 << 20;

    private RawNettyBaselineMain() {}

    /**
     * Starts the proxy.
     *
     * @param args {@code <upstream-base-url>}
     * @throws Exception if the server cannot start or standard input fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: RawNettyBaselineMain <upstream-base-url>");
        }
        URI upstream = URI.create(args[0]);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup loops =
                new MultiThreadIoEventLoopGroup(
                        Math.max(1, Runtime.getRuntime().availableProcessors()),
                        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Upstream pool = new Upstream(upstream, epoll);
        Channel server =
                new ServerBootstrap()
                        .group(loops)
                        .channel(
                                epoll
                                        ? EpollServerSocketChannel.class
                                        : NioServerSocketChannel.class)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel channel) {
                                        channel.pipeline()
                                                .addLast(new HttpServerCodec())
                                                .addLast(new HttpObjectAggregator(MAX_BODY))
                                                .addLast(new Inbound(pool));
                                    }
                                })
                        .bind("127.0.0.1", 0)
                        .sync()
                        .channel();
        System.out.println(
                "READY " + ((java.net.InetSocketAddress) server.localAddress()).getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the harness closes our standard input
        }
        server.close().sync();
        loops.shutdownGracefully().sync();
    }

    /** A caller's connection: forwards each aggregated request upstream on the same loop. */
    private static final class Inbound extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Upstream pool;

        Inbound(Upstream pool) {
            super(false);
            this.pool = pool;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            DefaultFullHttpRequest out =
                    new DefaultFullHttpRequest(
                            HttpVersion.HTTP_1_1,
                            request.method(),
                            request.uri(),
                            request.content());
            copy(request.headers(), out.headers());
            out.headers().set(HttpHeaderNames.HOST, pool.host);
            HttpUtil.setContentLength(out, request.content().readableBytes());
            pool.send(
                    ctx.channel().eventLoop(),
                    out,
                    answer -> {
                        FullHttpResponse reply =
                                new DefaultFullHttpResponse(
                                        HttpVersion.HTTP_1_1, answer.status(), answer.content());
                        copy(answer.headers(), reply.headers());
                        HttpUtil.setContentLength(reply, answer.content().readableBytes());
                        HttpUtil.setKeepAlive(reply, keepAlive);
                        ctx.writeAndFlush(reply);
                        if (!keepAlive) {
                            ctx.close();
                        }
                    },
                    failure -> {
                        FullHttpResponse reply =
                                new DefaultFullHttpResponse(
                                        HttpVersion.HTTP_1_1,
                                        io.netty.handler.codec.http.HttpResponseStatus.BAD_GATEWAY);
                        HttpUtil.setContentLength(reply, 0);
                        ctx.writeAndFlush(reply).addListener(f -> ctx.close());
                    });
        }
    }

    /** Kept-alive upstream connections, one idle stack per event loop (touched only by it). */
    private static final class Upstream {
        private final String host;
        private final int port;
        private final Bootstrap bootstrap;
        private final FastThreadLocal<ArrayDeque<Channel>> idle =
                new FastThreadLocal<>() {
                    @Override
                    protected ArrayDeque<Channel> initialValue() {
                        return new ArrayDeque<>();
                    }
                };

        Upstream(URI base, boolean epoll) {
            this.host = base.getHost();
            this.port = base.getPort();
            this.bootstrap =
                    new Bootstrap()
                            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                            .option(ChannelOption.TCP_NODELAY, true)
                            .handler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel channel) {
                                            channel.pipeline()
                                                    .addLast(new HttpClientCodec())
                                                    .addLast(new HttpObjectAggregator(MAX_BODY))
                                                    .addLast(new Outbound());
                                        }
                                    });
        }

        void send(
                EventLoop loop,
                FullHttpRequest request,
                java.util.function.Consumer<FullHttpResponse> onAnswer,
                java.util.function.Consumer<Throwable> onFailure) {
            ArrayDeque<Channel> stack = idle.get();
            Channel channel;
            while ((channel = stack.pollFirst()) != null && !channel.isActive()) {
                // drop connections the upstream closed while idle
            }
            if (channel != null) {
                write(channel, stack, request, onAnswer, onFailure);
                return;
            }
            bootstrap
                    .clone(loop)
                    .connect(host, port)
                    .addListener(
                            (io.netty.channel.ChannelFutureListener)
                                    f -> {
                                        if (f.isSuccess()) {
                                            write(f.channel(), stack, request, onAnswer, onFailure);
                                        } else {
                                            request.release();
                                            onFailure.accept(f.cause());
                                        }
                                    });
        }

        private static void write(
                Channel channel,
                ArrayDeque<Channel> stack,
                FullHttpRequest request,
                java.util.function.Consumer<FullHttpResponse> onAnswer,
                java.util.function.Consumer<Throwable> onFailure) {
            Outbound outbound = channel.pipeline().get(Outbound.class);
            outbound.pending =
                    answer -> {
                        onAnswer.accept(answer);
                        if (HttpUtil.isKeepAlive(answer)) {
                            stack.addFirst(channel);
                        } else {
                            channel.close();
                        }
                    };
            outbound.failed = onFailure;
            channel.writeAndFlush(request);
        }
    }

    /** An upstream connection's answer handler: hands the one awaited answer on. */
    private static final class Outbound extends SimpleChannelInboundHandler<FullHttpResponse> {
        java.util.function.Consumer<FullHttpResponse> pending;
        java.util.function.Consumer<Throwable> failed;

        Outbound() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse answer) {
            java.util.function.Consumer<FullHttpResponse> next = pending;
            pending = null;
            failed = null;
            if (next == null) {
                answer.release();
                ctx.close();
                return;
            }
            next.accept(answer);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("upstream closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }

        private void fail(Throwable cause) {
            java.util.function.Consumer<Throwable> next = failed;
            pending = null;
            failed = null;
            if (next != null) {
                next.accept(cause);
            }
        }
    }

    /** Copies end-to-end headers; the length and framing are the sender's own. */
    private static void copy(HttpHeaders from, HttpHeaders to) {
        from.forEach(
                header -> {
                    String name = header.getKey();
                    if (!HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name)) {
                        to.add(name, header.getValue());
                    }
                });
    }
}
