package io.ironcage.router.analytics.sqlite;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/** The SQLite adapter's architecture rules (ARCHITECTURE.md "Architecture rules", A1–A3 and S1). */
@AnalyzeClasses(
        packages = "io.ironcage.router",
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final DescribedPredicate<JavaClass> PERSISTENCE_TYPES =
            resideInAnyPackage("org.jdbi..", "java.sql..", "javax.sql..", "org.sqlite..");

    @ArchTest
    static final ArchRule A1_NO_CORE_INTERNALS =
            noClasses()
                    .that()
                    .resideInAPackage("..analytics.sqlite..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("..core.internal..")
                    .as("sqlite adapter should not depend on core internals");

    @ArchTest
    static final ArchRule A2_NO_OTHER_ADAPTERS_OR_TESTKIT =
            noClasses()
                    .that()
                    .resideInAPackage("..analytics.sqlite..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("..transport..", "..testkit..", "org.junit..")
                    .as("sqlite adapter should not depend on other adapters or the testkit");

    @ArchTest
    static final ArchRule A3_PUBLIC_CLASSES =
            classes()
                    .that()
                    .resideInAPackage("..analytics.sqlite..")
                    .and()
                    .arePublic()
                    .should()
                    .haveNameMatching(
                            ".*\\.(SqliteUsageEventSink|SqliteOptions|UsageQuery|UsageReport)(\\$.*)?")
                    .as(
                            "sqlite adapter public classes are only SqliteUsageEventSink,"
                                    + " SqliteOptions, UsageQuery and UsageReport");

    @ArchTest
    static final ArchRule S1_NO_PERSISTENCE_TYPES_IN_PUBLIC_SIGNATURES =
            methods()
                    .that()
                    .arePublic()
                    .and()
                    .areDeclaredInClassesThat()
                    .resideInAPackage("..analytics.sqlite..")
                    .and()
                    .areDeclaredInClassesThat()
                    .arePublic()
                    .should(notMentionInSignature(PERSISTENCE_TYPES))
                    .as("Jdbi and JDBC types should not appear in public signatures");

    private static ArchCondition<JavaMethod> notMentionInSignature(
            DescribedPredicate<JavaClass> types) {
        return new ArchCondition<>("not mention " + types.getDescription() + " in its signature") {
            @Override
            public void check(JavaMethod method, ConditionEvents events) {
                boolean bad =
                        types.test(method.getRawReturnType())
                                || method.getRawParameterTypes().stream().anyMatch(types::test)
                                || method.getThrowsClause().getTypes().stream()
                                        .anyMatch(types::test);
                if (bad) {
                    events.add(
                            SimpleConditionEvent.violated(
                                    method, method.getFullName() + " exposes a persistence type"));
                }
            }
        };
    }
}
