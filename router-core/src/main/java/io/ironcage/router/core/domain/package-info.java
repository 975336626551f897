/**
 * The pure domain: money, providers and keys. JDK only: no Jackson, no I/O, no clock reads (the
 * ArchUnit rules in {@code ArchitectureTest} enforce it).
 */
package io.ironcage.router.core.domain;
