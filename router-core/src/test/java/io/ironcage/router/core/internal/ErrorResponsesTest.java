package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.errors.ControlPlaneException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ErrorResponsesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final BudgetDecision.Exceeded EXCEEDED =
            new BudgetDecision.Exceeded(
                    Money.ofMicros(10_000_000),
                    Money.ofMicros(1_234_567),
                    Money.ofMicros(10_000_000));
    private static final BudgetDecision.Insufficient INSUFFICIENT =
            new BudgetDecision.Insufficient(Money.ofMicros(10_000), Money.ofMicros(256_000));

    /** One entry per factory: a name, the expected status and the call. */
    private record Case(String name, int status, Function<ProviderType, ErrorResponse> call) {}

    private static final List<Case> CASES =
            List.of(
                    new Case("unauthorized", 401, ErrorResponses::unauthorized),
                    new Case("invalidJson", 400, ErrorResponses::invalidJson),
                    new Case(
                            "badRequest",
                            400,
                            f -> ErrorResponses.badRequest(f, "The field 'n' must be 1.", "n")),
                    new Case("missingModel", 400, ErrorResponses::missingModel),
                    new Case("payloadTooLarge", 413, f -> ErrorResponses.payloadTooLarge(f, 10)),
                    new Case(
                            "noKeyForProvider",
                            400,
                            f ->
                                    ErrorResponses.noKeyForProvider(
                                            f, new NoKeyForProvider(ProviderType.ANTHROPIC))),
                    new Case("unpricedModel", 400, f -> ErrorResponses.unpricedModel(f, "m-1")),
                    new Case("budgetExceeded", 402, f -> ErrorResponses.budget(f, EXCEEDED)),
                    new Case(
                            "budgetInsufficient", 402, f -> ErrorResponses.budget(f, INSUFFICIENT)),
                    new Case(
                            "upstreamUnreachable",
                            502,
                            f -> ErrorResponses.upstreamUnreachable(f, "api.openai.com")),
                    new Case(
                            "upstreamTimeout",
                            504,
                            f -> ErrorResponses.upstreamTimeout(f, "api.openai.com")),
                    new Case(
                            "upstreamAuthFailed",
                            502,
                            f -> ErrorResponses.upstreamAuthFailed(f, 401)),
                    new Case(
                            "controlPlaneUnreachable",
                            503,
                            f ->
                                    ErrorResponses.controlPlane(
                                            f,
                                            new ControlPlaneException(
                                                    "connection refused",
                                                    new ConnectException("refused")))),
                    new Case(
                            "controlPlaneRefused",
                            403,
                            f ->
                                    ErrorResponses.controlPlane(
                                            f,
                                            new ControlPlaneException(
                                                    403,
                                                    "Agent has no provider assigned",
                                                    "NO_PROVIDER_ASSIGNED"))),
                    new Case("internal", 500, ErrorResponses::internal));

    private static JsonNode json(ErrorResponse response) {
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.bodyText(), e);
        }
    }

    @ParameterizedTest
    @EnumSource(ProviderType.class)
    void everyFactoryRendersJsonInTheCallersShape(ProviderType format) {
        for (Case c : CASES) {
            ErrorResponse response = c.call().apply(format);
            String what = c.name() + " in " + format;
            assertEquals(c.status(), response.status(), what);
            assertEquals(List.of("application/json"), response.headers().all("content-type"), what);
            JsonNode body = json(response);
            JsonNode error = body.get("error");
            assertTrue(error != null && error.isObject(), what);
            assertTrue(error.get("message").isTextual(), what);
            String message = error.get("message").textValue();
            assertTrue(message.endsWith("."), what + ": a sentence: " + message);
            assertTrue(error.get("type").isTextual(), what);
            if (format == ProviderType.OPENAI) {
                assertEquals(List.of("error"), fieldNames(body), what);
                assertEquals(List.of("message", "type", "param", "code"), fieldNames(error), what);
                assertTrue(error.get("param").isNull() || error.get("param").isTextual(), what);
                assertTrue(error.get("code").isNull() || error.get("code").isTextual(), what);
            } else {
                assertEquals(List.of("type", "error"), fieldNames(body), what);
                assertEquals("error", body.get("type").textValue(), what);
                boolean budget = c.status() == 402;
                assertEquals(
                        budget ? List.of("type", "code", "message") : List.of("type", "message"),
                        fieldNames(error),
                        what);
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode openAiError(ErrorResponse response) {
        return json(response).get("error");
    }

    private static JsonNode anthropicError(ErrorResponse response) {
        return json(response).get("error");
    }

    @Test
    void unauthorizedNamesBothAcceptedHeadersAndUsesTheSdkTypes() {
        JsonNode openAi = openAiError(ErrorResponses.unauthorized(ProviderType.OPENAI));
        assertEquals("invalid_request_error", openAi.get("type").textValue());
        assertEquals("invalid_api_key", openAi.get("code").textValue());
        String message = openAi.get("message").textValue();
        assertTrue(message.startsWith("Invalid API key."), message);
        assertTrue(message.contains("Authorization: Bearer <token>"), message);
        assertTrue(message.contains("x-api-key"), message);
        JsonNode anthropic = anthropicError(ErrorResponses.unauthorized(ProviderType.ANTHROPIC));
        assertEquals("authentication_error", anthropic.get("type").textValue());
        assertEquals(message, anthropic.get("message").textValue());
    }

    @Test
    void budgetBodiesCarryTheReferenceTypeCodeAndMessageExactly() {
        for (BudgetDecision.Refusal refusal :
                List.<BudgetDecision.Refusal>of(EXCEEDED, INSUFFICIENT)) {
            JsonNode openAi = openAiError(ErrorResponses.budget(ProviderType.OPENAI, refusal));
            assertEquals(refusal.type(), openAi.get("type").textValue());
            assertEquals(refusal.code(), openAi.get("code").textValue());
            assertEquals(refusal.message(), openAi.get("message").textValue());
            assertTrue(openAi.get("param").isNull());
            JsonNode anthropic =
                    anthropicError(ErrorResponses.budget(ProviderType.ANTHROPIC, refusal));
            assertEquals(refusal.type(), anthropic.get("type").textValue());
            assertEquals(refusal.code(), anthropic.get("code").textValue());
            assertEquals(refusal.message(), anthropic.get("message").textValue());
        }
        assertEquals(
                "iron_cage_budget_exceeded",
                openAiError(ErrorResponses.budget(ProviderType.OPENAI, EXCEEDED))
                        .get("type")
                        .textValue());
        assertEquals(
                "insufficient_budget",
                openAiError(ErrorResponses.budget(ProviderType.OPENAI, INSUFFICIENT))
                        .get("code")
                        .textValue());
    }

    @Test
    void anthropicTypesFollowTheStatus() {
        assertEquals(
                "request_too_large",
                anthropicError(ErrorResponses.payloadTooLarge(ProviderType.ANTHROPIC, 1))
                        .get("type")
                        .textValue());
        assertEquals(
                "invalid_request_error",
                anthropicError(ErrorResponses.invalidJson(ProviderType.ANTHROPIC))
                        .get("type")
                        .textValue());
        assertEquals(
                "timeout_error",
                anthropicError(ErrorResponses.upstreamTimeout(ProviderType.ANTHROPIC, "h"))
                        .get("type")
                        .textValue());
        assertEquals(
                "api_error",
                anthropicError(ErrorResponses.upstreamUnreachable(ProviderType.ANTHROPIC, "h"))
                        .get("type")
                        .textValue());
        assertEquals(
                "api_error",
                anthropicError(ErrorResponses.internal(ProviderType.ANTHROPIC))
                        .get("type")
                        .textValue());
    }

    @Test
    void badRequestCarriesMessageAndParam() {
        JsonNode error =
                openAiError(
                        ErrorResponses.badRequest(
                                ProviderType.OPENAI, "The field 'n' must be 1.", "n"));
        assertEquals("The field 'n' must be 1.", error.get("message").textValue());
        assertEquals("n", error.get("param").textValue());
        assertTrue(error.get("code").isNull());
        JsonNode noParam =
                openAiError(ErrorResponses.badRequest(ProviderType.OPENAI, "Bad \"quote\".", null));
        assertTrue(noParam.get("param").isNull());
        assertEquals("Bad \"quote\".", noParam.get("message").textValue());
    }

    @Test
    void missingModelAndUnpricedModelPointAtModel() {
        assertEquals(
                "model",
                openAiError(ErrorResponses.missingModel(ProviderType.OPENAI))
                        .get("param")
                        .textValue());
        JsonNode unpriced =
                openAiError(ErrorResponses.unpricedModel(ProviderType.OPENAI, "my-model"));
        assertEquals("model", unpriced.get("param").textValue());
        assertEquals("unpriced_model", unpriced.get("code").textValue());
        String message = unpriced.get("message").textValue();
        assertTrue(message.contains("'my-model'"), message);
        assertTrue(message.contains("pricing.overrides"), message);
        assertTrue(message.contains("router.yaml"), message);
        assertTrue(message.contains("input-usd-per-mtok: 1.0, output-usd-per-mtok: 2.0"), message);
    }

    @Test
    void longModelNamesAreShortened() {
        String model = "m".repeat(10_000);
        String message =
                openAiError(ErrorResponses.unpricedModel(ProviderType.OPENAI, model))
                        .get("message")
                        .textValue();
        assertFalse(message.contains("m".repeat(ErrorResponses.MAX_ECHOED_CHARS + 1)));
        assertTrue(message.contains("m".repeat(ErrorResponses.MAX_ECHOED_CHARS) + "…"));
    }

    @Test
    void payloadTooLargeNamesTheLimit() {
        String message =
                openAiError(ErrorResponses.payloadTooLarge(ProviderType.OPENAI, 10_485_760))
                        .get("message")
                        .textValue();
        assertTrue(message.contains("10485760 bytes"), message);
    }

    @Test
    void noKeyForProviderUsesTheRoutingMessage() {
        NoKeyForProvider decision = new NoKeyForProvider(ProviderType.ANTHROPIC);
        JsonNode error =
                openAiError(ErrorResponses.noKeyForProvider(ProviderType.OPENAI, decision));
        assertEquals(decision.message(), error.get("message").textValue());
        assertEquals("no_provider_key", error.get("code").textValue());
    }

    @Test
    void upstreamErrorsNameTheHost() {
        assertTrue(
                openAiError(
                                ErrorResponses.upstreamUnreachable(
                                        ProviderType.OPENAI, "api.openai.com"))
                        .get("message")
                        .textValue()
                        .contains("api.openai.com"));
        JsonNode timeout =
                openAiError(ErrorResponses.upstreamTimeout(ProviderType.OPENAI, "h.example"));
        assertTrue(timeout.get("message").textValue().contains("h.example"));
        assertEquals("upstream_timeout", timeout.get("code").textValue());
        assertEquals("server_error", timeout.get("type").textValue());
    }

    @Test
    void upstreamAuthFailureIsA502ThatNamesTheProviderStatus() {
        for (int status : new int[] {401, 403}) {
            ErrorResponse response = ErrorResponses.upstreamAuthFailed(ProviderType.OPENAI, status);
            assertEquals(502, response.status());
            JsonNode error = openAiError(response);
            assertEquals("provider_authentication_failed", error.get("code").textValue());
            String message = error.get("message").textValue();
            assertTrue(message.startsWith("Provider authentication failed"), message);
            assertTrue(message.contains(String.valueOf(status)), message);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> ErrorResponses.upstreamAuthFailed(ProviderType.OPENAI, 500));
    }

    @Test
    void controlPlaneStatusesAreExplained() {
        ControlPlaneException unreachable =
                new ControlPlaneException("connection refused", new ConnectException("x"));
        ErrorResponse down = ErrorResponses.controlPlane(ProviderType.OPENAI, unreachable);
        assertEquals(503, down.status());
        JsonNode error = openAiError(down);
        assertEquals(ErrorResponses.CONTROL_PLANE_TYPE, error.get("type").textValue());
        assertEquals("control_plane_unreachable", error.get("code").textValue());
        String message = error.get("message").textValue();
        assertTrue(message.contains("control server could not be reached"), message);
        assertTrue(message.contains("fails closed"), message);

        assertControlPlane(401, 401, "authentication_error", "control_plane_refused");
        assertControlPlane(402, 402, "billing_error", "control_plane_refused");
        assertControlPlane(403, 403, "permission_error", "control_plane_refused");
        assertControlPlane(429, 429, "rate_limit_error", "control_plane_refused");
        assertControlPlane(404, 502, "api_error", "control_plane_refused");
        assertControlPlane(400, 502, "api_error", "control_plane_refused");
        assertControlPlane(500, 502, "api_error", "control_plane_error");
        assertControlPlane(503, 502, "api_error", "control_plane_error");
    }

    private static void assertControlPlane(
            int serverStatus, int status, String anthropicType, String openAiCode) {
        ControlPlaneException refusal =
                new ControlPlaneException(serverStatus, "Budget limit exceeded", "SOME_CODE");
        ErrorResponse openAi = ErrorResponses.controlPlane(ProviderType.OPENAI, refusal);
        assertEquals(status, openAi.status(), "server " + serverStatus);
        JsonNode error = openAiError(openAi);
        assertEquals(openAiCode, error.get("code").textValue());
        String message = error.get("message").textValue();
        assertTrue(message.contains("Iron Cage control server"), message);
        assertTrue(message.contains("Budget limit exceeded"), message);
        assertTrue(message.contains(String.valueOf(serverStatus)), message);
        ErrorResponse anthropic = ErrorResponses.controlPlane(ProviderType.ANTHROPIC, refusal);
        assertEquals(status, anthropic.status());
        assertEquals(anthropicType, anthropicError(anthropic).get("type").textValue());
        assertEquals(message, anthropicError(anthropic).get("message").textValue());
    }

    @Test
    void internalSaysNothingAboutTheCause() {
        JsonNode error = openAiError(ErrorResponses.internal(ProviderType.OPENAI));
        assertEquals("internal_error", error.get("code").textValue());
        assertFalse(error.get("message").textValue().contains("Exception"));
    }

    @Test
    void errorResponseCopiesItsBodyAndComparesContent() {
        byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ErrorResponse a =
                new ErrorResponse(
                        400, ErrorResponses.invalidJson(ProviderType.OPENAI).headers(), body);
        body[0] = 'x';
        assertEquals("{}", a.bodyText());
        a.body()[0] = 'y';
        assertEquals("{}", a.bodyText());
        ErrorResponse b =
                new ErrorResponse(
                        400, a.headers(), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new ErrorResponse(401, a.headers(), b.body()));
        assertTrue(a.toString().contains("400"));
        assertThrows(
                IllegalArgumentException.class, () -> new ErrorResponse(200, a.headers(), body));
    }

    @Test
    void repeatedCallsGiveEqualResponses() {
        assertEquals(
                ErrorResponses.unauthorized(ProviderType.OPENAI),
                ErrorResponses.unauthorized(ProviderType.OPENAI));
    }
}
