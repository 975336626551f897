package io.ironcage.router.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The testkit's architecture rules (ARCHITECTURE.md "Architecture rules", T1 and T2). */
@AnalyzeClasses(
        packages = "io.ironcage.router.testkit",
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule T1_JUNIT_ONLY_IN_JUNIT_AND_CONTRACT =
            noClasses()
                    .that()
                    .resideOutsideOfPackages("..testkit.junit..", "..testkit.contract..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("org.junit..")
                    .as("only the junit and contract packages may use JUnit");

    @ArchTest
    static final ArchRule T2_NO_ADAPTERS_OR_CORE_INTERNALS =
            noClasses()
                    .that()
                    .resideInAPackage("io.ironcage.router.testkit..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "..router.transport..", "..router.analytics..", "..core.internal..")
                    .as("testkit should not depend on adapters or core internals");
}
