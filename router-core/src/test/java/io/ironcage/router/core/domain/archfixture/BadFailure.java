package io.ironcage.router.core.domain.archfixture;

/** An exception outside the hierarchy with the wrong name, on purpose. */
public class BadFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
}
