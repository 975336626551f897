package io.ironcage.router.core.controlplane.archfixture;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Breaks C13: a control-plane service reading JSON itself instead of through the wire. */
public final class JsonReadingService {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonReadingService() {}

    /** Reads a field the way only the wire may. */
    public static String leaseId(String body) throws java.io.IOException {
        return JSON.readTree(body).path("lease_id").asText();
    }
}
