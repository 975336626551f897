/**
 * Contract kits: abstract JUnit 5 test classes that every implementation of a port extends,
 * supplying a factory. A transport that passes them behaves as the core expects.
 */
package io.ironcage.router.testkit.contract;
