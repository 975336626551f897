package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.testkit.junit.StartStop;
import java.net.ConnectException;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StartStopTest {
    @StartStop static final FakeProvider SHARED = FakeProvider.anthropic();
    @StartStop final FakeProvider perTest = FakeProvider.openAi();

    private static URI firstPerTestUri;

    @Test
    @Order(1)
    void fieldsAreStartedBeforeTheTest() {
        assertEquals(200, Http.get(perTest.baseUri(), "/v1/models").statusCode());
        assertEquals(200, Http.get(SHARED.baseUri(), "/v1/models").statusCode());
        firstPerTestUri = perTest.baseUri();
    }

    @Test
    @Order(2)
    void instanceFieldsAreClosedAfterEachTestAndStaticOnesShared() {
        assertNotEquals(firstPerTestUri, perTest.baseUri(), "a new fake per test");
        Throwable refused =
                assertThrows(
                        java.io.UncheckedIOException.class,
                        () -> Http.get(firstPerTestUri, "/v1/models"));
        assertEquals(
                ConnectException.class, refused.getCause().getClass(), "the old port is closed");
        assertEquals(1, SHARED.requestCount(), "the static fake lives across tests");
    }

    @AfterAll
    static void sharedFakeIsStillOpenUntilAfterAll() {
        assertEquals(200, Http.get(SHARED.baseUri(), "/v1/models").statusCode());
    }
}
