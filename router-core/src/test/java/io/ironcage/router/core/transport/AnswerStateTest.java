package io.ironcage.router.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.transport.AnswerState.Ending;
import io.ironcage.router.core.transport.AnswerState.State;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class AnswerStateTest {
    @Test
    void aWholeAnswerIsFinishedAndASecondAnswerIsRefused() {
        AnswerState answer = new AnswerState();
        assertEquals(State.NONE, answer.state());
        answer.begin(State.SENT);
        assertEquals(State.SENT, answer.state());
        assertThrows(IllegalStateException.class, () -> answer.begin(State.STREAMING));
        assertThrows(IllegalStateException.class, () -> answer.begin(State.SENT));
        assertFalse(answer.claim(), "the transport cannot claim an answer already sent");
        assertFalse(answer.markAborted(), "a whole answer is not a stream to abort");
        assertEquals(Ending.NOTHING, answer.finish());
        assertEquals(State.SENT, answer.state());
    }

    @Test
    void nothingAnsweredIsClaimedForTheInternalErrorAndALateAnswerIsRefused() {
        AnswerState answer = new AnswerState();
        assertEquals(Ending.INTERNAL_ERROR, answer.finish());
        assertEquals(State.SENT, answer.state());
        assertThrows(IllegalStateException.class, () -> answer.begin(State.SENT));
        assertEquals(Ending.NOTHING, answer.finish(), "the 500 is sent once");
    }

    @Test
    void theTransportClaimsOnlyAnAnswerNotStarted() {
        AnswerState answer = new AnswerState();
        assertTrue(answer.claim());
        assertEquals(State.SENT, answer.state());
        assertFalse(answer.claim());
        assertThrows(IllegalStateException.class, () -> answer.begin(State.STREAMING));
    }

    @Test
    void aClosedStreamIsWhole() {
        AnswerState answer = new AnswerState();
        answer.begin(State.STREAMING);
        assertTrue(answer.closeIfStreaming());
        assertEquals(State.CLOSED, answer.state());
        assertFalse(answer.closeIfStreaming(), "closing twice does nothing");
        assertFalse(answer.markAborted(), "a closed stream is not aborted");
        assertFalse(answer.brokenIfStreaming(), "a closed stream does not break");
        assertEquals(Ending.NOTHING, answer.finish());
        assertEquals(State.CLOSED, answer.state());
    }

    @Test
    void aStreamLeftUnfinishedIsAbortedWhenTheHandlerIsDone() {
        AnswerState answer = new AnswerState();
        answer.begin(State.STREAMING);
        assertEquals(Ending.ABORT, answer.finish());
        assertEquals(State.ABORTED, answer.state());
        assertFalse(answer.closeIfStreaming(), "an aborted stream cannot end normally");
    }

    @Test
    void anAbortedStreamStaysAborted() {
        AnswerState answer = new AnswerState();
        answer.begin(State.STREAMING);
        assertTrue(answer.markAborted());
        assertFalse(answer.markAborted(), "aborting twice does nothing");
        assertFalse(answer.closeIfStreaming());
        assertFalse(answer.brokenIfStreaming());
        assertEquals(State.ABORTED, answer.state());
        assertEquals(Ending.ABORT, answer.finish());
    }

    @Test
    void aBrokenStreamIsAbortedAtTheEnd() {
        AnswerState answer = new AnswerState();
        answer.begin(State.STREAMING);
        assertTrue(answer.brokenIfStreaming());
        assertEquals(State.BROKEN, answer.state());
        assertFalse(answer.markAborted());
        assertFalse(answer.closeIfStreaming(), "a broken stream cannot end normally");
        assertEquals(Ending.ABORT, answer.finish());
        assertEquals(State.BROKEN, answer.state());
    }

    @Test
    void aWholeAnswerNotDeliveredIsBroken() {
        AnswerState answer = new AnswerState();
        answer.begin(State.SENT);
        answer.broken();
        assertEquals(State.BROKEN, answer.state());
        assertEquals(Ending.ABORT, answer.finish());
    }

    @Test
    void anAnswerBeginsOnlySentOrStreaming() {
        AnswerState answer = new AnswerState();
        assertThrows(IllegalArgumentException.class, () -> answer.begin(State.CLOSED));
        assertEquals(State.NONE, answer.state());
    }

    @Test
    void theInternalErrorIsPlainTextNamingNoInternals() {
        EarlyAnswer error = AnswerState.internalError();
        assertEquals(500, error.status());
        assertEquals(
                "text/plain; charset=utf-8", error.headers().first("content-type").orElseThrow());
        assertEquals("Internal error", new String(error.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aHandlerThatThrowsOrReturnsNoStageFailsItsStage() throws Exception {
        ProxyRequest request =
                new ProxyRequest("GET", "/", "", HeaderMap.empty(), new byte[0], false);
        IllegalStateException boom = new IllegalStateException("boom");
        ProxyHandler throwing =
                (r, s, w) -> {
                    throw boom;
                };
        ExecutionException thrown =
                assertThrows(
                        ExecutionException.class,
                        () ->
                                AnswerState.handle(throwing, request, null, Runnable::run)
                                        .toCompletableFuture()
                                        .get());
        assertSame(boom, thrown.getCause());
        ProxyHandler none = (r, s, w) -> null;
        assertThrows(
                ExecutionException.class,
                () ->
                        AnswerState.handle(none, request, null, Runnable::run)
                                .toCompletableFuture()
                                .get());
        ProxyHandler fine = (r, s, w) -> CompletableFuture.completedFuture(null);
        AnswerState.handle(fine, request, null, Runnable::run).toCompletableFuture().get();
        assertSame(boom, AnswerState.unwrapped(new CompletionException(boom)));
    }
}
