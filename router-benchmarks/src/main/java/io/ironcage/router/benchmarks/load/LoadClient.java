package io.ironcage.router.benchmarks.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A closed-loop (or fixed-rate) HTTP/1.1 load generator on plain blocking sockets: one thread and
 * one kept-alive connection per unit of concurrency, each sending the same POST again as soon as
 * the previous answer is read to its end. It parses just enough HTTP (status line, {@code
 * Content-Length}, chunked bodies) to know where an answer ends, so its own cost per request is a
 * write and a few reads; the harness shows it is not the bottleneck by running the upstream
 * directly in the same run (direct is always the fastest target).
 *
 * <p>Per request it records the latency (request written → last byte read), the time to first byte
 * of the body (for SSE: the first event) and, for chunked answers, the longest wait between two
 * chunks (a stalled stream shows there). Only requests started inside the measurement window count.
 */
final class LoadClient {
    private LoadClient() {}

    /** Where to send: loopback port, path and extra header lines. */
    record Target(String name, int port, String path, String headerLines) {}

    /**
     * What one measurement window saw.
     *
     * @param completed answers read to the end (any status) started in the window
     * @param failed answers with a non-2xx status plus I/O failures, of those started in the window
     * @param seconds the window's length
     * @param latencies sorted latencies of 2xx answers, ns
     * @param firstBytes sorted times to the first body byte of 2xx answers, ns
     * @param maxGaps sorted per-answer longest gap between chunks, ns (0 for unchunked answers)
     */
    record Result(
            long completed,
            long failed,
            double seconds,
            long[] latencies,
            long[] firstBytes,
            long[] maxGaps) {
        double throughput() {
            return completed / seconds;
        }

        long percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return -1;
            }
            int rank = (int) Math.ceil(p / 100.0 * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }
    }

    /** Hooks run by the coordinating thread when the measurement window opens and closes. */
    interface Window {
        void opened();

        void closed();
    }

    /**
     * Drives a target.
     *
     * @param target where to send
     * @param body the request body
     * @param concurrency connections (and threads)
     * @param warmup load before the window, not counted
     * @param duration the measurement window
     * @param rate requests per second over all connections, or 0 for closed loop
     * @param window hooks at the window's edges (e.g. read the router's CPU time)
     * @return what the window saw
     * @throws InterruptedException if interrupted
     */
    static Result run(
            Target target,
            byte[] body,
            int concurrency,
            Duration warmup,
            Duration duration,
            double rate,
            Window window)
            throws InterruptedException {
        byte[] request = request(target, body);
        long start = System.nanoTime() + 50_000_000L; // let every thread connect first
        long windowStart = start + warmup.toNanos();
        long windowEnd = windowStart + duration.toNanos();
        AtomicBoolean stop = new AtomicBoolean();
        List<Worker> workers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Worker w =
                    new Worker(
                            target,
                            request,
                            start,
                            windowStart,
                            windowEnd,
                            rate > 0 ? (long) (1e9 * concurrency / rate) : 0,
                            rate > 0 ? (long) (1e9 * i / rate) : 0,
                            stop,
                            done);
            workers.add(w);
            Thread t = new Thread(w, "load-" + target.name() + "-" + i);
            t.setDaemon(true);
            t.start();
        }
        sleepUntil(windowStart);
        window.opened();
        sleepUntil(windowEnd);
        window.closed();
        stop.set(true);
        if (!done.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException(
                    target.name() + ": load threads did not finish within 60 s after the window");
        }
        long completed = 0;
        long failed = 0;
        LongList latencies = new LongList();
        LongList firstBytes = new LongList();
        LongList gaps = new LongList();
        for (Worker w : workers) {
            completed += w.completed;
            failed += w.failed;
            latencies.addAll(w.latencies);
            firstBytes.addAll(w.firstBytes);
            gaps.addAll(w.gaps);
        }
        return new Result(
                completed,
                failed,
                duration.toNanos() / 1e9,
                latencies.sorted(),
                firstBytes.sorted(),
                gaps.sorted());
    }

    private static byte[] request(Target target, byte[] body) {
        String head =
                "POST "
                        + target.path()
                        + " HTTP/1.1\r\nHost: 127.0.0.1:"
                        + target.port()
                        + "\r\n"
                        + target.headerLines()
                        + "Content-Type: application/json\r\nContent-Length: "
                        + body.length
                        + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private static void sleepUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private static final class Worker implements Runnable {
        private final Target target;
        private final byte[] request;
        private final long start;
        private final long windowStart;
        private final long windowEnd;
        private final long interval;
        private final long offset;
        private final AtomicBoolean stop;
        private final CountDownLatch done;
        final LongList latencies = new LongList();
        final LongList firstBytes = new LongList();
        final LongList gaps = new LongList();
        long completed;
        long failed;
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private long firstByteAt;
        private long maxGap;

        Worker(
                Target target,
                byte[] request,
                long start,
                long windowStart,
                long windowEnd,
                long interval,
                long offset,
                AtomicBoolean stop,
                CountDownLatch done) {
            this.target = target;
            this.request = request;
            this.start = start;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
            this.interval = interval;
            this.offset = offset;
            this.stop = stop;
            this.done = done;
        }

        @Override
        public void run() {
            try {
                long n = 0;
                sleepUntil(start);
                while (!stop.get()) {
                    long scheduled = start + offset + n * interval;
                    if (interval > 0) {
                        sleepUntil(scheduled);
                        n++;
                    }
                    long sent = System.nanoTime();
                    if (sent >= windowEnd) {
                        break;
                    }
                    // fixed rate: latency counts from when the request was due (no coordinated
                    // omission); closed loop: from when it was sent
                    long from = interval > 0 ? scheduled : sent;
                    boolean counted = from >= windowStart;
                    int status;
                    try {
                        status = exchange();
                    } catch (IOException e) {
                        closeQuietly();
                        if (counted) {
                            failed++;
                            completed++;
                        }
                        continue;
                    }
                    long end = System.nanoTime();
                    if (counted) {
                        completed++;
                        if (status / 100 == 2) {
                            latencies.add(end - from);
                            firstBytes.add(firstByteAt - from);
                            gaps.add(maxGap);
                        } else {
                            failed++;
                        }
                    }
                }
            } finally {
                closeQuietly();
                done.countDown();
            }
        }

        private int exchange() throws IOException {
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress("127.0.0.1", target.port()), 5_000);
                socket.setSoTimeout(60_000);
                in = new BufferedInputStream(socket.getInputStream(), 65_536);
                out = socket.getOutputStream();
            }
            out.write(request);
            out.flush();
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                String name = h.substring(0, colon).trim();
                String value = h.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                } else if (name.equalsIgnoreCase("connection")) {
                    close = value.equalsIgnoreCase("close");
                }
            }
            maxGap = 0;
            if (chunked) {
                long last = 0;
                while (true) {
                    String sizeLine = line();
                    int semi = sizeLine.indexOf(';');
                    int size =
                            Integer.parseInt(
                                    semi < 0 ? sizeLine.trim() : sizeLine.substring(0, semi), 16);
                    long now = System.nanoTime();
                    if (last == 0) {
                        firstByteAt = now;
                    } else {
                        maxGap = Math.max(maxGap, now - last);
                    }
                    last = now;
                    if (size == 0) {
                        while (!line().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    skip(size);
                    line();
                }
            } else if (length >= 0) {
                firstByteAt = System.nanoTime();
                skip(length);
            } else {
                firstByteAt = System.nanoTime();
                while (in.read() >= 0) {
                    // body until the server closes
                }
                close = true;
            }
            if (close) {
                closeQuietly();
            }
            return status;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed mid-answer");
                }
                if (b == '\n') {
                    int len = sb.length();
                    if (len > 0 && sb.charAt(len - 1) == '\r') {
                        sb.setLength(len - 1);
                    }
                    return sb.toString();
                }
                sb.append((char) b);
            }
        }

        private void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("connection closed mid-body");
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }

        private void closeQuietly() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }
    }

    /** A growable array of longs (no boxing in the hot loop). */
    static final class LongList {
        private long[] values = new long[1024];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        void addAll(LongList other) {
            for (int i = 0; i < other.size; i++) {
                add(other.values[i]);
            }
        }

        long[] sorted() {
            long[] copy = Arrays.copyOf(values, size);
            Arrays.sort(copy);
            return copy;
        }
    }
}
