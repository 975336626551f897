package io.ironcage.router.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.ironcage.router.core.archfixture.cyclea.A;
import io.ironcage.router.core.archfixture.cycleb.B;
import io.ironcage.router.core.controlplane.archfixture.InternalUsingClient;
import io.ironcage.router.core.controlplane.archfixture.JsonReadingService;
import io.ironcage.router.core.domain.archfixture.BadFailure;
import io.ironcage.router.core.domain.archfixture.ImpureDomainClass;
import org.junit.jupiter.api.Test;

/**
 * Shows that each rule of {@link ArchitectureTest} fails on a class that breaks it, so a green
 * {@code ArchitectureTest} means something.
 */
class ArchitectureRulesFireTest {
    private static final JavaClasses FIXTURES =
            new ClassFileImporter()
                    .importClasses(
                            ImpureDomainClass.class,
                            BadFailure.class,
                            A.class,
                            B.class,
                            InternalUsingClient.class,
                            JsonReadingService.class);

    private static void assertFires(ArchRule rule) {
        assertTrue(
                rule.evaluate(FIXTURES).hasViolation(), () -> "expected a violation of: " + rule);
    }

    @Test
    void domainPurityFiresOnJacksonAndHttpClient() {
        assertFires(ArchitectureTest.C1_DOMAIN_IS_PURE);
    }

    @Test
    void adapterTechnologyFiresOnJavaNetHttp() {
        assertFires(ArchitectureTest.C2_NO_ADAPTER_TECHNOLOGY);
    }

    @Test
    void jacksonRuleFiresOutsideTheAllowedPackages() {
        assertFires(ArchitectureTest.C3_JACKSON_ONLY_AT_THE_EDGES);
    }

    @Test
    void cycleRuleFiresOnAPackageCycle() {
        assertFires(ArchitectureTest.C6_NO_CYCLES);
    }

    @Test
    void exceptionRootFiresOnAForeignException() {
        assertFires(ArchitectureTest.C7_ONE_EXCEPTION_ROOT);
    }

    @Test
    void recordRuleFiresOnAPlainDomainClass() {
        assertFires(ArchitectureTest.C8_DOMAIN_VALUES_ARE_RECORDS);
    }

    @Test
    void clockRuleFiresOnInstantNow() {
        assertFires(ArchitectureTest.C9_TIME_ONLY_THROUGH_A_CLOCK);
    }

    @Test
    void moneyRuleFiresOnADoubleCostField() {
        assertFires(ArchitectureTest.C10_MONEY_IS_NEVER_FLOATING_POINT);
    }

    @Test
    void controlPlaneRuleFiresOnAClientUsingCoreInternals() {
        assertFires(ArchitectureTest.C12_CONTROLPLANE_ONLY_THROUGH_PORTS);
    }

    @Test
    void controlPlaneServiceRuleFiresOnAServiceReadingJson() {
        assertFires(ArchitectureTest.C13_CONTROLPLANE_SERVICES_SPEAK_NO_JSON);
    }
}
