/**
 * The ports: what the router core needs from the outside world (transports, key sources, usage
 * sinks, the budget lease client) and what it offers ({@link
 * io.ironcage.router.core.spi.ProxyHandler}), as interfaces that mention only JDK and core types
 * (ARCHITECTURE.md "Ports"). Adapters implement them; {@code router-testkit} has in-memory
 * implementations and contract test kits for them. Tiny default implementations sit behind static
 * factories ({@link io.ironcage.router.core.spi.UsageEventSink#noop()}).
 */
package io.ironcage.router.core.spi;
