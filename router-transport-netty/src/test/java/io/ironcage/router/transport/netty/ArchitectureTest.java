package io.ironcage.router.transport.netty;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/** The netty adapter's architecture rules (ARCHITECTURE.md "Architecture rules", A1–A4). */
@AnalyzeClasses(
        packages = "io.ironcage.router",
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String[] TECHNOLOGY = {"reactor..", "io.netty..", "org.reactivestreams.."};

    @ArchTest
    static final ArchRule A1_NO_CORE_INTERNALS =
            noClasses()
                    .that()
                    .resideInAPackage("..transport.netty..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("..core.internal..")
                    .as("netty adapter should not depend on core internals");

    @ArchTest
    static final ArchRule A2_NO_OTHER_ADAPTERS_OR_TESTKIT =
            noClasses()
                    .that()
                    .resideInAPackage("..transport.netty..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "..transport.jdkhttp..", "..analytics..", "..testkit..", "org.junit..")
                    .as("netty adapter should not depend on other adapters or the testkit");

    @ArchTest
    static final ArchRule A3_PUBLIC_CLASSES =
            classes()
                    .that()
                    .resideInAPackage("..transport.netty..")
                    .and()
                    .arePublic()
                    .should()
                    .haveNameMatching(".*\\.Netty(TransportProvider|TransportOptions)(\\$.*)?")
                    .as(
                            "netty adapter public classes are only NettyTransportProvider and"
                                    + " NettyTransportOptions");

    @ArchTest
    static final ArchRule A4_NO_TECHNOLOGY_IN_PUBLIC_SIGNATURES =
            methods()
                    .that()
                    .arePublic()
                    .and()
                    .areDeclaredInClassesThat()
                    .resideInAPackage("..transport.netty..")
                    .and()
                    .areDeclaredInClassesThat()
                    .arePublic()
                    .should(notMentionTechnologyTypes())
                    .as("reactor and netty types should not appear in public signatures");

    @ArchTest
    static final ArchRule A4_PUBLIC_CLASSES_EXTEND_NO_TECHNOLOGY =
            classes()
                    .that()
                    .resideInAPackage("..transport.netty..")
                    .and()
                    .arePublic()
                    .should()
                    .notBeAssignableTo(resideInAnyPackage(TECHNOLOGY))
                    .as("public netty adapter classes should not extend reactor or netty types");

    private static ArchCondition<JavaMethod> notMentionTechnologyTypes() {
        return new ArchCondition<>("not have reactor, netty or reactive-streams types") {
            @Override
            public void check(JavaMethod method, ConditionEvents events) {
                check(method, method.getRawReturnType(), "returns", events);
                for (JavaClass parameter : method.getRawParameterTypes()) {
                    check(method, parameter, "takes", events);
                }
            }

            private void check(
                    JavaMethod method, JavaClass type, String how, ConditionEvents events) {
                if (resideInAnyPackage(TECHNOLOGY).test(type)) {
                    events.add(
                            SimpleConditionEvent.violated(
                                    method,
                                    method.getFullName() + " " + how + " " + type.getName()));
                }
            }
        };
    }
}
