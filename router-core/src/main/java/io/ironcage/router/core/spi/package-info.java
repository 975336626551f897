/**
 * The ports: what the core needs from the outside (transports, key sources, sinks) and what it
 * offers ({@link io.ironcage.router.core.spi.ProxyHandler}). Only JDK and core types appear here.
 */
package io.ironcage.router.core.spi;
