package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.errors.ControlPlaneException;

/**
 * What the services make of a control-plane failure: whether to retry it, and how to hand it on.
 */
final class ControlPlaneFailures {
    private ControlPlaneFailures() {}

    /**
     * A copy of an exception for another thread (the single-flight waiters): same status, message
     * and code; the original is the cause of a no-answer copy.
     */
    static ControlPlaneException copy(ControlPlaneException e) {
        if (e.isNoResponse()) {
            return new ControlPlaneException(e.serverMessage(), e);
        }
        return e.code().isPresent()
                ? new ControlPlaneException(e.status(), e.serverMessage(), e.code().get())
                : new ControlPlaneException(e.status(), e.serverMessage());
    }

    /** Whether sending again later may help: no answer, a 5xx, 408 or 429. */
    static boolean isTransient(ControlPlaneException e) {
        int s = e.status();
        return e.isNoResponse() || s >= 500 || s == 408 || s == 429;
    }
}
