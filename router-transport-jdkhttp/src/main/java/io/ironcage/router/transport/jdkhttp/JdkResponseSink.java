package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.transport.AnswerState;
import io.ironcage.router.core.transport.AnswerState.State;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link ResponseSink} of one request, written on the worker's blocking channel: a write waits
 * while the client is slow to read, which is the backpressure (and a write that makes no progress
 * for long is cut, see {@link JdkConnection}). The head is written as {@link Http1#head} says:
 * fixed length for {@link #send}, chunked for {@link #stream} (or, to an HTTP/1.0 client, a body
 * that ends when the connection closes), and {@code Connection: close} when the connection ends
 * after the answer (the request said so, it was HTTP/1.0, or its body was too large and left
 * unread). An answer to HEAD carries no body. {@link ResponseStream#abort()} closes the connection
 * at once, so the client sees a broken stream without the terminating chunk. Where the answer
 * stands is an {@link AnswerState}, as on every transport.
 */
final class JdkResponseSink implements ResponseSink {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final JdkConnection connection;
    private final boolean headRequest;
    private final boolean http10;
    private boolean closeConnection;
    private final AnswerState answer = new AnswerState();

    JdkResponseSink(
            JdkConnection connection, RequestHeadParser.ParsedHead head, boolean closeConnection) {
        this.connection = connection;
        this.headRequest = head.isHead();
        this.http10 = head.http10();
        this.closeConnection = closeConnection;
    }

    /** Where the answer stands. */
    AnswerState answer() {
        return answer;
    }

    /** Whether the connection ends after this answer. */
    synchronized boolean closesConnection() {
        return closeConnection;
    }

    /**
     * A whole answer's bytes.
     *
     * @param status the status
     * @param headers the handler's headers
     * @param body the body
     * @param close whether the connection ends after it
     * @param headRequest whether it answers HEAD (the body is then left out)
     * @return the bytes
     */
    static byte[] whole(
            int status, HeaderMap headers, byte[] body, boolean close, boolean headRequest) {
        byte[] head = Http1.head(status, headers, body.length, close);
        if (headRequest || !Http1.hasBody(status) || body.length == 0) {
            return head;
        }
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    @Override
    public boolean send(int status, HeaderMap headers, byte[] body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        boolean close = begin(State.SENT, false);
        try {
            if (body.length <= 16 * 1024) {
                connection.write(whole(status, headers, body, close, headRequest));
            } else {
                connection.write(Http1.head(status, headers, body.length, close));
                if (!headRequest && Http1.hasBody(status)) {
                    connection.write(ByteBuffer.wrap(body));
                }
            }
        } catch (IOException e) {
            answer.broken();
            return false;
        }
        return true;
    }

    @Override
    public ResponseStream stream(int status, HeaderMap headers) {
        Objects.requireNonNull(headers, "headers");
        boolean close = begin(State.STREAMING, http10);
        try {
            connection.write(
                    Http1.head(status, headers, http10 ? Http1.UNTIL_CLOSE : Http1.CHUNKED, close));
        } catch (IOException e) {
            answer.broken(); // the stream's writes report it
        }
        return new Stream();
    }

    /** Ends a started stream abruptly: closes the connection without the terminating chunk. */
    void abort() {
        if (answer.markAborted()) {
            connection.abort();
        }
    }

    /**
     * Starts the answer.
     *
     * @param next the state it moves to
     * @param close whether the connection must end after it, whatever the request said
     * @return whether the connection ends after it
     */
    private boolean begin(State next, boolean close) {
        answer.begin(next);
        synchronized (this) {
            closeConnection |= close;
            return closeConnection;
        }
    }

    /**
     * The body of a streamed answer: chunked, or raw to an HTTP/1.0 client. Writes hold a lock of
     * their own, not the sink's, so that {@link #abort()} from another thread cuts a write waiting
     * for a slow client.
     */
    private final class Stream implements ResponseStream {
        private final ReentrantLock writing = new ReentrantLock();

        @Override
        public boolean write(byte[] chunk) {
            Objects.requireNonNull(chunk, "chunk");
            writing.lock();
            try {
                State now = answer.state();
                if (now == State.BROKEN) {
                    return false;
                }
                if (now != State.STREAMING) {
                    throw new IllegalStateException("the stream has ended");
                }
                if (chunk.length == 0 || headRequest) {
                    return true; // an empty chunk would end the body
                }
                try {
                    connection.write(http10 ? chunk : framed(chunk));
                    return true;
                } catch (IOException e) {
                    answer.brokenIfStreaming();
                    return false;
                }
            } finally {
                writing.unlock();
            }
        }

        /**
         * Ends the body with the terminating chunk. A client already gone is not reported here: the
         * answer is over either way.
         */
        @Override
        public void close() {
            writing.lock();
            try {
                if (answer.state() != State.STREAMING) {
                    return;
                }
                try {
                    if (!http10 && !headRequest) {
                        connection.write(LAST_CHUNK);
                    }
                    answer.closeIfStreaming();
                } catch (IOException e) {
                    answer.brokenIfStreaming();
                }
            } finally {
                writing.unlock();
            }
        }

        @Override
        public void abort() {
            JdkResponseSink.this.abort();
        }
    }

    /** A chunk with its size line and end, in one array: one write, one packet for an event. */
    private static byte[] framed(byte[] chunk) {
        byte[] size =
                (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] framed = new byte[size.length + chunk.length + CRLF.length];
        System.arraycopy(size, 0, framed, 0, size.length);
        System.arraycopy(chunk, 0, framed, size.length, chunk.length);
        System.arraycopy(CRLF, 0, framed, size.length + chunk.length, CRLF.length);
        return framed;
    }
}
