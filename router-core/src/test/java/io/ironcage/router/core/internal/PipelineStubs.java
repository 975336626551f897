package io.ironcage.router.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.UsageEventSink;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Answers every call with the next scripted answer, recording the URIs it was sent to. */
final class StubUpstream implements HttpTransport {
    private final List<URI> sent = new CopyOnWriteArrayList<>();
    private final List<Response> script = new ArrayList<>();

    synchronized void answer(int status, String body) {
        script.add(
                new Response(
                        status,
                        HeaderMap.of("content-type", "application/json"),
                        body.getBytes(StandardCharsets.UTF_8)));
    }

    List<String> uris() {
        List<String> out = new ArrayList<>();
        sent.forEach(u -> out.add(u.toString()));
        return out;
    }

    @Override
    public synchronized Response send(Request request) {
        sent.add(request.uri());
        return script.remove(0);
    }

    @Override
    public StreamingResponse open(Request request) {
        throw new UnsupportedOperationException("no streams here");
    }

    @Override
    public void close() {}
}

/** What the pipeline answered a whole request. */
final class Answer implements ResponseSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    int status;
    HeaderMap headers = HeaderMap.empty();
    byte[] body = new byte[0];

    @Override
    public void send(int status, HeaderMap headers, byte[] body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    @Override
    public ResponseStream stream(int status, HeaderMap headers) {
        throw new UnsupportedOperationException("no streams here");
    }

    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text(), e);
        }
    }
}

/** Keeps every event in a list. */
final class ListSink implements UsageEventSink {
    private final List<AnalyticsEvent> events;

    ListSink(List<AnalyticsEvent> events) {
        this.events = events;
    }

    @Override
    public void record(AnalyticsEvent event) {
        events.add(event);
    }

    @Override
    public long droppedCount() {
        return 0;
    }

    @Override
    public void close() {}
}
