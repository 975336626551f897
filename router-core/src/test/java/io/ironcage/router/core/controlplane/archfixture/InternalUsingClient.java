package io.ironcage.router.core.controlplane.archfixture;

import io.ironcage.router.core.internal.ErrorResponse;

/** Breaks C12: a control-plane class reaching into core internals. */
public final class InternalUsingClient {
    private InternalUsingClient() {}

    /** Uses an internal type. */
    public static int status(ErrorResponse response) {
        return response.status();
    }
}
