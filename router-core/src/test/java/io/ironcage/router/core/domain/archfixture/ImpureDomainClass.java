package io.ironcage.router.core.domain.archfixture;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;

/** Breaks several core rules on purpose; only {@code ArchitectureRulesFireTest} imports it. */
public class ImpureDomainClass {
    double costUsd;
    final ObjectMapper mapper = new ObjectMapper();
    final java.net.http.HttpClient client = null;

    long now() {
        return Instant.now().toEpochMilli();
    }
}
