package io.ironcage.router.core.archfixture.cyclea;

import io.ironcage.router.core.archfixture.cycleb.B;

/** Half of a package cycle, on purpose. */
public class A {
    B b;
}
