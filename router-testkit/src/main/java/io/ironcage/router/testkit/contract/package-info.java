/**
 * Contract test kits (Micrometer's compatibility-kit pattern): public abstract JUnit 5 classes that
 * every implementation of a port extends, supplying a factory, so the in-memory fakes, the
 * transports and any third-party adapter are held to the same behaviour. This package and {@code
 * …testkit.junit} are the only ones in the testkit that use JUnit.
 */
package io.ironcage.router.testkit.contract;
