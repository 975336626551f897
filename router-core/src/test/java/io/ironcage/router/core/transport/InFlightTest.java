package io.ironcage.router.core.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InFlightTest {
    @Test
    void awaitIdleReturnsWhenTheLastRequestLeavesOrGivesUpAfterTheGrace() throws Exception {
        InFlight inFlight = new InFlight();
        assertTrue(inFlight.awaitIdle(Duration.ZERO), "nothing in flight");
        inFlight.enter();
        inFlight.enter();
        assertFalse(inFlight.awaitIdle(Duration.ofMillis(50)), "gives up after the grace");
        CompletableFuture<Boolean> waiting =
                CompletableFuture.supplyAsync(() -> inFlight.awaitIdle(Duration.ofSeconds(30)));
        inFlight.leave();
        assertFalse(waiting.isDone() && waiting.get(), "one request is still in flight");
        inFlight.leave();
        assertTrue(waiting.get(), "woken when the last one leaves");
    }

    @Test
    void afterCloseNoRequestEntersAndTheOnesInFlightAreStillWaitedFor() throws Exception {
        InFlight inFlight = new InFlight();
        assertTrue(inFlight.tryEnter(), "counted while open");
        inFlight.close();
        assertFalse(inFlight.tryEnter(), "refused once closed");
        assertFalse(inFlight.awaitIdle(Duration.ZERO), "the one counted before the close");
        inFlight.leave();
        assertTrue(inFlight.awaitIdle(Duration.ZERO), "the refused one was never counted");
    }
}
