package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.transport.AnswerState;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * One request on a worker: reads its body (against the body timeout, up to the body limit), runs
 * the proxy handler (with {@code ProxyHandler.CALLING_THREAD}: this worker may block, so it waits
 * for the handler's stage), makes sure the exchange ends, and gives the connection back to the
 * selector thread for the next request or for a lingering close.
 *
 * <p>A handler that answers nothing or throws gets {@code 500 Internal error} (plain text, no
 * internals) if nothing was sent yet; a stream it leaves unfinished is cut, so the client sees a
 * broken stream. A body that is not read whole in time is answered {@code 408}, a malformed chunked
 * body {@code 400}, a chunked body that would go over the body memory {@code 503}, each through the
 * handler's {@code unreadable}, and the connection closed.
 */
final class JdkExchange implements Runnable {
    private static final System.Logger LOG = System.getLogger(JdkExchange.class.getName());

    /** This worker may block: what the handler would move to a worker runs right here. */
    private static final Executor HERE = ProxyHandler.CALLING_THREAD;

    private static final int INITIAL_BODY = 16 * 1024;
    private static final int MAX_INITIAL_BODY = 64 * 1024;

    /** The read buffer's largest size while a body is read. */
    private static final int BODY_BUFFER = 64 * 1024;

    /** The longest chunk-size line, and all trailer lines together. */
    private static final int MAX_CHUNK_LINE = 4 * 1024;

    private static final int MAX_TRAILERS = 16 * 1024;

    private final JdkRunningServer server;
    private final JdkConnection connection;
    private final RequestHeadParser.ParsedHead head;
    private long memory; // body memory taken and not given back

    JdkExchange(
            JdkRunningServer server,
            JdkConnection connection,
            RequestHeadParser.ParsedHead head,
            long memory) {
        this.server = server;
        this.connection = connection;
        this.head = head;
        this.memory = memory;
    }

    JdkConnection connection() {
        return connection;
    }

    RequestHeadParser.ParsedHead head() {
        return head;
    }

    /** Gives back the body memory still taken. */
    void giveBackMemory() {
        if (memory > 0) {
            server.bodyMemory().giveBack(memory);
            memory = 0;
        }
    }

    @Override
    public void run() {
        try {
            connection.blocking();
            serve();
        } catch (IOException e) {
            connection.abort(); // the client is gone
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "serving " + head + " failed", e);
            connection.abort();
        } finally {
            giveBackMemory();
            server.inFlight().leave();
        }
    }

    private void serve() throws IOException {
        Body body;
        try {
            body = readBody();
        } catch (SocketTimeoutException e) {
            LOG.log(Level.DEBUG, "the body of {0} did not arrive in time: 408", head);
            refuse(408);
            return;
        } catch (Refused e) {
            LOG.log(Level.DEBUG, "{0}: {1}", head, e.getMessage());
            refuse(e.status);
            return;
        }
        giveBackMemory(); // read: the handler holds it from now on
        if (body == null) {
            connection.abort(); // the client left in the middle of its body
            return;
        }
        ProxyRequest request =
                new ProxyRequest(
                        head.method(),
                        head.path(),
                        head.query(),
                        head.headers(),
                        body.bytes,
                        body.bytes == null);
        boolean close = !head.keepAlive() || body.unread;
        JdkResponseSink sink = new JdkResponseSink(connection, head, close);
        Throwable failure = null;
        try {
            AnswerState.handle(server.handler(), request, sink, HERE).toCompletableFuture().get();
        } catch (ExecutionException e) {
            failure = AnswerState.unwrapped(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
        if (!finish(sink, failure)) {
            connection.abort();
        } else if (sink.closesConnection()) {
            lingerAfterAnswer();
        } else {
            connection.nonBlocking();
            server.giveBack(connection, false);
        }
    }

    /**
     * Makes sure the exchange has a whole answer.
     *
     * @return whether it has; false if the connection must be dropped (a broken or unfinished
     *     answer)
     */
    private boolean finish(JdkResponseSink sink, Throwable failure) throws IOException {
        if (failure != null) {
            LOG.log(Level.WARNING, "The proxy handler failed on " + head, failure);
        }
        switch (sink.answer().finish()) {
            case INTERNAL_ERROR:
                if (failure == null) {
                    LOG.log(Level.WARNING, "The proxy handler did not answer " + head);
                }
                EarlyAnswer error = AnswerState.internalError();
                connection.write(
                        JdkResponseSink.whole(
                                error.status(),
                                error.headers(),
                                error.body(),
                                sink.closesConnection(),
                                head.isHead()));
                return true;
            case NOTHING:
                return true;
            default: // a stream not ended, aborted or broken
                return false;
        }
    }

    /** After an answer that closes the connection: shuts the output and lingers. */
    private void lingerAfterAnswer() throws IOException {
        connection.shutdownOutput();
        connection.nonBlocking();
        server.giveBack(connection, true);
    }

    /** Answers a request whose body could not be read, and closes lingering. */
    private void refuse(int status) throws IOException {
        giveBackMemory();
        connection.write(
                Http1.whole(server.unreadable(status, Optional.of(head.path())), head.isHead()));
        lingerAfterAnswer();
    }

    /** A body read: its bytes (null when over the limit) and whether some is left unread. */
    private static final class Body {
        final byte[] bytes;
        final boolean unread;

        Body(byte[] bytes, boolean unread) {
            this.bytes = bytes;
            this.unread = unread;
        }
    }

    /** A body the server will not read further, and the status to answer. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String why) {
            super(why, null, false, false);
            this.status = status;
        }
    }

    /**
     * Reads the body within the body timeout.
     *
     * @return the body, or null if the client left before sending it whole
     */
    private Body readBody() throws IOException, Refused {
        long limit = server.options().maxRequestBodyBytes();
        long declared = head.contentLength();
        if (declared > limit) {
            return new Body(null, true); // answered without reading it
        }
        if (head.expectContinue() && declared != 0) {
            connection.write(Http1.CONTINUE);
        }
        long deadline = System.nanoTime() + server.options().bodyTimeout().toNanos();
        return declared >= 0 ? readFixed(declared, deadline) : readChunked(limit, deadline);
    }

    private Body readFixed(long length, long deadline) throws IOException {
        byte[] body = new byte[(int) Math.min(length, MAX_INITIAL_BODY)];
        int size = 0;
        InputBuffer input = connection.input();
        while (size < length) {
            if (input.available() == 0 && connection.fill(deadline, BODY_BUFFER) < 0) {
                return null;
            }
            int n = (int) Math.min(input.available(), length - size);
            if (size + n > body.length) {
                body =
                        Arrays.copyOf(
                                body, (int) Math.min(length, Math.max(size + n, body.length * 2L)));
            }
            System.arraycopy(input.data(), input.start(), body, size, n);
            input.skip(n);
            size += n;
        }
        return new Body(body, false);
    }

    private Body readChunked(long limit, long deadline) throws IOException, Refused {
        byte[] body = new byte[INITIAL_BODY];
        long size = 0;
        InputBuffer input = connection.input();
        while (true) {
            String line = readLine(deadline, MAX_CHUNK_LINE);
            if (line == null) {
                return null;
            }
            long chunk = chunkSize(line);
            if (chunk == 0) {
                break;
            }
            if (size + chunk > limit) {
                return new Body(null, true); // over the limit: the rest is never read
            }
            if (!server.bodyMemory().take(chunk)) {
                throw new Refused(503, "no body memory left for a chunk: 503");
            }
            memory += chunk;
            if (size + chunk > body.length) {
                body =
                        Arrays.copyOf(
                                body,
                                (int) Math.min(limit, Math.max(size + chunk, body.length * 2L)));
            }
            long left = chunk;
            while (left > 0) {
                if (input.available() == 0 && connection.fill(deadline, BODY_BUFFER) < 0) {
                    return null;
                }
                int n = (int) Math.min(input.available(), left);
                System.arraycopy(input.data(), input.start(), body, (int) size, n);
                input.skip(n);
                size += n;
                left -= n;
            }
            String end = readLine(deadline, 0);
            if (end == null) {
                return null;
            }
            if (!end.isEmpty()) {
                throw new Refused(400, "a chunk longer than its size");
            }
        }
        int trailers = 0;
        for (String line = readLine(deadline, MAX_CHUNK_LINE);
                line == null || !line.isEmpty();
                line = readLine(deadline, MAX_CHUNK_LINE)) {
            if (line == null) {
                return null;
            }
            trailers += line.length() + 2;
            if (trailers > MAX_TRAILERS || line.indexOf(':') <= 0) {
                throw new Refused(400, "malformed or too many trailers");
            }
        }
        return new Body(size == body.length ? body : Arrays.copyOf(body, (int) size), false);
    }

    /** A chunk-size line: hex digits, then maybe extensions, which are ignored. */
    private static long chunkSize(String line) throws Refused {
        int digits = 0;
        long size = 0;
        while (digits < line.length() && Character.digit(line.charAt(digits), 16) >= 0) {
            size = size * 16 + Character.digit(line.charAt(digits), 16);
            digits++;
        }
        if (digits == 0 || digits > 15) {
            throw new Refused(400, "a malformed chunk size");
        }
        String rest = line.substring(digits).stripLeading();
        if (!rest.isEmpty() && rest.charAt(0) != ';') {
            throw new Refused(400, "a malformed chunk size");
        }
        return size;
    }

    /**
     * Reads a line ended by CR LF (a bare CR or LF, or a control character, is refused).
     *
     * @return the line without its end, or null if the client left
     */
    private String readLine(long deadline, int max) throws IOException, Refused {
        InputBuffer input = connection.input();
        int scanned = 0;
        while (true) {
            byte[] data = input.data();
            int start = input.start();
            for (; scanned < input.available(); scanned++) {
                int c = data[start + scanned] & 0xFF;
                if (c == '\r') {
                    if (scanned + 1 == input.available()) {
                        break; // whether LF follows is not known yet
                    }
                    if (data[start + scanned + 1] != '\n') {
                        throw new Refused(400, "a bare CR in a chunked body");
                    }
                    String line = new String(data, start, scanned, StandardCharsets.ISO_8859_1);
                    input.skip(scanned + 2);
                    return line;
                }
                if ((c < 0x20 && c != '\t') || c == 0x7F) {
                    throw new Refused(400, "a control character in a chunked body's line");
                }
            }
            if (scanned > max) {
                throw new Refused(400, "a chunked body's line is too long");
            }
            if (connection.fill(deadline, BODY_BUFFER) < 0) {
                return null;
            }
        }
    }

    @Override
    public String toString() {
        return head.toString();
    }
}
