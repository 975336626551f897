package io.ironcage.router.transport.jdkhttp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * What a connection has read and not yet used: {@code data[start, end)}. The selector thread fills
 * it with a head, the worker that takes the request reads the body from it and then from the
 * socket, and what is left (a pipelined request) goes back to the selector thread with the
 * connection. Whoever holds the connection holds the buffer. The array is dropped while the
 * connection is idle, so idle keep-alive connections hold none.
 */
final class InputBuffer {
    /** The first array's size: most heads fit. */
    static final int INITIAL = 4 * 1024;

    private byte[] data;
    private int start;
    private int end;

    /** Bytes read and not used. */
    int available() {
        return end - start;
    }

    /** The array; valid from {@link #start()} for {@link #available()} bytes. */
    byte[] data() {
        return data;
    }

    int start() {
        return start;
    }

    /** Marks bytes as used. */
    void skip(int count) {
        start += count;
        if (start == end) {
            start = 0;
            end = 0;
        }
    }

    /**
     * Makes room for at least one more byte: moves what is unused to the front, or doubles the
     * array up to {@code max}.
     *
     * @param max the largest array
     * @return whether there is room; false if {@code max} bytes are unused
     */
    boolean makeRoom(int max) {
        if (data == null) {
            data = new byte[Math.min(INITIAL, max)];
        }
        if (end < data.length) {
            return true;
        }
        if (start > 0) {
            System.arraycopy(data, start, data, 0, end - start);
            end -= start;
            start = 0;
            return true;
        }
        if (data.length >= max) {
            return false;
        }
        data = Arrays.copyOf(data, (int) Math.min(max, data.length * 2L));
        return true;
    }

    /**
     * Reads what the channel has (non-blocking) into the room made by {@link #makeRoom}.
     *
     * @return the bytes read, 0 if none, -1 at the end of the stream
     */
    int readFrom(ReadableByteChannel channel) throws IOException {
        int n = channel.read(ByteBuffer.wrap(data, end, data.length - end));
        if (n > 0) {
            end += n;
        }
        return n;
    }

    /**
     * Reads from a blocking stream into the room made by {@link #makeRoom}.
     *
     * @return the bytes read, or -1 at the end of the stream
     */
    int readFrom(InputStream in) throws IOException {
        int n = in.read(data, end, data.length - end);
        if (n > 0) {
            end += n;
        }
        return n;
    }

    /** Drops the array when nothing is unused, or shrinks a large one; for an idle connection. */
    void trim() {
        if (available() == 0) {
            data = null;
            start = 0;
            end = 0;
        } else if (data.length > INITIAL * 4 && available() <= INITIAL) {
            int unused = available();
            data = Arrays.copyOfRange(data, start, start + INITIAL);
            start = 0;
            end = unused;
        }
    }
}
