package io.ironcage.router.core;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.conditions.ArchConditions.haveRawParameterTypes;
import static com.tngtech.archunit.lang.conditions.ArchConditions.not;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import io.ironcage.router.core.errors.LlmRouterException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * The architecture of router-core as executable rules (ARCHITECTURE.md "Architecture rules", ids
 * C1–C13).
 */
@AnalyzeClasses(
        packages = "io.ironcage.router",
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String CORE = "io.ironcage.router.core..";
    private static final String DOMAIN = "io.ironcage.router.core.domain..";

    @ArchTest
    static final ArchRule C1_DOMAIN_IS_PURE =
            classes()
                    .that()
                    .resideInAPackage(DOMAIN)
                    .should()
                    .onlyDependOnClassesThat(
                            resideInAPackage("java.lang..")
                                    .or(resideInAPackage("java.util.."))
                                    .or(resideInAPackage("java.time.."))
                                    .or(resideInAPackage("java.math.."))
                                    .or(resideInAPackage(DOMAIN))
                                    .or(
                                            describe(
                                                    "are java.net.URI or primitives",
                                                    (JavaClass c) ->
                                                            c.getName().equals("java.net.URI")
                                                                    || c.isPrimitive()
                                                                    || c.isArray())))
                    .as(
                            "domain classes should only depend on java.lang, java.util, java.time,"
                                    + " java.math, java.net.URI and other domain classes");

    @ArchTest
    static final ArchRule C2_NO_ADAPTER_TECHNOLOGY =
            noClasses()
                    .that()
                    .resideInAPackage(CORE)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "reactor..",
                            "io.netty..",
                            "com.sun.net.httpserver..",
                            "java.net.http..",
                            "org.jdbi..",
                            "org.sqlite..",
                            "java.sql..",
                            "javax.sql..",
                            "org.junit..",
                            "com.tngtech..")
                    .as("core should not depend on transport, persistence or test technology");

    @ArchTest
    static final ArchRule C3_JACKSON_ONLY_AT_THE_EDGES =
            noClasses()
                    .that()
                    .resideInAPackage(CORE)
                    .and()
                    .resideOutsideOfPackages(
                            "..core.provider..",
                            "..core.controlplane..",
                            "..core.config..",
                            "..core.internal..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("com.fasterxml.jackson..")
                    .as(
                            "only provider, controlplane, config and internal packages may use Jackson");

    @ArchTest
    static final ArchRule C4_NO_INTERNALS_IN_SPI_OR_DOMAIN =
            noClasses()
                    .that()
                    .resideInAnyPackage("..core.spi..", "..core.domain..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("..core.internal..")
                    .as("spi and domain should not depend on core internals");

    private static final DescribedPredicate<List<JavaClass>> ANY_INTERNAL_TYPE =
            describe(
                    "any internal type",
                    params ->
                            params.stream()
                                    .anyMatch(p -> p.getPackageName().contains(".internal")));

    @ArchTest
    static final ArchRule C5_NO_INTERNAL_TYPES_IN_PUBLIC_API =
            methods()
                    .that()
                    .arePublic()
                    .and()
                    .areDeclaredInClassesThat()
                    .resideOutsideOfPackage("..internal..")
                    .and()
                    .areDeclaredInClassesThat()
                    .arePublic()
                    .should()
                    .notHaveRawReturnType(resideInAPackage("..internal.."))
                    .andShould(not(haveRawParameterTypes(ANY_INTERNAL_TYPE)))
                    .as(
                            "public methods outside internal packages should not expose internal types");

    /** Each package of router-core its own slice, the root package included. */
    private static final SliceAssignment EVERY_CORE_PACKAGE =
            new SliceAssignment() {
                @Override
                public SliceIdentifier getIdentifierOf(JavaClass c) {
                    return c.getPackageName().startsWith("io.ironcage.router.core")
                            ? SliceIdentifier.of(c.getPackageName())
                            : SliceIdentifier.ignore();
                }

                @Override
                public String getDescription() {
                    return "every package of router-core";
                }
            };

    @ArchTest
    static final ArchRule C6_NO_CYCLES =
            slices().assignedFrom(EVERY_CORE_PACKAGE)
                    .should()
                    .beFreeOfCycles()
                    .as("core packages should be free of cycles");

    @ArchTest
    static final ArchRule C7_ONE_EXCEPTION_ROOT =
            classes()
                    .that()
                    .areAssignableTo(Throwable.class)
                    .should()
                    .beAssignableTo(LlmRouterException.class)
                    .andShould()
                    .haveSimpleNameEndingWith("Exception")
                    .as("exceptions should extend LlmRouterException and be named *Exception");

    @ArchTest
    static final ArchRule C8_DOMAIN_VALUES_ARE_RECORDS =
            classes()
                    .that()
                    .resideInAPackage(DOMAIN)
                    .and()
                    .areNotInterfaces()
                    .and()
                    .areNotEnums()
                    .and()
                    .areNotAssignableTo(Throwable.class)
                    .and()
                    .doNotHaveSimpleName("CostController")
                    .and()
                    .doNotHaveSimpleName("Reservation")
                    .and()
                    .doNotHaveSimpleName("PricingTable")
                    .and()
                    .doNotHaveSimpleName("ProviderRouting")
                    .should()
                    .beRecords()
                    .as("domain value classes should be records");

    @ArchTest
    static final ArchRule C9_TIME_ONLY_THROUGH_A_CLOCK =
            noClasses()
                    .that()
                    .resideInAPackage(CORE)
                    .and()
                    .doNotHaveFullyQualifiedName("io.ironcage.router.core.LlmRouter$Builder")
                    .should()
                    .callMethod(System.class, "currentTimeMillis")
                    .orShould()
                    .callMethod(System.class, "nanoTime")
                    .orShould()
                    .callMethod(Instant.class, "now")
                    .orShould()
                    .callMethod(LocalDateTime.class, "now")
                    .orShould()
                    .callMethod(ZonedDateTime.class, "now")
                    .orShould()
                    .callMethod(Clock.class, "systemUTC")
                    .orShould()
                    .callMethod(Clock.class, "systemDefaultZone")
                    .as("core should read time only through an injected Clock");

    @ArchTest
    static final ArchRule C10_MONEY_IS_NEVER_FLOATING_POINT =
            fields().that()
                    .haveNameMatching(
                            "(?i).*(micros|cost|price|budget|spent|reserved|limit|amount).*")
                    .should()
                    .notHaveRawType(double.class)
                    .andShould()
                    .notHaveRawType(float.class)
                    .andShould()
                    .notHaveRawType(Double.class)
                    .andShould()
                    .notHaveRawType(Float.class)
                    .as("money fields should not be floating point");

    private static boolean isCoreException(JavaClass c) {
        return c.getPackageName().equals("io.ironcage.router.core.errors")
                && c.isAssignableTo(Throwable.class);
    }

    @ArchTest
    static final ArchRule C12_CONTROLPLANE_ONLY_THROUGH_PORTS =
            classes()
                    .that()
                    .resideInAPackage("..core.controlplane..")
                    .should()
                    .onlyDependOnClassesThat(
                            resideInAPackage("java..")
                                    .or(resideInAPackage("org.slf4j.."))
                                    .or(resideInAPackage("com.fasterxml.jackson.."))
                                    .or(resideInAPackage(DOMAIN))
                                    .or(resideInAPackage("io.ironcage.router.core.spi.."))
                                    .or(resideInAPackage("io.ironcage.router.core.controlplane.."))
                                    .or(
                                            describe(
                                                    "are core exceptions or primitives",
                                                    (JavaClass c) ->
                                                            c.isPrimitive()
                                                                    || c.isArray()
                                                                    || isCoreException(c)
                                                                    || c.getEnclosingClass()
                                                                            .map(
                                                                                    ArchitectureTest
                                                                                            ::isCoreException)
                                                                            .orElse(false))))
                    .as(
                            "controlplane should only depend on the domain, the ports, Jackson,"
                                    + " SLF4J and the core exceptions");

    @ArchTest
    static final ArchRule C13_CONTROLPLANE_SERVICES_SPEAK_NO_JSON =
            noClasses()
                    .that()
                    .resideInAPackage("..core.controlplane..")
                    .and()
                    .resideOutsideOfPackage("..core.controlplane.wire..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("com.fasterxml.jackson..")
                    .as(
                            "the control-plane services should not use Jackson: only"
                                    + " core.controlplane.wire speaks the server's JSON");

    @ArchTest
    static final ArchRule C11_NO_STANDARD_STREAMS =
            GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS;

    @ArchTest
    static final ArchRule C11_NO_GENERIC_EXCEPTIONS =
            GeneralCodingRules.NO_CLASSES_SHOULD_THROW_GENERIC_EXCEPTIONS;

    @ArchTest
    static final ArchRule C11_NO_JAVA_UTIL_LOGGING =
            GeneralCodingRules.NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING;

    @ArchTest
    static final ArchRule C11_NO_OLD_DATE_CLASSES =
            GeneralCodingRules.OLD_DATE_AND_TIME_CLASSES_SHOULD_NOT_BE_USED;
}
