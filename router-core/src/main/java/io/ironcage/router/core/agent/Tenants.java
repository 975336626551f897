package io.ironcage.router.core.agent;

import io.ironcage.router.core.spi.HeaderMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The tenants of a router by caller token (ARCHITECTURE.md step 1): {@code Authorization: Bearer
 * <token>} or {@code x-api-key: <token>}. Every token is compared in constant time in its content
 * and every registered token is compared (no early exit), so timing tells nothing about which
 * token, or which prefix, matched. Tokens can be added and removed while requests run (copy on
 * write). Never shows a token.
 */
public final class Tenants {
    private record Entry(byte[] bearer, byte[] plain, Tenant tenant) {}

    private volatile List<Entry> entries = List.of();

    /**
     * Returns a registry with one tenant.
     *
     * @param token the token its callers present
     * @param tenant the tenant
     * @return the registry
     */
    public static Tenants single(String token, Tenant tenant) {
        Tenants tenants = new Tenants();
        tenants.add(token, tenant);
        return tenants;
    }

    /**
     * Adds a tenant.
     *
     * @param token the token its callers present, not empty
     * @param tenant the tenant
     * @throws IllegalArgumentException if the token is empty or already registered
     */
    public synchronized void add(String token, Tenant tenant) {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(tenant, "tenant");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("a caller token must not be empty");
        }
        byte[] plain = token.getBytes(StandardCharsets.UTF_8);
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.plain, plain)) {
                throw new IllegalArgumentException("that token is already in use by another agent");
            }
        }
        List<Entry> next = new ArrayList<>(entries);
        next.add(new Entry(("Bearer " + token).getBytes(StandardCharsets.UTF_8), plain, tenant));
        entries = List.copyOf(next);
    }

    /**
     * Removes the tenant of a token; its callers are refused from now on.
     *
     * @param token the token
     * @return whether a tenant was removed
     */
    public synchronized boolean remove(String token) {
        byte[] plain = token.getBytes(StandardCharsets.UTF_8);
        List<Entry> next = new ArrayList<>(entries);
        boolean removed = next.removeIf(e -> MessageDigest.isEqual(e.plain, plain));
        entries = List.copyOf(next);
        return removed;
    }

    /**
     * Finds the tenant whose token the request presents.
     *
     * @param headers the request headers
     * @return the tenant, or empty when no registered token was presented
     */
    public Optional<Tenant> authenticate(HeaderMap headers) {
        List<Entry> all = entries;
        List<byte[]> bearers = bytes(headers.all("authorization"));
        List<byte[]> plains = bytes(headers.all("x-api-key"));
        Tenant found = null;
        for (Entry e : all) {
            boolean ok = false;
            for (byte[] value : bearers) {
                ok |= MessageDigest.isEqual(value, e.bearer);
            }
            for (byte[] value : plains) {
                ok |= MessageDigest.isEqual(value, e.plain);
            }
            if (ok && found == null) {
                found = e.tenant;
            }
        }
        return Optional.ofNullable(found);
    }

    private static List<byte[]> bytes(List<String> values) {
        List<byte[]> out = new ArrayList<>(values.size());
        for (String value : values) {
            out.add(value.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * Returns how many tenants are registered.
     *
     * @return the count
     */
    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        return "Tenants[" + entries.size() + "]";
    }
}
