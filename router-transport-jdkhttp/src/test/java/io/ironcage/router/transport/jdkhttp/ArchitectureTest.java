package io.ironcage.router.transport.jdkhttp;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The JDK adapter's architecture rules (ARCHITECTURE.md "Architecture rules", A1–A3). */
@AnalyzeClasses(
        packages = "io.ironcage.router",
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule A1_NO_CORE_INTERNALS =
            noClasses()
                    .that()
                    .resideInAPackage("..transport.jdkhttp..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("..core.internal..")
                    .as("jdkhttp adapter should not depend on core internals");

    @ArchTest
    static final ArchRule A2_NO_OTHER_ADAPTERS_OR_TESTKIT =
            noClasses()
                    .that()
                    .resideInAPackage("..transport.jdkhttp..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "..transport.netty..", "..analytics..", "..testkit..", "org.junit..")
                    .as("jdkhttp adapter should not depend on other adapters or the testkit");

    @ArchTest
    static final ArchRule A3_PUBLIC_CLASSES =
            classes()
                    .that()
                    .resideInAPackage("..transport.jdkhttp..")
                    .and()
                    .arePublic()
                    .should()
                    .haveNameMatching(".*\\.JdkHttp(TransportProvider|TransportOptions)(\\$.*)?")
                    .as(
                            "jdkhttp adapter public classes are only JdkHttpTransportProvider and"
                                    + " JdkHttpTransportOptions");
}
