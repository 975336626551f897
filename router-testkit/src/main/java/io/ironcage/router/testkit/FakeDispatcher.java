package io.ironcage.router.testkit;

/** Decides a {@link FakeProvider}'s answer to each request that has no enqueued response. */
@FunctionalInterface
public interface FakeDispatcher {
    /**
     * Returns the answer to a request.
     *
     * @param request the request as received
     * @return the response to render in the provider's format
     */
    FakeResponse dispatch(RecordedRequest request);
}
