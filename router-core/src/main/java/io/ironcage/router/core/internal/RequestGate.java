package io.ironcage.router.core.internal;

import io.ironcage.router.core.agent.Tenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.domain.ApiPath;
import io.ironcage.router.core.domain.ModelsPath;
import io.ironcage.router.core.domain.ProviderRouting;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.RequestTarget;
import io.ironcage.router.core.provider.Endpoint;
import io.ironcage.router.core.spi.HeaderMap;
import java.util.Locale;
import java.util.Optional;

/**
 * The gate stage: the checks on a request's head, in order: its target normalised (400 if it cannot
 * be), the health check and the readiness check (no token: a probe has none), header size (431),
 * token (401), the body limit (413), headers that cannot be forwarded (400), a path under {@code
 * /v1/} (404), and an unmetered endpoint under a finite budget (400). A transport runs them on the
 * head alone before it reads the body; the pipeline runs them again on the whole request.
 */
final class RequestGate {
    /** All header names and values of a request together; real SDK requests use about 1 KiB. */
    static final int MAX_HEADER_BYTES = 32 * 1024;

    private static final Passed HEALTH = new Passed(Kind.HEALTH, null, null, null, null);
    private static final Passed READY = new Passed(Kind.READY, null, null, null, null);

    private final Tenants tenants;
    private final boolean allowUnmetered;
    private final long maxRequestBodyBytes;

    RequestGate(Tenants tenants, boolean allowUnmetered, long maxRequestBodyBytes) {
        this.tenants = tenants;
        this.allowUnmetered = allowUnmetered;
        this.maxRequestBodyBytes = maxRequestBodyBytes;
    }

    /** What the gate decided. */
    sealed interface Outcome permits Passed, Refused {}

    /** Which way a request that passed goes. */
    enum Kind {
        HEALTH,
        READY,
        PROXY
    }

    /**
     * A request that passed: a probe, or a request to forward with its normalised target, the kind
     * of path and the tenant it belongs to.
     */
    record Passed(
            Kind kind, RequestTarget target, ApiPath apiPath, Endpoint endpoint, Tenant tenant)
            implements Outcome {}

    /**
     * A refused request; with a tenant when it was refused after authentication (the answer counts
     * as one of the tenant's).
     */
    record Refused(ErrorResponse answer, Optional<Tenant> tenant) implements Outcome {}

    Outcome check(
            String method, String rawPath, String rawQuery, HeaderMap headers, boolean tooLarge) {
        RequestTarget.Parsed parsed = RequestTarget.parse(rawPath, rawQuery);
        if (parsed instanceof RequestTarget.Refused) {
            return refused(
                    ErrorResponses.malformedPath(
                            formatOf(rawPath), ((RequestTarget.Refused) parsed).reason()));
        }
        RequestTarget target = ((RequestTarget.Valid) parsed).target();
        if ("/".equals(target.path())) {
            return HEALTH; // reference §3.2
        }
        if ("/ready".equals(target.path())) {
            return READY;
        }
        ProviderRouting.PathRoute pathRoute = ProviderRouting.stripProviderPrefix(target.path());
        ApiPath apiPath = ApiPath.of(pathRoute.path());
        // the router answers a models request itself, in the format the caller's headers name
        ProviderType format =
                ModelsPath.of(method, target.path()).isPresent()
                        ? ModelListing.callerFormat(headers)
                        : apiPath.format();
        if (headerBytes(headers) > MAX_HEADER_BYTES) {
            return refused(ErrorResponses.headersTooLarge(format, MAX_HEADER_BYTES));
        }
        Optional<Tenant> tenant = tenants.authenticate(headers);
        if (tenant.isEmpty()) {
            return refused(ErrorResponses.unauthorized(format));
        }
        if (tooLarge) {
            return new Refused(ErrorResponses.payloadTooLarge(format, maxRequestBodyBytes), tenant);
        }
        Optional<String> unsendable = ForwardedHeaders.unsendable(headers);
        if (unsendable.isPresent()) {
            return new Refused(
                    ErrorResponses.badRequest(
                            format,
                            "The "
                                    + unsendable.get()
                                    + " header has a control character or a character outside"
                                    + " Latin-1, so it cannot be forwarded.",
                            null),
                    tenant);
        }
        if (!pathRoute.path().startsWith("/v1/")) {
            return new Refused(ErrorResponses.notFound(format, pathRoute.path()), tenant);
        }
        Endpoint endpoint = Endpoint.of(method, apiPath, pathRoute.path());
        if (endpoint.metering() == Endpoint.Metering.UNMETERED
                && !allowUnmetered
                && tenant.get().ledger().limit().isPresent()) {
            return new Refused(
                    ErrorResponses.unmeteredEndpoint(format, method, pathRoute.path()), tenant);
        }
        return new Passed(Kind.PROXY, target, apiPath, endpoint, tenant.get());
    }

    /** The caller's format, guessed from a path that may not be normalised. */
    static ProviderType formatOf(String raw) {
        RequestTarget.Parsed parsed = RequestTarget.parse(raw, "");
        String path =
                parsed instanceof RequestTarget.Valid
                        ? ((RequestTarget.Valid) parsed).target().path()
                        : raw;
        return ApiPath.of(ProviderRouting.stripProviderPrefix(path).path()).format();
    }

    /** A body is JSON unless the caller says otherwise (a missing Content-Type is tolerated). */
    static boolean jsonContentType(HeaderMap headers) {
        Optional<String> type = headers.first("content-type");
        return type.isEmpty() || type.get().toLowerCase(Locale.ROOT).contains("json");
    }

    private static Refused refused(ErrorResponse answer) {
        return new Refused(answer, Optional.empty());
    }

    private static long headerBytes(HeaderMap headers) {
        long[] total = {0};
        headers.forEach((name, value) -> total[0] += name.length() + value.length() + 4);
        return total[0];
    }
}
