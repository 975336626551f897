package io.ironcage.router.core.archfixture.cycleb;

import io.ironcage.router.core.archfixture.cyclea.A;

/** The other half of a package cycle, on purpose. */
public class B {
    A a;
}
