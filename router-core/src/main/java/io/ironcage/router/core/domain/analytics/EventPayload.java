package io.ironcage.router.core.domain.analytics;

/**
 * What an {@link AnalyticsEvent} says happened (reference §8.1): a finished or failed LLM request,
 * a budget threshold, or the router starting or stopping. Closed: a store or a sync loop can handle
 * every case with {@code instanceof}.
 */
public sealed interface EventPayload
        permits LlmRequestCompleted,
                LlmRequestFailed,
                BudgetThresholdReached,
                RouterStarted,
                RouterStopped {

    /**
     * Returns the event type as the control server's analytics API names it (reference §8.6):
     * {@code llm_request_completed}, {@code llm_request_failed}, {@code budget_threshold_reached},
     * {@code router_started} or {@code router_stopped}. The server accepts only the first two.
     *
     * @return the snake-case event type
     */
    String eventType();
}
