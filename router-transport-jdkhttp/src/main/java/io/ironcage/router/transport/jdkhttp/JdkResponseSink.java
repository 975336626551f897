package io.ironcage.router.transport.jdkhttp;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.ironcage.router.core.ClientDisconnectedException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ResponseSink;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The {@link ResponseSink} of one JDK exchange. The headers go to the exchange as given, except
 * {@code content-length} and {@code transfer-encoding}, which the transport sets itself (fixed
 * length for {@link #send}, chunked for {@link #stream}); when the request body was too large and
 * left unread, {@code Connection: close} is added so the connection ends after the answer.
 *
 * <p>{@link ResponseStream#abort()} cannot drop the connection by itself (the JDK exchange has no
 * such call, and closing it writes the terminating chunk): it marks the stream, and the connection
 * is dropped without the terminating chunk when the proxy handler returns.
 */
final class JdkResponseSink implements ResponseSink {
    /** Where the answer stands. */
    enum State {
        NONE,
        SENT,
        STREAMING,
        CLOSED,
        ABORTED,
        BROKEN
    }

    private final HttpExchange exchange;
    private final boolean closeConnection;
    private State state = State.NONE;

    JdkResponseSink(HttpExchange exchange, boolean closeConnection) {
        this.exchange = exchange;
        this.closeConnection = closeConnection;
    }

    synchronized State state() {
        return state;
    }

    /** Takes the right to answer, for the transport's own 500; false if already taken. */
    synchronized boolean claim() {
        if (state != State.NONE) {
            return false;
        }
        state = State.SENT;
        return true;
    }

    @Override
    public void send(int status, HeaderMap headers, byte[] body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        begin(State.SENT);
        try {
            copyHeaders(headers);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                OutputStream out = exchange.getResponseBody();
                out.write(body);
                out.close();
            }
            exchange.close();
        } catch (IOException e) {
            broken();
            throw new ClientDisconnectedException(e);
        }
    }

    @Override
    public ResponseStream stream(int status, HeaderMap headers) {
        Objects.requireNonNull(headers, "headers");
        begin(State.STREAMING);
        try {
            copyHeaders(headers);
            exchange.sendResponseHeaders(status, 0);
            OutputStream out = exchange.getResponseBody();
            out.flush(); // the status line and headers go out now
            return new Stream(out);
        } catch (IOException e) {
            broken();
            throw new ClientDisconnectedException(e);
        }
    }

    /** Ends a started stream abruptly (also used by the transport for an unfinished stream). */
    synchronized void abort() {
        if (state == State.STREAMING) {
            state = State.ABORTED;
        }
    }

    private synchronized void begin(State next) {
        if (state != State.NONE) {
            throw new IllegalStateException("a response was already started");
        }
        state = next;
    }

    private synchronized void broken() {
        state = State.BROKEN;
    }

    private void copyHeaders(HeaderMap headers) {
        Headers out = exchange.getResponseHeaders();
        headers.forEach(
                (name, value) -> {
                    if (!name.equals("content-length") && !name.equals("transfer-encoding")) {
                        out.add(name, value);
                    }
                });
        if (closeConnection) {
            out.set("Connection", "close");
        }
    }

    /** The chunked body of a streamed answer. */
    private final class Stream implements ResponseStream {
        private final OutputStream out;

        Stream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(byte[] chunk) {
            Objects.requireNonNull(chunk, "chunk");
            synchronized (JdkResponseSink.this) {
                if (state == State.BROKEN) {
                    throw new ClientDisconnectedException(null);
                }
                if (state != State.STREAMING) {
                    throw new IllegalStateException("the stream has ended");
                }
                if (chunk.length == 0) {
                    return; // an empty chunk would end the body
                }
                try {
                    out.write(chunk);
                    out.flush();
                } catch (IOException e) {
                    state = State.BROKEN;
                    throw new ClientDisconnectedException(e);
                }
            }
        }

        /**
         * Ends the body with the terminating chunk. A client already gone is not reported here: the
         * answer is over either way.
         */
        @Override
        public void close() {
            synchronized (JdkResponseSink.this) {
                if (state != State.STREAMING) {
                    return;
                }
                try {
                    out.close();
                    exchange.close();
                    state = State.CLOSED;
                } catch (IOException e) {
                    state = State.BROKEN;
                }
            }
        }

        @Override
        public void abort() {
            JdkResponseSink.this.abort();
        }
    }
}
